"""The satisfaction tablet of counter 1 (1280×800) in Chromium against a real `motcua up --demo`: it asks by itself
when the clerk completes a ticket, thanks and returns to idle, and a vote made while the network is cut is kept on
the tablet and sent when the network returns."""
from __future__ import annotations

import time
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import device_url, screenshot
from tests.e2e.helpers import api, call, free, issue

pytestmark = pytest.mark.e2e

TABLET = {"width": 1280, "height": 800}
QUICK = 5000


@pytest.fixture
def tablet(motcua_up: str, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=TABLET, locale="vi-VN", has_touch=True)
    page = context.new_page()
    page.goto(device_url(motcua_up, "/counter/demo/1/rate", "tablet"))
    yield page
    context.close()


def served_at_counter_1(base: str) -> dict:
    free(base, "1")
    ticket = call(base, "1", issue(base, "HT"))
    done = api(base, "POST", f"/api/tickets/{ticket['id']}/complete", {})
    assert done["ticket"]["status"] == "done", done
    return ticket


def votes(base: str) -> int:
    return api(base, "GET", "/api/offices/demo/stats")["satisfaction"]["votes"]


def until_votes(base: str, expected: int) -> None:
    deadline = time.monotonic() + 20
    while votes(base) != expected:
        assert time.monotonic() < deadline, f"{votes(base)} votes, expected {expected}"
        time.sleep(0.3)


def test_the_tablet_asks_by_itself_and_keeps_a_vote_made_offline(motcua_up: str, tablet: Page) -> None:
    base, page = motcua_up, tablet
    before = votes(base)
    page.wait_for_selector("#screen-idle:not([hidden]), #screen-ask:not([hidden])")
    if page.locator("#screen-ask").is_visible():      # a ticket completed here by an earlier test, not yet rated
        page.locator("#ask-faces button[data-level='5']").click()
        deadline = time.monotonic() + 10
        while votes(base) == before and time.monotonic() < deadline:
            time.sleep(0.3)
        before = votes(base)
    expect(page.locator("#screen-idle")).to_be_visible(timeout=10_000)
    screenshot(page, "rate-idle-1280x800")

    ticket = served_at_counter_1(base)                            # the clerk completes: the tablet asks
    expect(page.locator("#screen-ask")).to_be_visible(timeout=QUICK)
    expect(page.locator("#ask-number")).to_have_text(ticket["number"])
    faces = page.locator("#ask-faces button")
    expect(faces).to_have_count(5)
    expect(page.locator("#ask-faces")).to_contain_text("Rất hài lòng")
    screenshot(page, "rate-ask-1280x800")
    page.locator("#ask-faces button[data-level='5']").dblclick()     # a double tap votes once
    expect(page.locator("#screen-thanks")).to_be_visible()
    until_votes(base, before + 1)
    expect(page.locator("#screen-idle")).to_be_visible(timeout=10_000)     # back to idle by itself

    second = served_at_counter_1(base)
    expect(page.locator("#ask-number")).to_have_text(second["number"], timeout=QUICK)
    page.context.set_offline(True)                                # the Wi-Fi drops as the citizen votes
    page.locator("#ask-faces button[data-level='2']").click()
    expect(page.locator("#screen-why")).to_be_visible()
    page.locator("#why-reasons button").first.click()
    screenshot(page, "rate-why-1280x800")
    page.locator("#why-send").click()
    expect(page.locator("#screen-thanks")).to_be_visible()
    expect(page.locator("#thanks-kept")).to_be_visible()
    expect(page.locator("#pending")).to_be_visible()
    screenshot(page, "rate-kept-offline-1280x800")
    assert votes(base) == before + 1                              # not sent yet
    page.context.set_offline(False)
    expect(page.locator("#pending")).to_be_hidden(timeout=15_000)
    until_votes(base, before + 2)
    stats = api(base, "GET", "/api/offices/demo/stats")
    assert sum(stats["reasons"].values()) >= 1                   # the reason chosen offline came with it
