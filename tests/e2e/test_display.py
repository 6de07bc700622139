"""The hall board (/display/demo) in Chromium against a real `motcua up --demo`.

The demo office is shared by the whole session: each test issues its own tickets, frees the counters it uses
and calls its tickets by id, and reads numbers from the API's replies. Demo counters: 1 = HT, TP · 3 = CT, HT.
Chromium runs with --autoplay-policy=no-user-gesture-required, so the chime and the espeak-ng voice play for
real (in real time): every announcement is checked from `window.motcuaDisplay.log`.
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

from services.domain.speech import announcement, read_number
from tests.e2e.conftest import ADMIN_TOKENS, device_url, screenshot
from tests.e2e.helpers import enrol, office_with

pytestmark = pytest.mark.e2e

WALL_TV = {"width": 1920, "height": 1080}
PERSONAL = re.compile(r"\b\d{9}(\d{3})?\b|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-")   # CMND/CCCD numbers, ticket ids


# ------------------------------------------------------------ helpers (HTTP straight to the API)

def api(base: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4()),
                                              "Authorization": f"Bearer {ADMIN_TOKENS[base]}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read() or b"null")


def issue(base: str, service: str = "HT", office: str = "demo") -> dict[str, Any]:
    ticket = api(base, "POST", f"/api/offices/{office}/tickets", {"service": service})
    assert ticket["status"] == "waiting", ticket
    return ticket


def free(base: str, *counters: str) -> None:
    for counter in counters:
        api(base, "POST", f"/api/offices/demo/counters/{counter}/resume", {})
        current = next(c for c in api(base, "GET", "/api/offices/demo/queue")["counters"] if c["id"] == counter)["current"]
        if current:
            api(base, "POST", f"/api/tickets/{current['id']}/complete", {})


def call(base: str, counter: str, ticket: dict[str, Any], office: str = "demo") -> dict[str, Any]:
    called = api(base, "POST", f"/api/offices/{office}/counters/{counter}/call", {"ticket_id": ticket["id"]})["ticket"]
    assert called["number"] == ticket["number"] and called["counter"] == counter, called
    return called


def open_board(page: Page, base: str, query: str = "sound=on") -> None:
    page.goto(device_url(base, f"/display/demo?{query}", "display"))
    page.wait_for_function("() => window.motcuaDisplay && window.motcuaDisplay.connected")


def card_number(page: Page, counter: str):  # type: ignore[no-untyped-def]
    return page.locator(f"#counters [data-counter='{counter}'] .counter-number")


def log(page: Page) -> list[dict[str, Any]]:
    return page.evaluate("() => JSON.parse(JSON.stringify(window.motcuaDisplay.log))")


def entries(page: Page, *numbers: str) -> list[dict[str, Any]]:
    """The board's announcements of these ticket numbers (the board never learns ticket ids)."""
    return [e for e in log(page) if e["ticket"] in numbers]


def wait_entries(page: Page, numbers: list[str], count: int, timeout_s: float = 40,
                 finished: bool = True, with_text: bool = False) -> list[dict[str, Any]]:
    """The board's announcements of these tickets, once there are `count` (finished, or with their text)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = entries(page, *numbers)
        if (len(found) >= count and (not finished or all(e["ended_at"] for e in found))
                and (not with_text or all(e["text"] for e in found))):
            return found
        assert time.monotonic() < deadline, found
        time.sleep(0.2)


def spoken_label(label: str) -> str:
    """Independent reading of `HT-015`: the letters' names, then the number read as a whole."""
    prefix, _, digits = label.rpartition("-")
    letters = {"H": "hát", "T": "tê"}
    return " ".join([*(letters[c] for c in prefix), read_number(int(digits))])


# ------------------------------------------------------------ tests

