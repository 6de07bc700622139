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
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

PERSONAL = re.compile(r"\b\d{9}(\d{3})?\b|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-")   # CMND/CCCD numbers, ticket ids


# ------------------------------------------------------------ helpers (HTTP straight to the API)

def api(base: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read() or b"null")


def issue(base: str, service: str = "HT") -> dict[str, Any]:
    ticket = api(base, "POST", "/api/offices/demo/tickets", {"service": service})
    assert ticket["status"] == "waiting", ticket
    return ticket


def free(base: str, *counters: str) -> None:
    for counter in counters:
        api(base, "POST", f"/api/offices/demo/counters/{counter}/resume", {})
        current = next(c for c in api(base, "GET", "/api/offices/demo/queue")["counters"] if c["id"] == counter)["current"]
        if current:
            api(base, "POST", f"/api/tickets/{current['id']}/complete", {})


def call(base: str, counter: str, ticket: dict[str, Any]) -> dict[str, Any]:
    called = api(base, "POST", f"/api/offices/demo/counters/{counter}/call", {"ticket_id": ticket["id"]})["ticket"]
    assert called["number"] == ticket["number"] and called["counter"] == counter, called
    return called


def open_board(page: Page, base: str, query: str = "sound=on") -> None:
    page.goto(f"{base}/display/demo?{query}")
    page.wait_for_function("() => window.motcuaDisplay && window.motcuaDisplay.connected")


def card_number(page: Page, counter: str):  # type: ignore[no-untyped-def]
    return page.locator(f"#counters [data-counter='{counter}'] .counter-number")


def log(page: Page) -> list[dict[str, Any]]:
    return page.evaluate("() => JSON.parse(JSON.stringify(window.motcuaDisplay.log))")


def entries(page: Page, *ticket_ids: str) -> list[dict[str, Any]]:
    return [e for e in log(page) if e["ticket_id"] in ticket_ids]


def wait_entries(page: Page, ticket_ids: list[str], count: int, timeout_s: float = 40,
                 finished: bool = True, with_text: bool = False) -> list[dict[str, Any]]:
    """The board's announcements of these tickets, once there are `count` (finished, or with their text)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = entries(page, *ticket_ids)
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
    [entry] = wait_entries(page, [ticket["id"]], 1, finished=False, with_text=True)
    assert entry["text"] == expected and entry["type"] == "ticket.called"
    assert entry["display"] == f"Mời công dân có số {ticket['number']} đến quầy số 3"

    # Waiting counts per service follow the office's queue.
    queue = api(base, "GET", "/api/offices/demo/queue")
    for service in queue["services"]:
        expect(page.locator(f"#waiting [data-service='{service['code']}'] .w-count")).to_have_text(str(service["waiting"]))
    expect(page.locator("#conn")).to_be_hidden()
    time.sleep(0.5)                               # let the call's pop-in animation finish
    screenshot(page, "display-landscape")
    [entry] = wait_entries(page, [ticket["id"]], 1)
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

    done = wait_entries(page, [first["id"], second["id"]], 3)
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
    done = wait_entries(page, [hung["id"], broken["id"]], 2, timeout_s=30)
    assert [e["ticket"] for e in done] == [hung["number"], broken["number"]]
    assert [e["state"] for e in done] == ["error", "error"], done
    assert done[1]["started_at"] >= done[0]["ended_at"]
    assert done[0]["ended_at"] - done[0]["started_at"] < 12_000   # given up on, not waited for forever


def test_network_cut_resyncs_to_the_latest_numbers(motcua_up: str, page: Page) -> None:
    base = motcua_up
    free(base, "1")
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
    [entry] = wait_entries(page, [missed["id"]], 1, finished=False)       # a call missed during the cut is
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
    page.goto(f"{base}/display/demo?layout=portrait&sound=off")
    assert page.evaluate("() => document.body.dataset.layout") == "portrait"     # forced by the query

    # Only numbers, services and counters: no ids, no identity numbers, no priority category of anyone.
    office = api(base, "GET", "/api/offices/demo")
    text = page.locator("body").inner_text()
    assert not PERSONAL.search(text), text
    for category in office["priority_categories"]:
        assert category["name"] not in text
    assert page.locator("input, form").count() == 0


def test_sound_prompt_when_the_browser_blocks_autoplay(motcua_up: str, page: Page) -> None:
    # Pretend the browser blocks autoplay (the session's Chromium allows it).
    page.add_init_script("""
        window.AudioContext = function () { return { state: 'suspended', close: function () {} }; };
        if (navigator.getAutoplayPolicy) navigator.getAutoplayPolicy = function () { return 'disallowed'; };
    """)
    page.goto(f"{motcua_up}/display/demo")
    prompt = page.locator("#sound-prompt")
    expect(prompt).to_be_visible()
    expect(prompt).to_contain_text("Bấm để bật âm thanh")
    expect(prompt).to_contain_text("Click to enable sound")
    expect(page.locator("#counters .counter")).to_have_count(5)          # the board is live behind it
    assert page.evaluate("() => window.motcuaDisplay.announcer.enabled") is False
    page.locator("#hero").click()
    expect(prompt).to_be_hidden()
    assert page.evaluate("() => window.motcuaDisplay.announcer.enabled") is True
    expect(page.locator("#sound-toggle")).to_have_attribute("aria-pressed", "true")
