"""The phone page a ticket's QR code opens (390×844): "now serving" at each counter, live, and leaving the queue
with a confirmation. Demo counters: 1 = HT, TP · 2 = CT · 3 = CT, HT · 4 = DD · 5 = LD, TP."""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.helpers import api, call, cancel, free, issue, ticket

pytestmark = pytest.mark.e2e

STREAM = 3000     # ms: places and "now serving" reach phones within about a second


@pytest.fixture
def phone(browser: Any) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", has_touch=True,
                                  is_mobile=True, device_scale_factor=2)
    yield context.new_page()
    context.close()


def row(page: Page, counter: str):  # type: ignore[no-untyped-def]
    return page.locator(f"#serving [data-counter='{counter}']")


def test_now_serving_follows_the_calls(motcua_up: str, phone: Page) -> None:
    base = motcua_up
    free(base, "2", "4")
    mine, other = issue(base, "DD"), issue(base, "CT")
    phone.goto(f"{base}/t/{mine['id']}")
    expect(phone.locator("#serving-card")).to_be_visible()
    expect(phone.locator("#serving-card .label")).to_have_text("Đang phục vụ")
    expect(phone.locator("#serving .s-counter")).to_have_text([f"Quầy {i}" for i in range(1, 6)])
    expect(row(phone, "2").locator(".s-number")).to_have_text("—")

    call(base, "2", other)                        # someone else is called: the phone shows it at counter 2
    expect(row(phone, "2").locator(".s-number")).to_have_text(other["number"], timeout=STREAM)
    expect(row(phone, "2")).not_to_have_class(re.compile("mine"))
    screenshot(phone, "phone-now-serving")

    call(base, "4", mine)                         # then this ticket, at counter 4: marked as "you"
    expect(phone.locator("#status")).to_have_text(re.compile("Đã gọi – mời đến quầy 4"), timeout=STREAM)
    expect(row(phone, "4").locator(".s-number")).to_have_text(mine["number"], timeout=STREAM)
    expect(row(phone, "4")).to_have_class(re.compile("mine"))
    expect(row(phone, "4").locator(".s-you")).to_have_text("Bạn")
    phone.locator("[data-lang=en]").click()
    expect(phone.locator("#serving-card .label")).to_have_text("Now serving")
    expect(row(phone, "4").locator(".s-counter")).to_have_text("Counter 4")
    expect(row(phone, "4").locator(".s-you")).to_have_text("You")
    expect(phone.locator("#leave-card")).to_be_hidden()            # called: no leaving from the phone any more
    phone.locator("[data-lang=vi]").click()

    api(base, "POST", f"/api/tickets/{other['id']}/complete", {})
    expect(row(phone, "2").locator(".s-number")).to_have_text("—", timeout=STREAM)
    api(base, "POST", f"/api/tickets/{mine['id']}/complete", {})
    expect(phone.locator("#status")).to_have_text("Đã xong", timeout=STREAM)
    expect(phone.locator("#serving-card")).to_be_hidden()


def test_leaving_the_queue_asks_first(motcua_up: str, phone: Page) -> None:
    base = motcua_up
    mine = issue(base, "LD")
    phone.goto(f"{base}/t/{mine['id']}")
    expect(phone.locator("#status")).to_have_text("Đang chờ")
    leave = phone.locator("#leave")
    expect(leave).to_be_visible()
    expect(leave).to_have_text("Rời hàng chờ")
    expect(phone.locator("#leave-confirm")).to_be_hidden()

    leave.click()                                  # first a question, nothing cancelled yet
    expect(phone.locator("#leave-confirm")).to_be_visible()
    expect(phone.locator("#leave-question")).to_contain_text(f"Số {mine['number']} sẽ bị hủy")
    expect(leave).to_be_hidden()
    phone.locator("#leave-confirm").scroll_into_view_if_needed()
    screenshot(phone, "phone-leave-confirm")
    phone.locator("#leave-no").click()             # "No, keep my place"
    expect(phone.locator("#leave-confirm")).to_be_hidden()
    expect(leave).to_be_visible()
    assert ticket(base, mine["id"])["status"] == "waiting"

    phone.locator("[data-lang=en]").click()
    leave.click()
    expect(phone.locator("#leave-yes")).to_have_text("Yes, leave the queue")
    phone.locator("#leave-yes").click()
    expect(phone.locator("#status")).to_have_text("Cancelled", timeout=STREAM)
    assert ticket(base, mine["id"])["status"] == "cancelled"
    expect(phone.locator("#leave-card")).to_be_hidden()
    expect(phone.locator("#serving-card")).to_be_hidden()
    phone.locator("[data-lang=vi]").click()
    expect(phone.locator("#status")).to_have_text("Đã hủy")
    screenshot(phone, "phone-left-the-queue")

    # A missed ticket may leave too; a refusal from the server is said, not swallowed.
    free(base, "5")
    missed = issue(base, "LD")
    call(base, "5", missed)
    api(base, "POST", f"/api/tickets/{missed['id']}/skip", {})
    assert ticket(base, missed["id"])["status"] == "no_show"
    phone.goto(f"{base}/t/{missed['id']}")
    expect(phone.locator("#status")).to_have_text("Vắng mặt")
    phone.route(f"**/api/tickets/{missed['id']}/cancel", lambda route: route.fulfill(
        status=409, content_type="application/json",
        body='{"error": {"code": "conflict", "message": "Phiếu đã được gọi lại", "message_en": "Called again"}}'))
    phone.locator("#leave").click()
    phone.locator("#leave-yes").click()
    expect(phone.locator("#leave-error")).to_have_text("Phiếu đã được gọi lại")
    phone.unroute(f"**/api/tickets/{missed['id']}/cancel")
    phone.locator("#leave").click()
    phone.locator("#leave-yes").click()
    expect(phone.locator("#status")).to_have_text("Đã hủy", timeout=STREAM)
    assert ticket(base, missed["id"])["status"] == "cancelled"
    cancel(base, mine["id"], missed["id"])