def test_a_call_shows_within_a_second_and_is_announced(motcua_up: str, page: Page) -> None:
    base = motcua_up
    page.set_viewport_size(WALL_TV)
    free(base, "3")
    open_board(page, base)
    expect(page.locator("#counters .counter")).to_have_count(5)
    ticket = issue(base)
    call(base, "3", ticket)
    expect(card_number(page, "3")).to_have_text(ticket["number"], timeout=1000)
    expect(page.locator("#recent .recent-item").first.locator(".r-number")).to_have_text(ticket["number"])
    expect(page.locator("#hero-number")).to_have_text(ticket["number"])
    expect(page.locator("#hero-counter")).to_have_text("3")

    expected = f"Mời công dân có số {spoken_label(ticket['number'])} đến quầy số ba"
    assert expected == announcement(ticket["number"], "3")
    [entry] = wait_entries(page, [ticket["number"]], 1, finished=False, with_text=True)
    assert entry["text"] == expected and entry["type"] == "ticket.called"
    assert entry["display"] == f"Mời công dân có số {ticket['number']} đến quầy số 3"

    # Waiting counts per service follow the office's queue.
    queue = api(base, "GET", "/api/offices/demo/queue")
    for service in queue["services"]:
        expect(page.locator(f"#waiting [data-service='{service['code']}'] .w-count")).to_have_text(str(service["waiting"]))
    expect(page.locator("#conn")).to_be_hidden()
    time.sleep(0.5)                               # let the call's pop-in animation finish
    screenshot(page, "display-landscape")
    [entry] = wait_entries(page, [ticket["number"]], 1)
    assert entry["state"] == "done" and entry["via"] == "server", entry


def test_calls_are_announced_in_order_and_recall_announces_again(motcua_up: str, page: Page) -> None:
    base = motcua_up
    free(base, "1", "3")
    open_board(page, base)
    first, second = issue(base), issue(base)
    call(base, "1", first)
    call(base, "3", second)                       # while the first is still being spoken
    api(base, "POST", f"/api/tickets/{first['id']}/recall", {})
    expect(card_number(page, "1")).to_have_text(first["number"])
    expect(card_number(page, "3")).to_have_text(second["number"])

    done = wait_entries(page, [first["number"], second["number"]], 3)
    assert [(e["ticket"], e["counter"], e["type"]) for e in done] == [
        (first["number"], "1", "ticket.called"), (second["number"], "3", "ticket.called"),
        (first["number"], "1", "ticket.recalled")]
    assert done[0]["text"] == done[2]["text"] == f"Mời công dân có số {spoken_label(first['number'])} đến quầy số một"
    assert done[1]["text"] == f"Mời công dân có số {spoken_label(second['number'])} đến quầy số ba"
    for before, after in zip(done, done[1:]):     # a FIFO: nothing starts before the previous one ended
        assert after["started_at"] >= before["ended_at"], (before, after)
    for e in done:                                # each played to its natural end: chime + voice, not cut off
        assert e["state"] == "done" and e["via"] == "server", e
        assert e["ended_at"] - e["started_at"] > 3000, e


def test_a_broken_audio_never_blocks_the_queue(motcua_up: str, page: Page) -> None:
    base = motcua_up
    free(base, "1", "3")
    hung, broken = issue(base), issue(base)

    def audio(route: Route) -> None:
        if hung["number"] in route.request.url:
            return                                # never answered: the audio stalls
        if broken["number"] in route.request.url:
            route.fulfill(status=200, content_type="audio/wav", body=b"RIFF broken")
            return
        route.continue_()

    page.route("**/announce.wav*", audio)
    open_board(page, base)
    call(base, "1", hung)
    call(base, "3", broken)
    done = wait_entries(page, [hung["number"], broken["number"]], 2, timeout_s=30)
    assert [e["ticket"] for e in done] == [hung["number"], broken["number"]]
    assert [e["state"] for e in done] == ["error", "error"], done
    assert done[1]["started_at"] >= done[0]["ended_at"]
    assert done[0]["ended_at"] - done[0]["started_at"] < 12_000   # given up on, not waited for forever


