"""Kiosk, phone page and counter screens in Chromium against a real `motcua up --demo`.

The demo office is shared by the whole session, so each test uses its own tickets (and its own services or
counters where it calls "next"), frees the counters it uses first, and reads numbers from what it was given.
Demo counters: 1 = HT, TP · 2 = CT · 3 = CT, HT · 4 = DD · 5 = LD, TP.
"""
from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.conftest import ADMIN_TOKENS, device_url, screenshot, sign_in

pytestmark = pytest.mark.e2e

KIOSK = {"width": 1080, "height": 1920}     # the kiosk's portrait touch screen
QUICK = 3000      # ms: the screens must follow the event stream within a couple of seconds


# ------------------------------------------------------------ helpers (HTTP straight to the API)

def api(base: str, method: str, path: str, body: dict[str, Any] | None = None, key: str | None = None) -> Any:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {ADMIN_TOKENS[base]}"}
    if key:
        headers["Idempotency-Key"] = key
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read() or b"null")


def issue(base: str, service: str, priority: str | None = None) -> dict[str, Any]:
    ticket = api(base, "POST", "/api/offices/demo/tickets", {"service": service, "priority": priority},
                 key=f"e2e-{uuid.uuid4()}")
    assert ticket["status"] == "waiting", ticket
    return ticket


def queue(base: str) -> dict[str, Any]:
    return api(base, "GET", "/api/offices/demo/queue")


def current_of(base: str, counter: str) -> dict[str, Any] | None:
    return next(c for c in queue(base)["counters"] if c["id"] == counter)["current"]


def ticket(base: str, ticket_id: str) -> dict[str, Any]:
    return api(base, "GET", f"/api/tickets/{ticket_id}")


def free_counters(base: str, *counters: str) -> None:
    """Open and empty: resume and complete whatever an earlier test may have left there."""
    for counter in counters:
        api(base, "POST", f"/api/offices/demo/counters/{counter}/resume", {})
        current = current_of(base, counter)
        if current:
            api(base, "POST", f"/api/tickets/{current['id']}/complete", {})


def cancel(base: str, *ticket_ids: str) -> None:
    for ticket_id in ticket_ids:
        if ticket(base, ticket_id)["status"] in ("waiting", "called", "no_show"):
            api(base, "POST", f"/api/tickets/{ticket_id}/cancel", {})


def open_counter(page: Page, base: str, counter: str) -> None:
    sign_in(page.context, base, f"canbo{counter}")
    page.goto(f"{base}/counter/demo/{counter}")
    expect(page.locator("[data-act=pause]")).to_be_enabled()          # the snapshot has arrived


def waiting_numbers(base: str, service: str) -> list[str]:
    return [t["number"] for t in queue(base)["waiting"] if t["service"] == service]


# ------------------------------------------------------------ kiosk

