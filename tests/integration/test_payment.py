"""Fees paid by VietQR, end to end over HTTP with real roles, NATS and PostgreSQL: a clerk asks a fee, the bank's
gateway reports the transfer, the fee is paid and its receipt issued; forged, repeated, wrong, late and unmatched
notices; payOS; the events on the stream."""
from __future__ import annotations

import asyncio
import io
import logging

import aiohttp
import pypdf
import pytest

from services import messages as m
from services.domain.vietqr import decode_vietqr
from services.system import Running
from tests.conftest import FakeClock
from tests.integration.payment_support import (
    BANK, PAYOS_KEY, SEPAY_KEY, create_fee, exceptions, get, later, payos_notice, payos_sign, post_sepay,
    served_ticket, sepay_notice,
)

pytest_plugins = ["tests.integration.payment_fixtures"]   # its fixtures: paysystem, pay_office, clerk, admin, gateway


async def test_fee_paid_by_sepay_gets_a_receipt(paysystem: Running, pay_office: str, clerk: aiohttp.ClientSession,
                                                gateway: aiohttp.ClientSession) -> None:
    ticket = await served_ticket(paysystem, pay_office)
    fee = await create_fee(clerk, ticket["id"])
    assert {"id", "reference", "amount", "status", "qr", "qr_svg", "expires_at"} <= set(fee)
    assert (fee["status"], fee["amount"], fee["counter"], fee["bank"]) == ("pending", 50_000, "1", BANK)
    assert fee["reference"].startswith("MC") and len(fee["reference"]) == 8 and fee["reference"].isascii()
    assert "ticket_id" not in fee          # whoever holds a ticket's id may cancel it: not for the citizen page
    qr = decode_vietqr(fee["qr"])
    assert (qr.bin, qr.account, qr.amount, qr.dynamic) == ("970436", "0011004123456", 50_000, True)
    assert qr.purpose.startswith(fee["reference"]) and qr.purpose.isascii() and len(qr.purpose) <= 25
    async with gateway.get(fee["qr_svg"]) as r:                 # public: the citizen-facing page shows it
        assert r.status == 200 and r.content_type == "image/svg+xml"
        assert (await r.text()).lstrip().startswith("<?xml") or "<svg" in await r.text()
    assert (await get(gateway, f"/api/fees/{fee['id']}"))["status"] == "pending"

    notice = sepay_notice(f"MBVCB.3278907687.{fee['reference']}.CT tu 0123 NGUYEN VAN A", 50_000)
    assert await post_sepay(gateway, notice) == (200, {"success": True})
    paid = await get(gateway, f"/api/fees/{fee['id']}")
    assert paid["status"] == "paid" and paid["paid_at"] and paid["receipt"]["number"] == 1
    async with gateway.get(fee["qr_svg"]) as r:                 # a paid fee's code takes no more transfers
        assert r.status == 409 and (await r.json())["error"]["details"]["status"] == "paid"
    year = paid["receipt"]["year"]
    assert paid["receipt"]["label"] == f"0000001/{year}"

    receipt = await get(gateway, f"/api/receipts/{paid['receipt']['id']}")
    assert (receipt["amount"], receipt["description"], receipt["reference"]) == (
        50_000, "Lệ phí chứng thực bản sao", fee["reference"])
    assert receipt["amount_words"] == "Năm mươi nghìn đồng"
    async with gateway.get(paid["receipt"]["html"]) as r:
        page = await r.text()
        assert r.status == 200 and r.content_type == "text/html"
    assert "BIÊN LAI THU PHÍ, LỆ PHÍ" in page and "Lệ phí chứng thực bản sao" in page and "0000001/" in page
    assert "<script>" not in page and "style=" not in page        # the strict CSP holds
    async with gateway.get(paid["receipt"]["pdf"]) as r:
        assert r.status == 200 and r.content_type == "application/pdf"
        pdf = await r.read()
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("BIÊN LAI THU PHÍ, LỆ PHÍ", "Lệ phí chứng thực bản sao", "50.000 đ", "Năm mươi nghìn đồng",
                     f"0000001/{year}", fee["reference"], "UBND xã Đông Hòa"):
        assert expected in text, expected

    second = await create_fee(clerk, ticket["id"], 12_000, "Phí sao y")   # numbers go on, without gaps
    await post_sepay(gateway, sepay_notice(f"{second['reference']} chuyen tien", 12_000))
    assert (await get(gateway, f"/api/fees/{second['id']}"))["receipt"]["number"] == 2
    assert await exceptions(clerk, pay_office) == []


