"""The kiosk as a citizen meets it on a 1080×1920 portrait touch screen: the most common procedures first, steps
with a single choice skipped, a double tap that cannot choose what the next screen puts under the finger, and the
"are you still there?" question before an idle kiosk starts over in Vietnamese.

Demo office: Hộ tịch (5 procedures), Chứng thực (3), Đất đai (2), Tư pháp (1), Lao động – TB&XH (3); five popular.
"""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
from playwright.sync_api import Page, expect

from services.domain.office_config import ICONS
from tests.e2e.conftest import device_url, screenshot
from tests.e2e.helpers import api, cancel, enrol, office_with, ticket

pytestmark = pytest.mark.e2e

PORTRAIT = {"width": 1080, "height": 1920}


@pytest.fixture
def kiosk(browser: Any) -> Iterator[Page]:
    context = browser.new_context(viewport=PORTRAIT, locale="vi-VN", has_touch=True)
    yield context.new_page()
    context.close()


def settled(page: Page) -> None:
    """Past the guard time of the last screen change (tap.js), as a person's next touch would be."""
    page.wait_for_function("() => !document.body.classList.contains('settling')")


def boxes(page: Page, selector: str) -> list[dict[str, float]]:
    return page.locator(selector).evaluate_all("els => els.map(e => e.getBoundingClientRect().toJSON())")


def issued_ticket(page: Page, base: str) -> dict[str, Any]:
    expect(page.locator("[data-screen=ticket]")).to_be_visible()
    expect(page.locator("#t-qr")).to_have_attribute("src", re.compile(r"/qr/[0-9a-f-]{36}\.svg"))
    ticket_id = re.search(r"/qr/([0-9a-f-]{36})\.svg", page.get_attribute("#t-qr", "src")).group(1)
    return ticket(base, ticket_id)


def test_the_first_screen_offers_the_most_common_procedures(motcua_up: str, kiosk: Page) -> None:
    base = motcua_up
    office = api(base, "GET", "/api/offices/demo")
    popular = [(s, p) for s in office["services"] for p in s["procedures"] if p["popular"]]
    assert len(popular) == 5
    kiosk.goto(device_url(base, "/kiosk/demo?print=none", "kiosk"))
    tiles = kiosk.locator("#popular .tile")
    expect(tiles).to_have_count(len(popular))
    assert tiles.evaluate_all("els => els.map(e => e.dataset.procedure)") == [p["code"] for _, p in popular]
    assert tiles.evaluate_all("els => els.map(e => e.querySelector('svg').dataset.icon)") == [p["icon"] for _, p in popular]
    expect(tiles.first.locator(".tile-name")).to_have_text("Đăng ký khai sinh")
    expect(tiles.first.locator(".tile-sub")).to_have_text("Birth registration")
    expect(kiosk.locator("#fields-prompt")).to_have_text("Hoặc chọn lĩnh vực bạn cần giải quyết")

    # Popular procedures above the fields, and together they fill the portrait screen: no empty bottom half.
    popular_boxes, field_boxes = boxes(kiosk, "#popular .tile"), boxes(kiosk, "#fields .tile")
    stage = kiosk.locator(".stage").bounding_box()
    assert max(b["bottom"] for b in popular_boxes) < min(b["top"] for b in field_boxes)
    assert max(b["bottom"] for b in field_boxes) > stage["y"] + stage["height"] - 40, (field_boxes, stage)
    heights = [b["height"] for b in popular_boxes + field_boxes]
    widths = [b["width"] for b in popular_boxes + field_boxes]
    assert min(heights) >= 200 and min(widths) >= 480, (heights, widths)      # big targets for a finger
    assert kiosk.evaluate("() => document.documentElement.scrollHeight <= innerHeight")
    assert kiosk.evaluate("() => [...document.querySelectorAll('.tile')].every(t => t.scrollHeight <= t.clientHeight + 1)")
    print(f"kiosk 1080x1920 tiles: {min(widths):.0f}-{max(widths):.0f} × {min(heights):.0f}-{max(heights):.0f} px")
    screenshot(kiosk, "kiosk-portrait-home")

    # One touch on "Đăng ký khai sinh": straight to the confirmation, then a ticket issued with that procedure.
    kiosk.locator("#popular [data-procedure=HT-KS]").click()
    expect(kiosk.locator("[data-screen=confirm]")).to_be_visible()
    expect(kiosk.locator("#chosen-name")).to_have_text("Đăng ký khai sinh")
    expect(kiosk.locator("#chosen-sub")).to_contain_text("Lĩnh vực: Hộ tịch")
    expect(kiosk.locator("#chosen-icon svg")).to_have_attribute("data-icon", "birth")
    screenshot(kiosk, "kiosk-portrait-confirm")
    kiosk.locator("#take").click()
    kiosk.locator("[data-screen=identify] [data-id=skip]").click()   # no identification
    issued = issued_ticket(kiosk, base)
    assert (issued["service"], issued["procedure"]) == ("HT", "HT-KS"), issued
    expect(kiosk.locator("#t-number")).to_have_text(issued["number"])
    expect(kiosk.locator("#t-procedure")).to_have_text("Đăng ký khai sinh")
    screenshot(kiosk, "kiosk-portrait-ticket")
    kiosk.locator("[data-lang=en]").click()
    expect(kiosk.locator("#t-procedure")).to_have_text("Birth registration")
    kiosk.locator("[data-screen=ticket] [data-action=home]").click()
    expect(kiosk.locator("[data-screen=home]")).to_be_visible()
    expect(kiosk.locator("#popular .tile-name").first).to_have_text("Đăng ký khai sinh")   # Vietnamese again
    cancel(base, issued["id"])


