"""Fees at the counter in Chromium against a real `motcua up --demo`: the clerk's fee dialog (1366×768) and the
citizen-facing pay screen opened through the counter's tablet link (1280×800 and 1920×1080). A SePay notice,
signed with the server's key, turns both to "Đã thanh toán" by themselves. Demo counter 1 serves HT and TP; the
demo's procedure TP-LL suggests 200.000 đ."""
from __future__ import annotations

import json
import re
import time
import urllib.request
from datetime import datetime
from typing import Any, Iterator
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import SEPAY_KEY, device_url, screenshot, sign_in
from tests.e2e.helpers import api, call, free, issue

pytestmark = pytest.mark.e2e

CLERK = {"width": 1366, "height": 768}
TABLET = {"width": 1280, "height": 800}
WALL = {"width": 1920, "height": 1080}
QUICK = 3000          # ms: an event reaches the screens within a couple of seconds
_notices = iter(range(700_000_000, 800_000_000))


def sepay(base: str, content: str, amount: int) -> tuple[int, Any]:
    """The bank's gateway reporting a transfer, as SePay sends it, with the server's key."""
    now = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%Y-%m-%d %H:%M:%S")
    notice = {"id": next(_notices), "gateway": "Vietcombank", "transactionDate": now,
              "accountNumber": "0011000123456", "code": None, "content": content, "transferType": "in",
              "transferAmount": amount, "accumulated": 0, "subAccount": None, "referenceCode": "FT1",
              "description": content}
    request = urllib.request.Request(f"{base}/api/payments/sepay", data=json.dumps(notice).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Apikey {SEPAY_KEY}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def fees_of(base: str, number: str) -> list[dict[str, Any]]:
    return [f for f in api(base, "GET", "/api/offices/demo/payments")["fees"] if f["ticket_number"] == number]


@pytest.fixture
def clerk_page(motcua_up: str, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=CLERK, locale="vi-VN")
    sign_in(context, motcua_up, "canbo1")
    page = context.new_page()
    page.add_init_script("window.print = function () { window.__printed = (window.__printed || 0) + 1; };")
    yield page
    context.close()


@pytest.fixture
def pay_page(motcua_up: str, browser: Browser) -> Iterator[Page]:
    """Counter 1's tablet, opened once through its enrolment link (the token then stays in the browser)."""
    context = browser.new_context(viewport=TABLET, locale="vi-VN", has_touch=True)
    page = context.new_page()
    page.goto(device_url(motcua_up, "/counter/demo/1/pay", "tablet"))
    yield page
    context.close()


def citizen_at_counter_1(base: str, service: str, procedure: str) -> dict[str, Any]:
    free(base, "1")
    return call(base, "1", issue(base, service, procedure=procedure))


def qr_side(page: Page) -> float:
    box = page.locator("#due-qr").bounding_box()
    assert box is not None and abs(box["width"] - box["height"]) < 2
    assert page.evaluate("document.getElementById('due-qr').naturalWidth") > 0      # the SVG loaded
    return box["width"]


def test_a_fee_shows_on_the_citizens_screen_and_both_screens_turn_paid_by_themselves(
        motcua_up: str, clerk_page: Page, pay_page: Page) -> None:
    base, page, pay = motcua_up, clerk_page, pay_page
    ticket = citizen_at_counter_1(base, "TP", "TP-LL")
    expect(pay.locator("#screen-idle")).to_be_visible()
    expect(pay.locator("#idle-desk")).to_have_text("Quầy 1")
    expect(pay.locator("#idle-number")).to_have_text(ticket["number"])
    expect(pay.locator("#offline")).to_be_hidden()
    screenshot(pay, "pay-idle-1280x800")

    page.goto(f"{base}/counter/demo/1")
    expect(page.locator("#cur-number")).to_have_text(ticket["number"])
    expect(page.locator("#fee-open")).to_contain_text("Thu phí")
    page.keyboard.press("6")                                      # the keypad opens the dialog
    dialog = page.locator("#dlg-fee")
    expect(dialog).to_be_visible()
    expect(page.locator("#fee-number")).to_have_text(ticket["number"])
    expect(page.locator("#fee-amount")).to_have_value("200.000")                  # the procedure's usual fee
    expect(page.locator("#fee-desc")).to_have_value("Lệ phí cấp phiếu lý lịch tư pháp")
    expect(page.locator("#fee-limits")).to_have_text("Từ 1.000 đ đến 100.000.000 đ")

    amount, submit, error = page.locator("#fee-amount"), page.locator("#fee-submit"), page.locator("#fee-error")
    for typed, says in (("500", "Số tiền tối thiểu là 1.000 đ"), ("", "Nhập số tiền cần thu"),
                        ("12a", "Số tiền chỉ gồm chữ số (ví dụ 50.000)"),
                        ("200000000", "Số tiền tối đa là 100.000.000 đ")):
        amount.fill(typed)
        submit.click()
        expect(error).to_have_text(says)
    screenshot(page, "counter-fee-form-error-1366x768")
    assert fees_of(base, ticket["number"]) == []                  # nothing was asked of the server
    amount.fill("")
    amount.press_sequentially("50000")
    expect(amount).to_have_value("50.000")                       # grouped as it is typed
    expect(error).to_be_hidden()
    screenshot(page, "counter-fee-form-1366x768")
    submit.dblclick()                                             # a double tap asks once
    expect(page.locator("#fee-view")).to_be_visible()
    expect(page.locator("#fee-state")).to_have_text("Chờ thanh toán")
    expect(page.locator("#fee-big")).to_have_text("50.000 đ")
    expect(page.locator("#fee-when")).to_have_text(re.compile(r"^(29|30):\d\d$"))
    [fee] = fees_of(base, ticket["number"])
    assert (fee["amount"], fee["status"], fee["description"]) == (50_000, "pending", "Lệ phí cấp phiếu lý lịch tư pháp")
    expect(page.locator("#fee-ref")).to_have_text(fee["reference"])
    expect(page.locator("#fee-qr")).to_have_attribute("src", fee["qr_svg"])
    screenshot(page, "counter-fee-pending-1366x768")

    # The citizen's screen shows it at once, large enough to scan from 40 cm, and again after a reload.
    expect(pay.locator("#screen-due")).to_be_visible(timeout=QUICK)
    expect(pay.locator("#due-amount")).to_have_text("50.000 đ")
    expect(pay.locator("#due-what")).to_have_text("Lệ phí cấp phiếu lý lịch tư pháp")
    expect(pay.locator("#due-holder")).to_have_text("UBND XA DEMO - THU PHI")
    expect(pay.locator("#due-bank")).to_have_text("Vietcombank")
    expect(pay.locator("#due-account")).to_have_text("0011000123456")
    expect(pay.locator("#due-ref")).to_have_text(fee["reference"])
    expect(pay.locator("#due-left")).to_have_text(re.compile(r"^(29|30):\d\d$"))
    assert qr_side(pay) >= 440
    pay.reload()
    expect(pay.locator("#screen-due")).to_be_visible()
    assert qr_side(pay) >= 440
    pay.context.set_offline(True)                                 # a network cut: said, the code stays
    expect(pay.locator("#offline")).to_be_visible()
    expect(pay.locator("#screen-due")).to_be_visible()
    pay.context.set_offline(False)
    expect(pay.locator("#offline")).to_be_hidden(timeout=15000)
    screenshot(pay, "pay-due-1280x800")
    pay.set_viewport_size(WALL)
    assert qr_side(pay) >= 600
    screenshot(pay, "pay-due-1920x1080")

    assert sepay(base, f"MBVCB.1234.{fee['reference']}.CT tu 0123 NGUYEN VAN A", 50_000) == (200, {"success": True})
    expect(pay.locator("#screen-paid")).to_be_visible(timeout=QUICK)
    expect(pay.locator(".paid-title")).to_contain_text("Đã thanh toán")
    expect(pay.locator("#paid-amount")).to_have_text("50.000 đ")
    expect(pay.locator("#paid-receipt")).to_have_text(re.compile(r"^\d{7}/\d{4}$"))
    expect(pay.locator("#paid-qr")).to_have_attribute("src", re.compile(r"^/receipts/[0-9a-f-]{36}/qr\.svg$"))
    # The receipt to keep: its QR loads. (Polled from here: Playwright's wait_for_function may evaluate a string
    # with eval, which the page's Content-Security-Policy refuses.)
    deadline = time.monotonic() + QUICK / 1000
    while pay.evaluate("document.getElementById('paid-qr').naturalWidth") == 0:
        assert time.monotonic() < deadline, "the receipt's QR did not load"
        time.sleep(0.1)
    screenshot(pay, "pay-paid-1920x1080")
    pay.set_viewport_size(TABLET)
    screenshot(pay, "pay-paid-1280x800")

    expect(page.locator("#fee-state")).to_have_text("Đã thanh toán", timeout=QUICK)
    expect(page.locator("#toast")).to_contain_text(f"Đã nhận thanh toán 50.000 đ · {fee['reference']}")
    receipt = api(base, "GET", f"/api/fees/{fee['id']}")["receipt"]
    expect(page.locator("#fee-receipt-no")).to_have_text(receipt["label"])
    expect(page.locator("#fee-receipt-html")).to_have_attribute("href", receipt["html"])
    expect(page.locator("#fee-receipt-pdf")).to_have_attribute("href", receipt["pdf"])
    expect(page.locator("#fee-print")).to_be_hidden()
    expect(page.locator("#fee-cancel")).to_be_hidden()
    screenshot(page, "counter-fee-paid-1366x768")
    with page.context.expect_page() as opened:
        page.locator("#fee-receipt-print").click()
    printed = opened.value
    expect(printed.locator("h1")).to_contain_text("BIÊN LAI THU PHÍ, LỆ PHÍ")
    assert printed.url.endswith(f"{receipt['html']}?print=1")

    page.keyboard.press("Escape")
    expect(page.locator("#fee-chip")).to_have_text("Đã thanh toán · 50.000 đ")
    expect(page.locator("#fee-open")).to_contain_text("Thu phí")
    screenshot(page, "counter-fee-chip-paid-1366x768")
    api(base, "POST", f"/api/tickets/{ticket['id']}/complete", {})
    expect(pay.locator("#screen-idle")).to_be_visible(timeout=QUICK)        # the citizen left: calm again


def test_a_cancelled_fee_and_a_late_transfer_are_plain_to_see(motcua_up: str, clerk_page: Page,
                                                              pay_page: Page) -> None:
    base, page, pay = motcua_up, clerk_page, pay_page
    first = citizen_at_counter_1(base, "HT", "HT-KS")                    # no usual fee: the clerk types it
    page.goto(f"{base}/counter/demo/1")
    page.locator("#fee-open").click()
    expect(page.locator("#fee-amount")).to_have_value("")
    expect(page.locator("#fee-desc")).to_have_value("Lệ phí đăng ký khai sinh")
    page.locator("#fee-amount").fill("8000")
    ticket = citizen_at_counter_1(base, "HT", "HT-KS")        # meanwhile another tab moved on to the next citizen
    expect(page.locator("#cur-number")).to_have_text(ticket["number"])
    page.keyboard.press("Enter")
    expect(page.locator("#fee-error")).to_have_text("Công dân đang được phục vụ đã thay đổi – hãy mở lại hộp thu phí")
    assert fees_of(base, first["number"]) == [] and fees_of(base, ticket["number"]) == []
    page.keyboard.press("Escape")
    page.locator("#fee-open").click()
    expect(page.locator("#fee-number")).to_have_text(ticket["number"])
    page.locator("#fee-amount").fill("8000")
    page.locator("#fee-desc").fill("Lệ phí trích lục bản sao")
    page.keyboard.press("Enter")
    expect(page.locator("#fee-state")).to_have_text("Chờ thanh toán")
    expect(pay.locator("#screen-due")).to_be_visible(timeout=QUICK)
    [fee] = fees_of(base, ticket["number"])
    page.keyboard.press("Escape")
    expect(page.locator("#fee-open")).to_contain_text("Phí đang chờ")
    expect(page.locator("#fee-chip")).to_have_text(re.compile(r"^Chờ thanh toán · 8\.000 đ · (29|30):\d\d$"))
    screenshot(page, "counter-fee-chip-pending-1366x768")
    page.keyboard.press("6")                                        # the waiting fee, not a new form
    expect(page.locator("#fee-state")).to_have_text("Chờ thanh toán")

    # The browser prints the slip when the server has no printer: 80 mm, black on white, the code and the facts.
    page.locator("#fee-print").click()
    page.wait_for_function("window.__printed === 1")
    page.emulate_media(media="print")
    slip = page.locator("#fee-slip")
    expect(slip).to_be_visible()
    width_mm = slip.bounding_box()["width"] * 25.4 / 96
    assert 70 <= width_mm <= 74, width_mm
    expect(page.locator("#fs-amount")).to_have_text("8.000 đ")
    expect(page.locator("#fs-ref")).to_have_text(fee["reference"])
    expect(page.locator("#fs-bank")).to_have_text("Vietcombank")
    assert page.evaluate("document.getElementById('fs-qr').naturalWidth") > 0
    screenshot(page, "counter-fee-slip-print")
    page.emulate_media(media="screen")

    cancel = page.locator("#fee-cancel")
    cancel.click()
    expect(cancel).to_have_text("Bấm lần nữa để huỷ")            # one tap asks, the second cancels
    assert api(base, "GET", f"/api/fees/{fee['id']}")["status"] == "pending"
    cancel.click()
    expect(page.locator("#fee-state")).to_have_text("Đã huỷ")
    expect(pay.locator("#screen-idle")).to_be_visible(timeout=QUICK)
    expect(pay.locator("#idle-notice")).to_contain_text("Khoản phí đã được huỷ")
    expect(pay.locator("#idle-notice .en")).to_have_text("The fee was cancelled. Please ask the clerk.")
    screenshot(pay, "pay-cancelled-1280x800")

    sepay(base, f"{fee['reference']} chuyen khoan", 8_000)         # the citizen paid anyway, after the cancel
    expect(page.locator("#fee-alert")).to_contain_text("cần xử lý", timeout=QUICK)
    expect(page.locator("#toast")).to_contain_text("Giao dịch cần xử lý")
    screenshot(page, "counter-fee-late-transfer-1366x768")
    page.keyboard.press("Escape")
    expect(page.locator("#fee-chip")).to_contain_text("Cần xử lý")
    page.locator("[data-lang=en]").click()
    page.keyboard.press("6")                                        # what waits for a person opens again
    expect(page.locator("#fee-state")).to_have_text("Cancelled")
    expect(page.locator("#fee-alert")).to_contain_text("to settle in the reconciliation")
    page.keyboard.press("Escape")
    page.locator("[data-lang=vi]").click()

    page.reload()                                                   # the stream brings it all back
    expect(page.locator("#fee-chip")).to_have_text("Đã huỷ · 8.000 đ · Cần xử lý")
    api(base, "POST", f"/api/tickets/{ticket['id']}/complete", {})


def test_while_its_stream_is_stale_the_dialog_asks_for_its_fee_now_and_then(motcua_up: str,
                                                                             clerk_page: Page) -> None:
    """The fallback, not the way: a stream that only says `stale` (as the server does while it has lost the
    system) and never brings fee.paid; the dialog still turns to paid within POLL_MS by asking for its fee."""
    base, page = motcua_up, clerk_page
    ticket = citizen_at_counter_1(base, "TP", "TP-LL")
    fee = api(base, "POST", f"/api/tickets/{ticket['id']}/fees", {"amount": 20_000, "description": "Lệ phí"})
    queue = api(base, "GET", "/api/offices/demo/queue")                 # what the server's snapshot says
    fees = {"at": queue["at"], "ticket": ticket["id"], "fees": [fee], "available": True}
    body = (f"retry: 3000\n\nevent: snapshot\ndata: {json.dumps(queue)}\n\n"
            f"event: fees\ndata: {json.dumps(fees)}\n\nevent: stale\ndata: {{}}\n\n")
    page.route("**/counter/demo/events?counter=1",
               lambda route: route.fulfill(status=200, body=body, headers={"Content-Type": "text/event-stream"}))
    page.goto(f"{base}/counter/demo/1")
    expect(page.locator("#fee-chip")).to_contain_text("Chờ thanh toán · 20.000 đ")
    page.keyboard.press("6")
    expect(page.locator("#fee-state")).to_have_text("Chờ thanh toán")
    sepay(base, fee["reference"], 20_000)
    expect(page.locator("#fee-state")).to_have_text("Đã thanh toán", timeout=15000)
    api(base, "POST", f"/api/tickets/{ticket['id']}/complete", {})
