"""The day's reconciliation (JSON and the CSV a spreadsheet opens) and receipt numbers under concurrent payments."""
from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime, timedelta, timezone

import aiohttp

from services.payment.report_csv import HEADER
from services.system import Running
from tests.conftest import FakeClock, unique
from tests.integration.conftest import bearer, login
from tests.integration.payment_support import (
    VN, create_fee, get, new_office, post_sepay, served_ticket, sepay_notice,
)

pytest_plugins = ["tests.integration.payment_fixtures"]   # its fixtures: paysystem, pay_office, clerk, admin, gateway


async def test_the_day_exports_as_csv_excel_reads(paysystem: Running, pay_office: str, clerk: aiohttp.ClientSession,
                                                   gateway: aiohttp.ClientSession, clock: FakeClock) -> None:
    ticket = await served_ticket(paysystem, pay_office)
    clock.fixed = datetime.now(timezone.utc) - timedelta(days=1)
    yesterday = await create_fee(clerk, ticket["id"], 10_000, "Phí của hôm qua")
    clock.fixed = None
    paid = await create_fee(clerk, (await served_ticket(paysystem, pay_office))["id"], 50_000,
                            "Lệ phí chứng thực bản sao")
    pending = await create_fee(clerk, (await served_ticket(paysystem, pay_office))["id"], 8_000, "Phí sao y — chờ")
    cancelled = await create_fee(clerk, (await served_ticket(paysystem, pay_office))["id"], 3_000, "Phí huỷ")
    async with clerk.post(f"/api/fees/{cancelled['id']}/cancel") as r:
        assert r.status == 200
    await post_sepay(gateway, sepay_notice(f"{paid['reference']} NGUYEN VAN A", 50_000))
    await post_sepay(gateway, sepay_notice('=HYPERLINK("http://example.invalid","bấm")', 20_000))

    today = datetime.now(VN).date().isoformat()
    day = await get(clerk, f"/api/offices/{pay_office}/payments?day={today}")
    assert day["day"] == today and day["timezone"] == "Asia/Ho_Chi_Minh"
    assert [f["id"] for f in day["fees"]] == [paid["id"], pending["id"], cancelled["id"]]
    totals = day["totals"]
    assert totals["fees"]["count"] == 3 and totals["fees"]["amount"] == 61_000
    assert (totals["fees"]["paid"], totals["fees"]["pending"], totals["fees"]["cancelled"]) == (
        {"count": 1, "amount": 50_000}, {"count": 1, "amount": 8_000}, {"count": 1, "amount": 3_000})
    assert totals["payments"] == {"count": 2, "amount": 70_000, "applied": 50_000, "unapplied": 20_000}
    assert totals["exceptions"] == {"count": 1, "open": 1, "open_amount": 20_000}
    before = (datetime.now(VN).date() - timedelta(days=1)).isoformat()
    assert [f["id"] for f in (await get(clerk, f"/api/offices/{pay_office}/payments?day={before}"))["fees"]] == [
        yesterday["id"]]

    async with clerk.get(f"/api/offices/{pay_office}/payments?day={today}&format=csv") as r:
        assert r.status == 200 and r.content_type == "text/csv" and r.charset == "utf-8"
        assert f'filename="thanh-toan-{pay_office}-{today}.csv"' in r.headers["Content-Disposition"]
        raw = await r.read()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert tuple(table[0]) == HEADER
    kinds = [row[0] for row in table[1:]]
    assert kinds[:6] == ["Phí / fee"] * 3 + ["Thanh toán / payment"] * 2 + ["Ngoại lệ / exception"]
    fee_row = table[1]
    assert (fee_row[2], fee_row[3], fee_row[4], fee_row[5]) == (paid["reference"], "50000", "Đã thanh toán / paid",
                                                                "Lệ phí chứng thực bản sao")
    assert fee_row[8].startswith("0000001/") and fee_row[1].startswith(today)
    hostile = next(row for row in table if row[0] == "Thanh toán / payment" and "HYPERLINK" in row[5])
    assert hostile[5].startswith("'=")                               # shown as text, never run as a formula
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in table for cell in row)
    totals_rows = {row[0]: row[3] for row in table[7:]}
    assert totals_rows["Tổng phí / fees total"] == "61000" and totals_rows["Tổng tiền nhận / received total"] == "70000"


async def test_receipt_numbers_have_no_gap_when_payments_arrive_together(
        paysystem: Running, pay_office: str, clerk: aiohttp.ClientSession, gateway: aiohttp.ClientSession) -> None:
    fees = [await create_fee(clerk, (await served_ticket(paysystem, pay_office))["id"], 10_000 + i, f"Lệ phí số {i}")
            for i in range(12)]
    other_office = await new_office(paysystem)
    other_ticket = await served_ticket(paysystem, other_office)
    token = await login(paysystem, unique("co"), "clerk", other_office, "1")
    async with aiohttp.ClientSession(paysystem.base_url, headers=bearer(token)) as other:
        other_fee = await create_fee(other, other_ticket["id"], 9_000)
    notices = [sepay_notice(f["reference"], f["amount"]) for f in [*fees, other_fee]]
    answers = await asyncio.gather(*(post_sepay(gateway, n) for n in notices + notices[:4]))   # and some retries
    assert all(answer == (200, {"success": True}) for answer in answers)
    numbers = sorted([(await get(gateway, f"/api/fees/{f['id']}"))["receipt"]["number"] for f in fees])
    assert numbers == list(range(1, 13))
    assert (await get(gateway, f"/api/fees/{other_fee['id']}"))["receipt"]["number"] == 1   # each office its own