def test_every_pictogram_of_the_configuration_is_drawn(motcua_up: str, kiosk: Page) -> None:
    kiosk.goto(device_url(motcua_up, "/kiosk/demo?print=none", "kiosk"))
    assert set(kiosk.evaluate("() => window.motcuaIcons.keys")) == set(ICONS)
    drawn = kiosk.evaluate("""keys => keys.map(k => {
        const svg = window.motcuaIcons.draw(k, 'probe');
        svg.setAttribute('width', '64'); svg.setAttribute('height', '64');
        document.body.appendChild(svg);
        const box = svg.getBBox(), parts = svg.childElementCount;
        svg.remove();
        return [k, parts, box.width, box.height];
    })""", sorted(ICONS))
    for key, parts, width, height in drawn:
        assert parts >= 1 and width >= 30 and height >= 20, (key, parts, width, height)
    assert kiosk.evaluate("() => window.motcuaIcons.draw('no-such-icon')") is None


def test_a_step_with_a_single_choice_is_skipped(motcua_up: str, kiosk: Page) -> None:
    base = motcua_up
    kiosk.goto(device_url(base, "/kiosk/demo?print=none", "kiosk"))
    # Tư pháp: one service with one procedure, so the confirmation comes at once.
    kiosk.locator("[data-field='Tư pháp']").click()
    expect(kiosk.locator("[data-screen=confirm]")).to_be_visible()
    expect(kiosk.locator("#chosen-name")).to_have_text("Cấp phiếu lý lịch tư pháp")
    assert kiosk.evaluate("() => window.motcuaKiosk.state.trail") == ["home"]
    kiosk.locator("#take").click()
    kiosk.locator("[data-screen=identify] [data-id=skip]").click()   # no identification
    issued = issued_ticket(kiosk, base)
    assert (issued["service"], issued["procedure"]) == ("TP", "TP-LL"), issued
    cancel(base, issued["id"])

    # A field of two services: the service step shows; a service with one procedure (or none) skips its step.
    office_with(base, "e2e-steps", [
        {"code": "HT", "name": "Hộ tịch", "name_en": "Civil status", "field": "Tư pháp – Hộ tịch", "icon": "family",
         "procedures": [{"code": "S-KS", "name": "Đăng ký khai sinh", "name_en": "Birth registration", "icon": "birth"},
                        {"code": "S-KH", "name": "Đăng ký kết hôn", "name_en": "Marriage registration",
                         "icon": "marriage"}]},
        {"code": "CT", "name": "Chứng thực", "name_en": "Certification", "field": "Tư pháp – Hộ tịch", "icon": "copy",
         "procedures": [{"code": "S-BS", "name": "Chứng thực bản sao", "name_en": "Certified copy", "icon": "copy"}]},
        {"code": "DD", "name": "Đất đai", "name_en": "Land", "field": "Đất đai", "icon": "land"},
    ], [{"id": "1", "services": ["HT", "CT", "DD"]}])
    kiosk.goto(f"{base}/kiosk/e2e-steps?print=none#device={enrol(base, 'e2e-steps', 'kiosk')}")
    expect(kiosk.locator("#popular-block")).to_be_hidden()                 # nothing marked popular here
    expect(kiosk.locator("#fields-prompt")).to_have_text("Chạm vào lĩnh vực bạn cần giải quyết")
    expect(kiosk.locator("#fields .tile")).to_have_count(2)
    screenshot(kiosk, "kiosk-portrait-fields-only")
    kiosk.locator("[data-field='Tư pháp – Hộ tịch']").click()
    expect(kiosk.locator("[data-screen=services]")).to_be_visible()
    expect(kiosk.locator("#services .tile")).to_have_count(2)
    screenshot(kiosk, "kiosk-portrait-services")
    kiosk.locator("#services [data-service=CT]").click()
    expect(kiosk.locator("[data-screen=confirm]")).to_be_visible()           # one procedure: no procedure step
    expect(kiosk.locator("#chosen-name")).to_have_text("Chứng thực bản sao")
    kiosk.locator("[data-screen=confirm] [data-action=back]").click()
    expect(kiosk.locator("[data-screen=services]")).to_be_visible()          # back to the step actually shown
    kiosk.locator("#services [data-service=HT]").click()
    expect(kiosk.locator("[data-screen=procedures]")).to_be_visible()
    expect(kiosk.locator("#procedures .tile")).to_have_count(2)
    kiosk.locator("[data-screen=procedures] [data-action=back]").click()
    kiosk.locator("[data-screen=services] [data-action=back]").click()
    expect(kiosk.locator("[data-screen=home]")).to_be_visible()
    kiosk.locator("[data-field='Đất đai']").click()                          # one service without procedures
    expect(kiosk.locator("#chosen-name")).to_have_text("Đất đai")
    kiosk.locator("#take").click()
    kiosk.locator("[data-screen=identify] [data-id=skip]").click()   # no identification
    issued = issued_ticket(kiosk, base)
    assert (issued["office"], issued["service"], issued["procedure"]) == ("e2e-steps", "DD", None), issued
    cancel(base, issued["id"])