async def test_a_repeated_notice_changes_nothing(paysystem: Running, pay_office: str,
                                                  clerk: aiohttp.ClientSession, gateway: aiohttp.ClientSession) -> None:
    ticket = await served_ticket(paysystem, pay_office)
    fee = await create_fee(clerk, ticket["id"])
    notice = sepay_notice(f"{fee['reference']}", 50_000)
    for _ in range(3):                                             # SePay retries up to 7 times
        assert await post_sepay(gateway, notice) == (200, {"success": True})
    day = await get(clerk, f"/api/offices/{pay_office}/payments")
    assert len(day["payments"]) == 1 and day["totals"]["fees"]["paid"] == {"count": 1, "amount": 50_000}
    assert (await get(gateway, f"/api/fees/{fee['id']}"))["receipt"]["number"] == 1
    assert await exceptions(clerk, pay_office, "all") == []

    changed = {**notice, "transferAmount": 5_000_000}             # same id, another body: kept, not dropped
    assert await post_sepay(gateway, changed) == (200, {"success": True})
    [conflict] = await exceptions(clerk, pay_office)
    assert conflict["kind"] == "conflicting" and conflict["amount"] == 5_000_000
    assert (await get(gateway, f"/api/fees/{fee['id']}"))["receipt"]["number"] == 1


async def test_forged_notices_are_refused_and_change_nothing(
        paysystem: Running, pay_office: str, clerk: aiohttp.ClientSession, gateway: aiohttp.ClientSession,
        caplog: pytest.LogCaptureFixture) -> None:
    ticket = await served_ticket(paysystem, pay_office)
    fee = await create_fee(clerk, ticket["id"])
    notice = sepay_notice(fee["reference"], 50_000)
    caplog.set_level(logging.WARNING, "motcua.payment.notices")
    for authorization in (None, "Apikey wrong-key-of-the-right-length", f"Bearer {SEPAY_KEY}", SEPAY_KEY,
                          f"Apikey {SEPAY_KEY}x"):
        status, body = await post_sepay(gateway, notice, authorization)
        assert status == 401 and body["error"]["code"] == "unauthenticated", authorization
    forged = payos_notice(fee["reference"], 50_000, key="0" * 64)
    unsigned = {k: v for k, v in payos_notice(fee["reference"], 50_000).items() if k != "signature"}
    tampered = payos_notice(fee["reference"], 5_000)
    tampered["data"]["amount"] = 50_000
    for body in (forged, unsigned, tampered, "not json"):
        async with gateway.post("/api/payments/payos", json=body) as r:
            assert r.status == 401, await r.text()
    assert sum("refused" in r.getMessage() for r in caplog.records) == 9
    assert (await get(gateway, f"/api/fees/{fee['id']}"))["status"] == "pending"
    day = await get(clerk, f"/api/offices/{pay_office}/payments")
    assert day["payments"] == [] and day["exceptions"] == []


async def test_wrong_amounts_wait_as_exceptions_a_clerk_settles(
        paysystem: Running, pay_office: str, clerk: aiohttp.ClientSession, gateway: aiohttp.ClientSession) -> None:
    ticket = await served_ticket(paysystem, pay_office)
    fee = await create_fee(clerk, ticket["id"])
    await post_sepay(gateway, sepay_notice(fee["reference"], 40_000))
    await post_sepay(gateway, sepay_notice(fee["reference"], 60_000))
    assert (await get(gateway, f"/api/fees/{fee['id']}"))["status"] == "pending"
    under, over = await exceptions(clerk, pay_office)
    assert (under["kind"], under["amount"], under["fee_id"]) == ("underpaid", 40_000, fee["id"])
    assert (over["kind"], over["amount"], over["fee_id"]) == ("overpaid", 60_000, fee["id"])
    assert under["message"] == "Chuyển thiếu tiền so với phí" and under["content"] == fee["reference"]

    async with clerk.post(f"/api/payments/exceptions/{under['id']}/resolve",
                          json={"note": "Ghi cho phí", "fee": fee["id"]}) as r:
        assert r.status == 409                                     # less money than the fee: not a payment
    async with clerk.post(f"/api/payments/exceptions/{over['id']}/resolve",
                          json={"note": "Đã ghi cho phí, hoàn lại 10.000 đ tiền mặt", "fee": fee["id"]}) as r:
        assert r.status == 200, await r.text()
        settled = await r.json()
    assert settled["resolved_by"].startswith("user:") and settled["resolved_fee"] == fee["id"]
    paid = await get(gateway, f"/api/fees/{fee['id']}")
    assert paid["status"] == "paid" and paid["receipt"]["number"] == 1
    async with clerk.post(f"/api/payments/exceptions/{over['id']}/resolve", json={"note": "lần nữa"}) as r:
        assert r.status == 409
    async with clerk.post(f"/api/payments/exceptions/{under['id']}/resolve",
                          json={"note": "Đã hoàn trả 40.000 đ cho công dân"}) as r:
        assert r.status == 200
    assert await exceptions(clerk, pay_office) == []
    assert len(await exceptions(clerk, pay_office, "resolved")) == 2