def test_kiosk_touch_flow_shows_the_number_and_prints_80mm(motcua_up: str, page: Page) -> None:
    base = motcua_up
    page.set_viewport_size(KIOSK)
    page.goto(device_url(base, "/kiosk/demo?print=none", "kiosk"))
    expect(page.locator("[data-screen=home]")).to_be_visible()
    assert "#device=" not in page.url                 # the enrolment token does not stay on screen
    expect(page.locator("#fields .tile")).to_have_count(5)
    expect(page.locator("#popular .tile")).to_have_count(5)
    screenshot(page, "kiosk-start")

    # Locked down: no selection, no context menu, no zoom.
    assert page.evaluate("getComputedStyle(document.body).userSelect") == "none"
    assert "user-scalable=no" in page.get_attribute("meta[name=viewport]", "content")
    assert page.evaluate("""() => { const e = new MouseEvent('contextmenu', {bubbles: true, cancelable: true});
                                    return !document.body.dispatchEvent(e); }""")
    assert page.locator("a[href]").count() == 0

    page.locator("[data-field='Đất đai']").click()          # one service: straight to its two procedures
    expect(page.locator("[data-screen=procedures]")).to_be_visible()
    expect(page.locator("#service-name")).to_have_text("Đất đai")
    screenshot(page, "kiosk-procedures")
    page.locator("#procedures [data-procedure=DD-BD]").click()
    expect(page.locator("#chosen-name")).to_have_text("Đăng ký biến động đất đai")
    page.locator("[data-priority=elderly]").click()
    expect(page.locator("[data-priority=elderly]")).to_have_attribute("aria-checked", "true")
    screenshot(page, "kiosk-confirm")
    page.locator("#take").click()
    page.locator("[data-screen=identify] [data-id=skip]").click()   # no identification

    expect(page.locator("[data-screen=ticket]")).to_be_visible()
    number = page.locator("#t-number").inner_text()
    assert re.fullmatch(r"DD-\d{3}", number), number
    expect(page.locator("#t-service")).to_have_text("Đất đai")
    expect(page.locator("#t-procedure")).to_have_text("Đăng ký biến động đất đai")
    expect(page.locator("#t-priority")).to_have_text("Ưu tiên: Người cao tuổi")
    ahead = int(page.locator("#t-ahead").inner_text())
    assert ahead >= 0
    expect(page.locator("#t-wait")).to_have_text(re.compile(r"Khoảng \d+ (phút|giờ)|Sắp đến lượt"))
    expect(page.locator("#t-qr")).to_have_js_property("complete", True)
    assert page.evaluate("document.getElementById('t-qr').naturalWidth") > 0
    ticket_id = re.search(r"/qr/([0-9a-f-]{36})\.svg", page.get_attribute("#t-qr", "src")).group(1)
    issued = ticket(base, ticket_id)
    assert (issued["number"], issued["service"], issued["procedure"], issued["priority"]) == (number, "DD", "DD-BD",
                                                                                               "elderly")
    screenshot(page, "kiosk-ticket")

    # English on request, remembered across reloads of the screens.
    page.locator("[data-lang=en]").click()
    expect(page.locator("#t-service")).to_have_text("Land")
    expect(page.locator(".advice")).to_contain_text("keep your ticket")
    screenshot(page, "kiosk-ticket-en")
    page.locator("[data-lang=vi]").click()
    expect(page.locator("#t-service")).to_have_text("Đất đai")

    # The printed ticket: 80 mm roll, 72 mm wide content, black on white, with the QR code.
    page.emulate_media(media="print")
    slip = page.locator("#print-ticket")
    expect(slip).to_be_visible()
    expect(page.locator(".app")).to_be_hidden()
    width_mm = slip.bounding_box()["width"] * 25.4 / 96
    assert 70 <= width_mm <= 74, width_mm
    expect(page.locator("#pt-number")).to_have_text(number)
    expect(page.locator("#pt-service")).to_have_text("Đất đai")
    expect(page.locator("#pt-procedure")).to_have_text("Đăng ký biến động đất đai")
    expect(page.locator("#pt-ahead")).to_have_text(str(ahead))
    styles = page.evaluate("""() => { const s = getComputedStyle(document.getElementById('print-ticket'));
                                      return [s.color, s.backgroundColor]; }""")
    assert styles == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]
    rules = page.evaluate("""() => [...document.styleSheets].flatMap(s => [...s.cssRules])
                                    .filter(r => r instanceof CSSPageRule).map(r => r.cssText)""")
    assert any("80mm" in r and "margin: 0" in r for r in rules), rules
    page_mm = page.evaluate("window.motcuaKioskFitPage()")
    assert 80 <= page_mm <= 160, page_mm                        # page as long as the ticket: one cut, no waste
    screenshot(page, "kiosk-print")
    page.emulate_media(media="screen")
    cancel(base, ticket_id)