def test_a_double_tap_cannot_choose_what_lies_under_it_on_the_next_screen(motcua_up: str, kiosk: Page) -> None:
    kiosk.goto(device_url(motcua_up, "/kiosk/demo?print=none", "kiosk"))
    settled(kiosk)
    field = kiosk.locator("[data-field='Hộ tịch']").bounding_box()
    x, y = field["x"] + field["width"] / 2, field["y"] + field["height"] / 2
    kiosk.touchscreen.tap(x, y)
    kiosk.wait_for_timeout(120)
    kiosk.touchscreen.tap(x, y)                   # the second tap of a double tap, on the procedures screen
    expect(kiosk.locator("[data-screen=procedures]")).to_be_visible()
    kiosk.wait_for_timeout(800)
    under = kiosk.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('.tile').dataset.procedure", [x, y])
    assert under in {"HT-KS", "HT-KH", "HT-KT", "HT-HN", "HT-TL"}      # a procedure lay under the finger…
    expect(kiosk.locator("[data-screen=procedures]")).to_be_visible()     # …and was not chosen
    assert kiosk.evaluate("() => window.motcuaKiosk.state.procedure") is None

    # A mouse double click on a procedure: the confirmation's priorities and "Lấy số" are pressed neither.
    settled(kiosk)
    tile = kiosk.locator("#procedures [data-procedure=HT-HN]").bounding_box()
    x, y = tile["x"] + tile["width"] / 2, tile["y"] + tile["height"] / 2
    kiosk.mouse.dblclick(x, y)
    expect(kiosk.locator("[data-screen=confirm]")).to_be_visible()
    kiosk.wait_for_timeout(800)
    assert kiosk.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('button') !== null", [x, y])
    state = kiosk.evaluate("() => { const s = window.motcuaKiosk.state; "
                           "return [s.screen, s.procedure.code, s.priority, !!s.pending]; }")
    assert state == ["confirm", "HT-HN", None, False]
    kiosk.locator("[data-priority=elderly]").click()                       # a deliberate touch still works
    expect(kiosk.locator("[data-priority=elderly]")).to_have_attribute("aria-checked", "true")


def test_an_idle_kiosk_asks_then_starts_over_in_vietnamese(motcua_up: str, kiosk: Page) -> None:
    kiosk.goto(device_url(motcua_up, "/kiosk/demo?idle=5&print=none", "kiosk"))
    kiosk.locator("[data-field='Hộ tịch']").click()
    kiosk.locator("[data-lang=en]").click()
    expect(kiosk.locator("[data-screen=procedures] .prompt span").first).to_have_text("Choose the procedure")
    question = kiosk.locator("#still-there")
    expect(question).to_be_hidden()
    expect(question).to_be_visible(timeout=9000)
    expect(kiosk.locator("#still-vi")).to_have_text("Bạn còn đang sử dụng?")
    expect(kiosk.locator(".still-en")).to_have_text("Are you still there?")
    first = int(kiosk.locator("#still-count").inner_text())
    assert 8 <= first <= 10
    kiosk.wait_for_timeout(1300)
    assert int(kiosk.locator("#still-count").inner_text()) < first            # counting down
    screenshot(kiosk, "kiosk-still-there")

    # Any touch answers "yes": same screen, same language, and the touch chooses nothing underneath.
    tile = kiosk.locator("#procedures [data-procedure=HT-KS]").bounding_box()
    kiosk.touchscreen.tap(tile["x"] + tile["width"] / 2, tile["y"] + tile["height"] / 2)
    expect(question).to_be_hidden()
    kiosk.wait_for_timeout(500)
    expect(kiosk.locator("[data-screen=procedures]")).to_be_visible()
    assert kiosk.evaluate("() => window.motcuaLang.lang") == "en"

    # Left alone: asked again, then the first screen, in Vietnamese, for the next citizen.
    expect(question).to_be_visible(timeout=9000)
    expect(kiosk.locator("[data-screen=home]")).to_be_visible(timeout=14000)
    expect(question).to_be_hidden()
    assert kiosk.evaluate("() => [window.motcuaLang.lang, document.documentElement.lang]") == ["vi", "vi"]
    expect(kiosk.locator("#popular-block .prompt")).to_have_text("Thủ tục thường gặp – chạm vào thủ tục bạn cần")
    kiosk.wait_for_timeout(6000)                  # on the first screen in Vietnamese there is nothing to reset
    expect(question).to_be_hidden()
