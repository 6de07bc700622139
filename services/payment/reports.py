"""Payment reads for staff: open exceptions, one local day's fees, payments and exceptions with totals, receipts."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Awaitable, Callable
from zoneinfo import ZoneInfo

import asyncpg

from services import messages as m
from services.domain import fees as rules
from services.domain.access import Actor, Right, check
from services.domain.errors import Forbidden, InvalidInput
from services.domain.office import zone
from services.payment import store
from services.payment.views import (
    exception_summary, exception_view, listed_fee_view, payment_view, receipt_urls,
)


class PaymentReads:
    _pool: asyncpg.Pool
    _clock: Callable[[], datetime]
    _ask: Callable[[m.Command], Awaitable[Any]]

    async def list_exceptions(self, cmd: m.ListPaymentExceptions) -> list[dict[str, Any]]:
        actor = check(Actor.from_dict(cmd.actor), Right.RESOLVE_PAYMENTS, cmd.office)
        if cmd.office is None and not actor.is_admin:
            raise Forbidden("Chỉ quản trị viên xem giao dịch vào tài khoản chưa gắn với văn phòng nào",
                            "Only an administrator sees transfers into an account no office uses")
        if cmd.status not in ("open", "resolved", "all"):
            raise InvalidInput("status phải là open, resolved hoặc all", "status must be open, resolved or all")
        async with self._pool.acquire() as conn:
            return [exception_view(r) for r in await store.list_exceptions(conn, cmd.office, cmd.status)]

    async def payments_day(self, cmd: m.PaymentsDay) -> dict[str, Any]:
        check(Actor.from_dict(cmd.actor), Right.RESOLVE_PAYMENTS, cmd.office)
        office = await self._ask(m.GetOffice(office=cmd.office))
        tz: ZoneInfo = zone(office.get("timezone") or "Asia/Ho_Chi_Minh")
        now = self._clock()
        day = rules.parse_day(cmd.day, tz, now)
        start, end = rules.day_bounds(day, tz)
        async with self._pool.acquire() as conn:
            async with conn.transaction(readonly=True, isolation="repeatable_read"):
                fee_rows, payment_rows, exception_rows = await store.day_rows(conn, cmd.office, start, end)
        fees = [listed_fee_view(row, now) for row in fee_rows]
        payments = [payment_view(r) for r in payment_rows]
        exceptions = [exception_view(r) for r in exception_rows]
        return {"office": cmd.office, "office_name": office.get("name"), "day": day.isoformat(),
                "timezone": str(tz), "from": start.isoformat(), "to": end.isoformat(),
                "fees": fees, "payments": payments, "exceptions": exceptions,
                "totals": totals(fees, payments, exceptions)}

    async def list_ticket_fees(self, cmd: m.ListTicketFees) -> list[dict[str, Any]]:
        """A ticket's fees for its counter's screens, newest first, each with the transfers about it that still wait
        for a person (a late or wrong payment): kind and amount only, never the transfer's content."""
        check(Actor.from_dict(cmd.actor), Right.SHOW_PAY, cmd.office)
        ticket = store.as_uuid(cmd.ticket_id, "phiếu", "ticket")
        now = self._clock()
        async with self._pool.acquire() as conn:
            rows = await store.fees_of_ticket(conn, cmd.office, ticket)
            waiting = await store.open_exceptions_of_fees(conn, [r["id"] for r in rows])
        fees = [listed_fee_view(r, now) for r in rows]
        for fee in fees:
            fee["exceptions"] = [exception_summary(e) for e in waiting if str(e["fee_id"]) == fee["id"]]
        return fees

    async def get_receipt(self, cmd: m.GetReceipt) -> dict[str, Any]:
        """By its unguessable id: the citizen's link, or staff from the day's list."""
        async with self._pool.acquire() as conn:
            row = await store.get_receipt(conn, cmd.receipt_id)
        return {**row["content"], "id": str(row["id"]), **receipt_urls(str(row["id"]))}


def totals(fees: list[dict[str, Any]], payments: list[dict[str, Any]],
           exceptions: list[dict[str, Any]]) -> dict[str, Any]:
    by_status = {status: {"count": 0, "amount": 0} for status in rules.STATUSES}
    for fee in fees:
        by_status[fee["status"]]["count"] += 1
        by_status[fee["status"]]["amount"] += fee["amount"]
    applied = sum(p["amount"] for p in payments if p["fee_id"])
    received = sum(p["amount"] for p in payments)
    open_ = [e for e in exceptions if e["resolved_at"] is None]
    return {
        "fees": {"count": len(fees), "amount": sum(f["amount"] for f in fees), **by_status},
        "payments": {"count": len(payments), "amount": received, "applied": applied, "unapplied": received - applied},
        "exceptions": {"count": len(exceptions), "open": len(open_),
                       "open_amount": sum(e["amount"] or 0 for e in open_)},
    }