def test_network_cut_resyncs_to_the_latest_numbers(motcua_up: str, page: Page) -> None:
    base = motcua_up
    free(base, "1")
    page.set_viewport_size(WALL_TV)
    open_board(page, base, "sound=off")
    expect(page.locator("#sound-prompt")).to_be_hidden()
    page.context.set_offline(True)
    expect(page.locator("#conn")).to_be_visible(timeout=5000)
    expect(page.locator("#conn")).to_have_text("Đang kết nối lại…")
    screenshot(page, "display-reconnecting")
    missed = issue(base)
    call(base, "1", missed)                       # happens while the board is cut off
    time.sleep(0.5)
    expect(page.locator("#counters .counter")).to_have_count(5)           # never blanked
    assert card_number(page, "1").inner_text() != missed["number"]
    page.context.set_offline(False)
    expect(card_number(page, "1")).to_have_text(missed["number"], timeout=8000)
    expect(page.locator("#conn")).to_be_hidden()
    assert page.evaluate("() => window.motcuaDisplay.stream.stats.snapshots") >= 2
    [entry] = wait_entries(page, [missed["number"]], 1, finished=False)       # a call missed during the cut is
    assert entry["missed"] and entry["state"] == "muted"                 # still announced (muted here)

    # Silence from the server (no event, no heartbeat) makes the board reconnect by itself.
    page.evaluate("() => { window.motcuaDisplay.stream.silenceMs = 300; }")
    page.wait_for_function("() => window.motcuaDisplay.stream.stats.watchdog >= 1")
    page.evaluate("() => { window.motcuaDisplay.stream.silenceMs = 40000; }")
    page.wait_for_function("() => window.motcuaDisplay.connected")
    later = issue(base)
    free(base, "1")
    call(base, "1", later)
    expect(card_number(page, "1")).to_have_text(later["number"], timeout=3000)