async def test_late_payments_after_cancel_or_expiry_are_exceptions(
        paysystem: Running, pay_office: str, clerk: aiohttp.ClientSession, gateway: aiohttp.ClientSession,
        clock: FakeClock) -> None:
    ticket = await served_ticket(paysystem, pay_office)
    cancelled = await create_fee(clerk, ticket["id"])
    async with clerk.post(f"/api/fees/{cancelled['id']}/cancel", json={"reason": "Công dân trả tiền mặt"}) as r:
        assert r.status == 200 and (await r.json())["status"] == "cancelled"
    async with clerk.post(f"/api/fees/{cancelled['id']}/cancel") as r:
        assert r.status == 409
    await post_sepay(gateway, sepay_notice(cancelled["reference"], 50_000))

    expiring = await create_fee(clerk, ticket["id"], 30_000, "Lệ phí hộ tịch")
    await post_sepay(gateway, sepay_notice(expiring["reference"], 30_000, at=later(31)))   # paid after the deadline
    late = await exceptions(clerk, pay_office)
    assert [(e["kind"], e["fee_id"]) for e in late] == [("late", cancelled["id"]), ("late", expiring["id"])]

    in_time = await create_fee(clerk, (await served_ticket(paysystem, pay_office))["id"], 20_000, "Phí sao y")
    clock.fixed = later(45)                                        # the QR's deadline has passed
    assert (await get(gateway, f"/api/fees/{in_time['id']}"))["status"] == "expired"
    # ...but the transfer itself was made in time; the bank was slow to tell: it pays.
    await post_sepay(gateway, sepay_notice(in_time["reference"], 20_000, at=later(5)))
    assert (await get(gateway, f"/api/fees/{in_time['id']}"))["status"] == "paid"


async def test_unmatched_transfers_are_kept(paysystem: Running, pay_office: str, clerk: aiohttp.ClientSession,
                                            gateway: aiohttp.ClientSession, admin: aiohttp.ClientSession) -> None:
    ticket = await served_ticket(paysystem, pay_office)
    fee = await create_fee(clerk, ticket["id"])
    await post_sepay(gateway, sepay_notice("NGUYEN VAN A chuyen tien le phi", 50_000))
    await post_sepay(gateway, sepay_notice(f"{fee['reference']}", 50_000, account="9999999999"))   # another account
    await post_sepay(gateway, sepay_notice(f"{fee['reference']} hoan tien", 50_000, direction="out"))
    other = await create_fee(clerk, (await served_ticket(paysystem, pay_office))["id"], 50_000, "Lệ phí hộ tịch")
    await post_sepay(gateway, sepay_notice(f"{fee['reference']} {other['reference']}", 50_000))   # two fees named
    unmatched, both = await exceptions(clerk, pay_office)
    assert (unmatched["kind"], unmatched["fee_id"], unmatched["amount"]) == ("unmatched", None, 50_000)
    assert (both["kind"], both["fee_id"], both["office"]) == ("duplicate_reference", None, pay_office)
    assert [(await get(gateway, f"/api/fees/{f['id']}"))["status"] for f in (fee, other)] == ["pending", "pending"]

    [stray] = await get(admin, "/api/payments/exceptions")          # no office: the admins'
    assert (stray["kind"], stray["office"]) == ("unmatched", None)
    async with clerk.get("/api/payments/exceptions") as r:
        assert r.status == 403
    async with clerk.post(f"/api/payments/exceptions/{stray['id']}/resolve", json={"note": "không phải của xã"}) as r:
        assert r.status == 403
    async with admin.post(f"/api/payments/exceptions/{stray['id']}/resolve",
                         json={"note": "Tài khoản khác, đã báo ngân hàng"}) as r:
        assert r.status == 200 and (await r.json())["resolved_by"].startswith("user:")