def test_kiosk_survives_a_network_drop_without_issuing_twice(motcua_up: str, page: Page) -> None:
    base = motcua_up
    page.set_viewport_size(KIOSK)
    page.goto(device_url(base, "/kiosk/demo?print=none&retry=3", "kiosk"))
    page.locator("[data-field='Tư pháp']").click()          # one service, one procedure: straight to confirm
    expect(page.locator("[data-screen=confirm]")).to_be_visible()
    before = waiting_numbers(base, "TP")

    keys: list[str] = []
    issued: list[dict[str, Any]] = []

    def drop(route: Route) -> None:
        request = route.request
        if request.method == "POST" and request.url.endswith("/tickets"):
            keys.append(request.headers["idempotency-key"])
            if not issued:                        # the server issues it, but the answer is lost on the way back
                issued.append(route.fetch().json())
        route.abort("internetdisconnected")

    page.route("**/api/**", drop)
    page.locator("#take").click()
    page.locator("[data-screen=identify] [data-id=skip]").click()   # no identification
    expect(page.locator("#offline")).to_be_visible()
    expect(page.locator("#offline")).to_have_text("Mất kết nối – đang thử lại…")
    expect(page.locator("#issuing-note")).to_have_text("Mất kết nối – đang thử lại…")
    screenshot(page, "kiosk-offline")

    # It keeps retrying for `retry` seconds, then tells the citizen it cannot issue.
    expect(page.locator("[data-screen=failed]")).to_be_visible(timeout=8000)
    expect(page.locator("#failed-title")).to_have_text("Chưa lấy được số thứ tự")
    expect(page.locator("#failed-text")).to_contain_text("Thử lại")
    screenshot(page, "kiosk-cannot-issue")
    assert len(keys) >= 2 and len(set(keys)) == 1, keys           # every retry of the press: one key

    page.unroute("**/api/**")
    page.locator("#retry").click()
    expect(page.locator("[data-screen=ticket]")).to_be_visible()
    expect(page.locator("#t-number")).to_have_text(issued[0]["number"])   # the same ticket, replayed
    expect(page.locator("#offline")).to_be_hidden()
    after = waiting_numbers(base, "TP")
    assert len(after) == len(before) + 1 and issued[0]["number"] in after
    cancel(base, issued[0]["id"])


def test_unknown_office_counter_or_ticket_is_a_friendly_404(motcua_up: str, page: Page) -> None:
    response = page.goto(f"{motcua_up}/kiosk/khong-co-van-phong")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Không tìm thấy")
    expect(page.locator(".error-card p")).to_contain_text("Không có văn phòng “khong-co-van-phong”")
    screenshot(page, "kiosk-unknown-office")
    sign_in(page.context, motcua_up, "canbo1")
    response = page.goto(f"{motcua_up}/counter/demo/99")
    assert response is not None and response.status == 404
    expect(page.locator(".error-card p")).to_contain_text("không có quầy “99”")
    response = page.goto(f"{motcua_up}/t/{uuid.uuid4()}")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Không tìm thấy phiếu")


# ------------------------------------------------------------ phone page

def test_phone_page_follows_the_call_from_the_counter_screen(motcua_up: str, page: Page) -> None:
    base = motcua_up
    free_counters(base, "1")
    mine = issue(base, "TP")
    phone = page.context.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(f"{base}/t/{mine['id']}")
    expect(phone.locator("#number")).to_have_text(mine["number"])
    expect(phone.locator("#service")).to_have_text("Tư pháp")
    expect(phone.locator("#status")).to_have_text("Đang chờ")
    expect(phone.locator("#ahead")).to_have_text(re.compile(r"^\d+$"))
    screenshot(phone, "phone-waiting")

    open_counter(page, base, "1")
    page.locator(f"#waiting-list button[data-ticket='{mine['id']}']").click()     # call this very ticket
    expect(page.locator("#cur-number")).to_have_text(mine["number"])
    started = time.monotonic()
    expect(phone.locator("#status")).to_have_text(re.compile(r"Đã gọi – mời đến quầy 1", re.I), timeout=2500)
    assert time.monotonic() - started < 2.5
    expect(phone.locator("#status-card")).to_have_class(re.compile("s-called"))
    screenshot(phone, "phone-called")

    page.locator("[data-act=start]").click()
    expect(phone.locator("#status")).to_have_text("Đang phục vụ", timeout=QUICK)
    page.locator("[data-act=complete]").click()
    expect(phone.locator("#status")).to_have_text("Đã xong", timeout=QUICK)
    phone.locator("[data-lang=en]").click()
    expect(phone.locator("#status")).to_have_text("Done")
    phone.locator("[data-lang=vi]").click()
    screenshot(phone, "phone-done")