def test_portrait_layout_english_and_no_personal_data(motcua_up: str, page: Page) -> None:
    base = motcua_up
    page.set_viewport_size({"width": 720, "height": 1280})
    open_board(page, base, "sound=off")           # layout chosen by the screen's shape
    assert page.evaluate("() => document.body.dataset.layout") == "portrait"
    expect(page.locator("#clock-date")).to_have_text(re.compile(r"^(Thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|Chủ nhật), ngày \d\d/\d\d/\d{4}$"))
    expect(page.locator("#clock-time")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")   # nothing cut off
    screenshot(page, "display-portrait")

    page.locator(".lang-switch [data-lang=en]").click()
    expect(page.locator(".recent h2")).to_have_text("Recent calls")
    expect(page.locator("#counters [data-counter='1'] .counter-name")).to_have_text("Counter 1")
    expect(page.locator("#clock-date")).to_have_text(re.compile(r"day, \d{1,2} [A-Z][a-z]+ \d{4}$"))
    page.locator(".lang-switch [data-lang=vi]").click()
    expect(page.locator(".recent h2")).to_have_text("Số vừa gọi")

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(device_url(base, "/display/demo?layout=portrait&sound=off", "display"))
    assert page.evaluate("() => document.body.dataset.layout") == "portrait"     # forced by the query

    # Only numbers, services and counters: no ids, no identity numbers, no priority category of anyone.
    office = api(base, "GET", "/api/offices/demo")
    text = page.locator("body").inner_text()
    assert not PERSONAL.search(text), text
    for category in office["priority_categories"]:
        assert category["name"] not in text
    assert page.locator("input, form").count() == 0


BLOCK_AUTOPLAY = """
    window.AudioContext = function () { return { state: 'suspended', close: function () {} }; };
    if (navigator.getAutoplayPolicy) navigator.getAutoplayPolicy = function () { return 'disallowed'; };
"""

# What must never be covered, and where the banner must stay (the header).
GEOMETRY = """() => {
    const box = e => e.getBoundingClientRect();
    const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const banner = box(document.getElementById('sound-prompt')), bar = box(document.querySelector('.bar'));
    const content = [...document.querySelectorAll('#hero, #counters, .counter, .panel, .foot, .clock, .office-name')];
    return {inHeader: banner.top >= bar.top && banner.bottom <= bar.bottom && banner.left >= bar.left
                      && banner.right <= bar.right && banner.width > 0,
            covers: content.filter(e => meets(box(e), banner)).map(e => e.id || e.className)};
}"""


def test_sound_banner_never_covers_the_board_and_is_asked_once(motcua_up: str, page: Page) -> None:
    page.set_viewport_size(WALL_TV)
    page.add_init_script(BLOCK_AUTOPLAY)          # pretend the browser blocks autoplay (the session's allows it)
    page.goto(device_url(motcua_up, "/display/demo", "display"))
    prompt = page.locator("#sound-prompt")
    expect(prompt).to_be_visible()
    expect(prompt).to_contain_text("Bấm để bật âm thanh")
    expect(prompt).to_contain_text("Click to enable sound")
    expect(page.locator("#counters .counter")).to_have_count(5)          # the board is live beside it
    assert page.evaluate(GEOMETRY) == {"inHeader": True, "covers": []}
    screenshot(page, "display-sound-banner")
    page.set_viewport_size({"width": 720, "height": 1280})                 # a portrait screen too
    page.wait_for_function("() => document.body.dataset.layout === 'portrait'")
    assert page.evaluate(GEOMETRY) == {"inHeader": True, "covers": []}
    screenshot(page, "display-sound-banner-portrait")
    page.set_viewport_size(WALL_TV)
    assert page.evaluate("() => window.motcuaDisplay.announcer.enabled") is False

    page.locator("#hero").click()                 # one click (or a remote's OK key) anywhere
    expect(prompt).to_be_hidden()
    assert page.evaluate("() => window.motcuaDisplay.announcer.enabled") is True
    expect(page.locator("#sound-toggle")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("() => localStorage.getItem('motcua.board.sound')") == "on"

    # The operator's choice stays with the device: turned off, the board comes back silent and asks nothing.
    page.locator("#sound-toggle").click()
    expect(page.locator("#sound-toggle")).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("() => localStorage.getItem('motcua.board.sound')") == "off"
    page.reload()
    page.wait_for_function("() => window.motcuaDisplay && window.motcuaDisplay.connected")
    expect(prompt).to_be_hidden()
    expect(page.locator("#sound-toggle")).to_have_text("Âm thanh: tắt")
    page.locator("#sound-toggle").click()                                  # and on again, from the footer
    expect(page.locator("#sound-toggle")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("() => localStorage.getItem('motcua.board.sound')") == "on"


# ------------------------------------------------------------ readable from 10 m, and nothing overflows

MM_PER_PX_55_INCH_1080P = 685 / 1080      # a 55" 16:9 panel is 68.5 cm tall
DIGITS = """sel => {
    const el = document.querySelector(sel), cs = getComputedStyle(el);
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    const m = ctx.measureText('0123456789');
    return [parseFloat(cs.fontSize), m.actualBoundingBoxAscent + m.actualBoundingBoxDescent];
}"""
FITS = """() => {
    for (const a of document.getAnimations()) { try { a.finish(); } catch (e) { /* an endless glow */ } }
    const box = e => e.getBoundingClientRect(), problems = [];
    const width = e => { const r = document.createRange(); r.selectNodeContents(e); return r.getBoundingClientRect().width; };
    const root = document.documentElement;
    if (root.scrollWidth > innerWidth || root.scrollHeight > innerHeight) problems.push('page scrolls');
    const area = box(document.getElementById('counters')), foot = box(document.querySelector('.foot'));
    if (area.bottom > foot.top + 1) problems.push('counters under the footer');
    for (const card of document.querySelectorAll('.counter')) {
        const b = box(card), number = card.querySelector('.counter-number'), cs = getComputedStyle(number);
        if (b.left < area.left - 1 || b.right > area.right + 1 || b.top < area.top - 1 || b.bottom > area.bottom + 1)
            problems.push('card outside: ' + card.dataset.counter);
        if (width(number) > number.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) + 1)
            problems.push('number cut: ' + card.dataset.counter);
        if (number.getBoundingClientRect().height < parseFloat(cs.fontSize)) problems.push('number clipped: ' + card.dataset.counter);
    }
    const hero = document.getElementById('hero-number'), to = document.querySelector('.hero-to');
    if (document.body.dataset.layout === 'landscape' && box(hero).left + width(hero) > box(to).left)
        problems.push('hero number under the counter badge');
    if (box(document.getElementById('hero')).bottom < box(hero).bottom) problems.push('hero number clipped');
    const waiting = document.getElementById('waiting');
    if (waiting.scrollHeight > waiting.clientHeight + 1) problems.push('waiting list cut');
    const recent = box(document.getElementById('recent'));
    for (const li of document.querySelectorAll('#recent .recent-item:not([hidden])'))
        if (box(li).bottom > recent.bottom + 1) problems.push('recent call cut');
    return problems;
}"""


def digits(page: Page, selector: str) -> tuple[float, float]:
    font, height = page.evaluate(DIGITS, selector)
    return font, height


def test_counter_numbers_are_readable_from_ten_metres(motcua_up: str, page: Page) -> None:
    base = motcua_up
    page.set_viewport_size(WALL_TV)
    free(base, "2", "3")
    open_board(page, base, "sound=off")
    first, second = issue(base, "CT"), issue(base)
    call(base, "2", first)
    call(base, "3", second)
    expect(card_number(page, "3")).to_have_text(second["number"])
    time.sleep(0.6)
    font, height = digits(page, "#counters [data-counter='3'] .counter-number")
    hero_font, hero_height = digits(page, "#hero-number")
    print(f"1920x1080, 5 counters: counter digits {height:.0f} px (font {font:.0f} px) ≈ "
          f"{height * MM_PER_PX_55_INCH_1080P:.0f} mm on 55\"; hero {hero_height:.0f} px (font {hero_font:.0f} px)")
    assert height >= 90 and font >= 125, (font, height)                  # ≈ 60 mm tall digits on a 55" TV
    assert hero_height > height * 1.1
    assert page.evaluate(FITS) == []
    screenshot(page, "display-1080p")
    page.locator(".lang-switch [data-lang=en]").click()
    expect(page.locator("#counters [data-counter='3'] .counter-name")).to_have_text("Counter 3")
    assert page.evaluate(FITS) == []
    page.locator(".lang-switch [data-lang=vi]").click()


@pytest.mark.parametrize("count", [8, 10])
def test_eight_or_ten_counters_still_fit_a_1080p_screen(motcua_up: str, browser: Any, count: int) -> None:
    base, office = motcua_up, f"e2e-wall{count}"
    services = [("HT", "Hộ tịch", "Civil status"), ("CT", "Chứng thực", "Certification"), ("DD", "Đất đai", "Land"),
                ("XD", "Xây dựng", "Construction"), ("KD", "Đăng ký kinh doanh", "Business registration"),
                ("LD", "Lao động – Thương binh và Xã hội", "Labour, invalids and social affairs")]
    office_with(base, office, [{"code": c, "name": n, "name_en": e} for c, n, e in services],
                [{"id": str(i), "services": [services[(i - 1) % len(services)][0]]} for i in range(1, count + 1)])
    for i in range(1, count + 1):
        if i % 4:                                  # most counters busy, a few free
            code = services[(i - 1) % len(services)][0]
            call(base, str(i), issue(base, code, office=office), office=office)
    context = browser.new_context(viewport=WALL_TV, locale="vi-VN")
    board = context.new_page()
    board.goto(f"{base}/display/{office}?sound=off#device={enrol(base, office, 'display')}")
    board.wait_for_function("() => window.motcuaDisplay && window.motcuaDisplay.connected")
    expect(board.locator("#counters .counter")).to_have_count(count)
    assert board.locator("#counters .counter-name").all_inner_texts() == [f"Quầy {i}" for i in range(1, count + 1)]
    time.sleep(0.6)
    assert board.evaluate(FITS) == []
    font, height = digits(board, "#counters [data-counter='1'] .counter-number")
    grid = board.evaluate("() => window.MotcuaFit.last")
    print(f"1920x1080, {count} counters: {grid['cols']}×{grid['rows']}, digits {height:.0f} px (font {font:.0f} px) ≈ "
          f"{height * MM_PER_PX_55_INCH_1080P:.0f} mm on 55\"")
    assert height >= 80, (font, height)
    screenshot(board, f"display-{count}-counters")
    context.close()


def test_an_older_event_never_undoes_a_newer_one(motcua_up: str, page: Page) -> None:
    base = motcua_up
    free(base, "3")
    open_board(page, base, "sound=off")
    mine = issue(base)
    called = call(base, "3", mine)
    expect(card_number(page, "3")).to_have_text(mine["number"])
    api(base, "POST", f"/api/tickets/{mine['id']}/complete", {})
    expect(card_number(page, "3")).to_have_text("—")
    # The same call delivered late (another relay, a resubscription): older than what the board shows.
    page.evaluate("""t => window.motcuaDisplay.stream.h.onEvent('ticket.called',
                       {event_id: 'late-' + t.version, ticket: t, counter: t.counter})""",
                  {k: called[k] for k in ("number", "service", "status", "counter", "called_at", "version")})
    time.sleep(0.5)
    expect(card_number(page, "3")).to_have_text("—")
    assert mine["number"] not in [e["ticket"] for e in log(page) if e["type"] == "ticket.called"][1:]