async def test_payos_notice_pays_and_its_confirmation_test_is_answered(
        paysystem: Running, pay_office: str, clerk: aiohttp.ClientSession, gateway: aiohttp.ClientSession) -> None:
    ticket = await served_ticket(paysystem, pay_office)
    fee = await create_fee(clerk, ticket["id"], 75_000)
    notice = payos_notice(f"CSXNBT {fee['reference']} Le phi", 75_000)
    for _ in range(2):
        async with gateway.post("/api/payments/payos", json=notice) as r:
            assert (r.status, await r.json()) == (200, {"success": True})
    paid = await get(gateway, f"/api/fees/{fee['id']}")
    assert paid["status"] == "paid" and paid["receipt"]["number"] == 1
    assert (await get(gateway, f"/api/receipts/{paid['receipt']['id']}"))["gateway"] == "payOS"

    # "Confirm webhook": payOS sends its documented sample, signed with the checksum key; it must get a 2xx.
    sample = {"orderCode": 123, "amount": 3000, "description": "VQRIO123", "accountNumber": "12345678",
              "reference": "TF230204212323", "transactionDateTime": "2023-02-04 18:25:00", "currency": "VND",
              "paymentLinkId": "124c33293c43417ab7879e14c8d9eb18", "code": "00", "desc": "Thành công",
              "counterAccountBankId": "", "counterAccountBankName": "", "counterAccountName": "",
              "counterAccountNumber": "", "virtualAccountName": "", "virtualAccountNumber": ""}
    confirm = {"code": "00", "desc": "success", "success": True, "data": sample, "signature": payos_sign(sample)}
    async with gateway.post("/api/payments/payos", json=confirm) as r:
        assert r.status == 200
    async with gateway.post("/api/payments/payos", json={"code": "01", "desc": "Huỷ", "success": False,
                                                         "data": {**sample, "orderCode": 5, "code": "01"},
                                                         "signature": payos_sign({**sample, "orderCode": 5,
                                                                                  "code": "01"})}) as r:
        assert r.status == 200                                      # authentic, but no money: nothing to settle
    assert await exceptions(clerk, pay_office, "all") == []
    assert PAYOS_KEY not in str(await get(clerk, f"/api/offices/{pay_office}/payments"))


async def test_fee_events_reach_a_subscriber_on_the_stream(
        paysystem: Running, pay_office: str, clerk: aiohttp.ClientSession, gateway: aiohttp.ClientSession) -> None:
    received: asyncio.Queue[m.Event] = asyncio.Queue()

    async def on_event(event: m.Event) -> None:
        if event.type.startswith(("fee.", "payment.")):
            await received.put(event)

    sub = await paysystem.bus.subscribe_events(pay_office, on_event)
    try:
        ticket = await served_ticket(paysystem, pay_office)
        fee = await create_fee(clerk, ticket["id"])
        await post_sepay(gateway, sepay_notice(fee["reference"], 50_000))
        await post_sepay(gateway, sepay_notice(fee["reference"], 1_000))
        created, paid, late = [await asyncio.wait_for(received.get(), 10) for _ in range(3)]
    finally:
        await sub.unsubscribe()
    assert (created.type, created.counter, created.data["fee"]["id"]) == ("fee.created", "1", fee["id"])
    assert created.ticket is None and created.actor["type"] == "user"
    assert created.data["ticket_id"] == ticket["id"]             # staff screens may link the fee to its ticket
    assert (paid.type, paid.data["fee"]["status"], paid.data["receipt"]["number"]) == ("fee.paid", "paid", 1)
    assert paid.data["payment"]["amount"] == 50_000 and paid.data["receipt"]["pdf"].endswith(".pdf")
    assert (late.type, late.data["exception"]["kind"]) == ("payment.exception", "late")