# ------------------------------------------------------------ counter

def test_counter_buttons_and_keyboard_shortcuts(motcua_up: str, page: Page) -> None:
    base = motcua_up
    free_counters(base, "2")
    mine = [issue(base, "CT")["id"] for _ in range(3)]
    open_counter(page, base, "2")
    expect(page.locator("#cur-empty")).to_be_visible()
    expect(page.locator("[data-act=next] kbd")).to_have_text(["Enter", "+"])
    screenshot(page, "counter-idle")

    def serve(press: dict[str, Any]) -> None:
        press["next"]()
        expect(page.locator("#cur-body")).to_be_visible()
        called = current_of(base, "2")
        assert called is not None and called["status"] == "called"
        expect(page.locator("#cur-number")).to_have_text(called["number"])
        expect(page.locator("#cur-status")).to_have_text("Đã gọi – chờ công dân đến")
        press["recall"]()
        expect(page.locator("#cur-recalls")).to_have_text("Đã gọi lại 1 lần")
        assert ticket(base, called["id"])["recall_count"] == 1
        press["start"]()
        expect(page.locator("#cur-status")).to_have_text("Đang phục vụ")
        assert ticket(base, called["id"])["status"] == "serving"
        if press.get("shot"):
            screenshot(page, press["shot"])
        press["complete"]()
        expect(page.locator("#cur-empty")).to_be_visible()
        expect(page.locator("#toast")).to_contain_text(f"Đã hoàn thành số {called['number']}")
        assert ticket(base, called["id"])["status"] == "done"

    def button(name: str) -> Any:
        return lambda: page.locator(f"[data-act={name}]").click()

    def key(name: str) -> Any:
        return lambda: page.keyboard.press(name)

    serve({"next": button("next"), "recall": button("recall"), "start": button("start"),
           "complete": button("complete"), "shot": "counter-serving"})
    serve({"next": key("Enter"), "recall": key("0"), "start": key("1"), "complete": key("2")})
    serve({"next": key("+"), "recall": key("*"), "start": key("1"), "complete": key("2")})

    # No-show by "-", then "9" pauses (and "Call next" refuses with a reason), "9" resumes.
    api(base, "POST", "/api/offices/demo/tickets", {"service": "CT"}, key=f"e2e-{uuid.uuid4()}")
    page.keyboard.press("Enter")
    expect(page.locator("#cur-body")).to_be_visible()
    skipped = current_of(base, "2")
    page.keyboard.press("-")
    expect(page.locator("#cur-empty")).to_be_visible()
    assert ticket(base, skipped["id"])["status"] == "no_show"
    page.keyboard.press("9")
    expect(page.locator("#counter-state")).to_have_text("Tạm dừng")
    expect(page.locator("[data-act=next]")).to_be_disabled()
    page.keyboard.press("Enter")
    expect(page.locator("#toast")).to_have_text("Quầy đang tạm dừng")
    screenshot(page, "counter-paused")
    page.keyboard.press("9")
    expect(page.locator("#counter-state")).to_have_text("Đang mở")

    # English switch, remembered after a reload.
    page.locator("[data-lang=en]").click()
    expect(page.locator("[data-act=next] .act-label")).to_have_text("Call next")
    page.reload()
    expect(page.locator("[data-act=next] .act-label")).to_have_text("Call next")
    expect(page.locator("[data-act=pause]")).to_be_enabled()
    screenshot(page, "counter-en")
    page.locator("[data-lang=vi]").click()
    expect(page.locator("[data-act=next] .act-label")).to_have_text("Gọi tiếp")
    cancel(base, *mine, skipped["id"])


def test_transfer_dialog_and_calling_a_typed_number(motcua_up: str, page: Page) -> None:
    base = motcua_up
    free_counters(base, "5")
    mine = issue(base, "LD")
    open_counter(page, base, "5")
    page.keyboard.press("5")
    expect(page.locator("#dlg-call")).to_be_visible()
    page.locator("#call-number").fill(mine["number"].lower())
    screenshot(page, "counter-call-dialog")
    page.keyboard.press("Enter")
    expect(page.locator("#cur-number")).to_have_text(mine["number"])

    page.keyboard.press("4")
    expect(page.locator("#dlg-transfer")).to_be_visible()
    expect(page.locator("#tr-number")).to_have_text(mine["number"])
    screenshot(page, "counter-transfer-dialog")
    page.locator("#tr-services .opt", has_text="Tư pháp").click()
    expect(page.locator("#cur-empty")).to_be_visible()
    moved = ticket(base, mine["id"])
    assert (moved["status"], moved["service"], moved["number"]) == ("waiting", "TP", mine["number"])
    cancel(base, mine["id"])


def test_two_tabs_of_one_counter_stay_consistent(motcua_up: str, page: Page) -> None:
    base = motcua_up
    free_counters(base, "4")
    mine = issue(base, "DD")
    other = page.context.new_page()
    open_counter(page, base, "4")
    open_counter(other, base, "4")
    count = other.locator("#svc-counts [data-service=DD] .svc-n")
    expect(count).to_have_text(page.locator("#svc-counts [data-service=DD] .svc-n").inner_text())

    page.locator("[data-act=next]").click()
    expect(page.locator("#cur-body")).to_be_visible()
    number = page.locator("#cur-number").inner_text()
    expect(other.locator("#cur-number")).to_have_text(number, timeout=QUICK)
    expect(other.locator("[data-act=recall]")).to_be_enabled()
    expect(count).to_have_text(page.locator("#svc-counts [data-service=DD] .svc-n").inner_text(), timeout=QUICK)

    other.locator("[data-act=start]").click()
    expect(page.locator("#cur-status")).to_have_text("Đang phục vụ", timeout=QUICK)
    screenshot(page, "counter-tab-a")
    screenshot(other, "counter-tab-b")
    page.locator("[data-act=complete]").click()
    expect(other.locator("#cur-empty")).to_be_visible(timeout=QUICK)

    issue(base, "DD")                                    # a new arrival shows up in both tabs
    expected = str(len(waiting_numbers(base, "DD")))
    expect(page.locator("#svc-counts [data-service=DD] .svc-n")).to_have_text(expected, timeout=QUICK)
    expect(count).to_have_text(expected, timeout=QUICK)
    cancel(base, mine["id"], *[t["id"] for t in queue(base)["waiting"] if t["service"] == "DD"])


def test_a_second_counter_cannot_take_a_called_ticket(motcua_up: str, page: Page) -> None:
    base = motcua_up
    free_counters(base, "1", "3")
    mine = issue(base, "HT")
    second = page.context.new_page()
    open_counter(page, base, "1")
    open_counter(second, base, "3")
    page.locator(f"#waiting-list button[data-ticket='{mine['id']}']").click()
    expect(page.locator("#cur-number")).to_have_text(mine["number"])
    expect(second.locator(f"#waiting-list button[data-ticket='{mine['id']}']")).to_have_count(0, timeout=QUICK)

    second.keyboard.press("5")
    second.locator("#call-number").fill(mine["number"])
    second.keyboard.press("Enter")
    toast = second.locator("#toast")
    expect(toast).to_be_visible()
    expect(toast).to_have_text(f"Không thể gọi phiếu {mine['number']}: phiếu đang ở trạng thái 'đã gọi'")
    expect(toast).to_have_class(re.compile("error"))
    expect(second.locator("#cur-empty")).to_be_visible()
    screenshot(second, "counter-refused")
    assert ticket(base, mine["id"])["counter"] == "1"
    api(base, "POST", f"/api/tickets/{mine['id']}/complete", {})
