"""Payment commands: fees asked at the counter, bank notices, exceptions settled by staff, reads. Each checks who asks;
each change writes its events to the outbox in the same transaction."""
from __future__ import annotations

import logging
import random
import uuid
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

import asyncpg

from services import messages as m
from services.domain import fees as rules
from services.domain.access import Actor, Right, check
from services.domain.bank_notices import new_reference
from services.domain.errors import Conflict, Forbidden, InvalidInput
from services.payment import settle, store
from services.payment.notices import NoticeDesk
from services.payment.reports import PaymentReads
from services.payment.views import exception_view, fee_view
from services.store import outbox
from services.store.db import RoutedCommands
from services.store.db import health as db_health

log = logging.getLogger(__name__)

Ask = Callable[[m.Command], Awaitable[Any]]
SERVING = ("called", "serving")
_STATUS_VI = {"waiting": "đang chờ", "done": "đã xong", "no_show": "vắng mặt", "cancelled": "đã huỷ"}


class Payments(PaymentReads, RoutedCommands):
    def __init__(self, pool: asyncpg.Pool, prefix: str, ask: Ask, *, keys: dict[str, str | None],
                 clock: Callable[[], datetime], fee_expiry_min: int = 30, fee_max_vnd: int = 100_000_000,
                 on_commit: Callable[[], None] = lambda: None) -> None:
        self._pool = pool
        self._prefix = prefix
        self._ask = ask
        self._clock = clock
        self._expiry = timedelta(minutes=fee_expiry_min)
        self._max = fee_max_vnd
        self._on_commit = on_commit
        self._random = random.SystemRandom()
        self.notices = NoticeDesk(pool, prefix, keys, clock=clock, on_commit=on_commit)
        self._routes: dict[type[m.Command], Callable[[Any], Awaitable[Any]]] = {
            m.CreateFee: self.create_fee, m.GetFee: self.get_fee, m.CancelFee: self.cancel_fee,
            m.RecordBankNotice: self.notices.record, m.ListPaymentExceptions: self.list_exceptions,
            m.ResolvePaymentException: self.resolve_exception, m.PaymentsDay: self.payments_day,
            m.GetReceipt: self.get_receipt, m.ListTicketFees: self.list_ticket_fees,
            m.PaymentHealth: lambda _: db_health(self._pool),
        }

    async def _commit(self, conn: asyncpg.Connection, events: list[m.Event]) -> None:
        await outbox.append(conn, self._prefix, events)

    # ------------------------------------------------------------ fees

    async def create_fee(self, cmd: m.CreateFee) -> dict[str, Any]:
        actor = check(Actor.from_dict(cmd.actor), Right.TAKE_FEES)
        amount = rules.check_amount(cmd.amount, self._max)
        description = rules.check_description(cmd.description)
        if cmd.idempotency_key is not None and not 1 <= len(cmd.idempotency_key) <= 200:
            raise InvalidInput("Idempotency-Key phải dài 1–200 ký tự", "Idempotency-Key must be 1–200 characters")
        ticket = await self._ask(m.GetTicket(ticket_id=cmd.ticket_id))
        office_id = ticket["office"]
        check(actor, Right.TAKE_FEES, office_id)
        if ticket["status"] not in SERVING:
            status = _STATUS_VI.get(ticket["status"], ticket["status"])
            raise Conflict(f"Chỉ thu phí của công dân đang được phục vụ; phiếu {ticket['number']} {status}",
                           f"Fees are asked of the citizen being served; ticket {ticket['number']} is "
                           f"{ticket['status']}", ticket_status=ticket["status"])
        office = await self._ask(m.GetOffice(office=office_id))
        now = self._clock()
        bank = rules.office_bank(office)
        async with self._pool.acquire() as conn:
            for attempt in range(3):   # a same-key twin, or a reference drawn twice at once: look again
                try:
                    async with conn.transaction():
                        view, fresh = await self._new_fee(conn, cmd, actor, ticket, office, bank, amount,
                                                          description, now)
                    break
                except asyncpg.UniqueViolationError:
                    if attempt == 2:
                        raise
        if fresh:
            self._on_commit()
            log.info("fee %s (%s, %d VND) asked by %s for ticket %s", view["id"], view["reference"], amount,
                     actor.describe(), ticket["number"])
        return view

    async def _new_fee(self, conn: asyncpg.Connection, cmd: m.CreateFee, actor: Actor, ticket: dict[str, Any],
                       office: dict[str, Any], bank: rules.BankAccount, amount: int, description: str,
                       now: datetime) -> tuple[dict[str, Any], bool]:
        """(the fee, True) once written with its event; (the fee asked before, False) for a replayed key."""
        key = cmd.idempotency_key
        if key is not None and (done := await store.find_fee_by_key(conn, office["id"], key)) is not None:
            if (str(done["ticket_id"]), done["amount"], done["description"]) != (ticket["id"], amount, description):
                raise Conflict("Idempotency-Key này đã dùng cho một khoản phí khác",
                               "This Idempotency-Key was already used for a different fee")
            return {**fee_view(done, now), "replayed": True}, False
        events = await self._one_pending_fee(conn, ticket, now)
        reference = await self._free_reference(conn, office["id"], bank.account)
        row = await store.insert_fee(
            conn, id=uuid.uuid4(), office_id=office["id"], reference=reference, amount=amount,
            description=description, status="pending", ticket_id=uuid.UUID(ticket["id"]),
            ticket_number=ticket["number"], counter_id=ticket.get("counter"), office_name=office["name"],
            timezone=office.get("timezone") or "Asia/Ho_Chi_Minh", bank_bin=bank.bin, bank_account=bank.account,
            bank_name=bank.name, qr=rules.fee_qr(bank, amount, reference, description), created_at=now,
            created_by=actor.describe(), expires_at=now + self._expiry, idempotency_key=key)
        view = fee_view(row, now)
        events.append(m.FeeCreated(office=office["id"], counter=row["counter_id"],
                                   data={"fee": view, "ticket_id": ticket["id"]}, actor=cmd.actor))
        await self._commit(conn, events)
        return view, True

    async def _one_pending_fee(self, conn: asyncpg.Connection, ticket: dict[str, Any],
                               now: datetime) -> list[m.Event]:
        """A ticket waits on one fee at a time (a double tap, two tabs): Conflict, carrying the fee it waits on, so
        the screen shows that one. A fee past its deadline that the sweeper has not reached yet expires here."""
        pending = await store.pending_fee_of_ticket(conn, uuid.UUID(ticket["id"]))
        if pending is None:
            return []
        if now <= pending["expires_at"]:
            raise Conflict(f"Phiếu {ticket['number']} đang có khoản phí {pending['reference']} "
                           f"({rules.vnd(pending['amount'])}) chờ thanh toán; huỷ khoản đó trước khi thu khoản khác",
                           f"Ticket {ticket['number']} already waits on fee {pending['reference']} "
                           f"({pending['amount']:,} VND); cancel it before asking another", fee=fee_view(pending, now))
        row = await store.mark_expired(conn, pending["id"], now)
        return [m.FeeExpired(office=row["office_id"], counter=row["counter_id"], data={"fee": fee_view(row, now)})]

    async def _free_reference(self, conn: asyncpg.Connection, office: str, account: str) -> str:
        for _ in range(20):       # 1.07e9 codes: a second try is already rare
            reference = new_reference(self._random)
            if not await store.reference_in_use(conn, office, account, reference):
                return reference
        raise Conflict("Không tạo được mã thanh toán; vui lòng thử lại", "Could not draw a free reference; retry")

    async def get_fee(self, cmd: m.GetFee) -> dict[str, Any]:
        async with self._pool.acquire() as conn:
            fee = await store.get_fee(conn, cmd.fee_id)
            return fee_view(fee, self._clock(), await store.receipt_of_fee(conn, fee["id"]))

    async def cancel_fee(self, cmd: m.CancelFee) -> dict[str, Any]:
        actor = check(Actor.from_dict(cmd.actor), Right.TAKE_FEES)
        reason = (cmd.reason or "").strip()[:300] or None
        now = self._clock()
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                fee = await store.get_fee(conn, cmd.fee_id, lock=True)
                check(actor, Right.TAKE_FEES, fee["office_id"])
                if not rules.can_cancel(fee["status"]):
                    what = {"paid": ("đã được thanh toán", "has been paid"),
                            "cancelled": ("đã bị huỷ", "is already cancelled")}[fee["status"]]
                    raise Conflict(f"Khoản phí {fee['reference']} {what[0]}, không huỷ được",
                                   f"Fee {fee['reference']} {what[1]}; it cannot be cancelled", status=fee["status"])
                row = await store.mark_cancelled(conn, fee["id"], actor.describe(), reason, now)
                view = fee_view(row, now)
                await self._commit(conn, [m.FeeCancelled(office=row["office_id"], counter=row["counter_id"],
                                                         data={"fee": view, "reason": reason}, actor=cmd.actor)])
        self._on_commit()
        return view

    async def expire_due(self) -> int:
        """Write `expired` on pending fees past their deadline and tell the screens (the sweeper calls it)."""
        now = self._clock()
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                rows = await store.expire_due(conn, now)
                await self._commit(conn, [m.FeeExpired(office=r["office_id"], counter=r["counter_id"],
                                                       data={"fee": fee_view(r, now)}) for r in rows])
        if rows:
            self._on_commit()
        return len(rows)

    # ------------------------------------------------------------ exceptions

    async def resolve_exception(self, cmd: m.ResolvePaymentException) -> dict[str, Any]:
        actor = check(Actor.from_dict(cmd.actor), Right.RESOLVE_PAYMENTS)
        note = " ".join((cmd.note or "").split())
        if not 3 <= len(note) <= 500:
            raise InvalidInput("Cần ghi chú cách đã xử lý (3–500 ký tự)", "Say how it was settled (3–500 characters)")
        now = self._clock()
        events: list[m.Event] = []
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                row = await store.get_exception(conn, cmd.exception_id, lock=True)
                _may_settle(actor, row["office_id"])
                if row["resolved_at"] is not None:
                    raise Conflict("Ngoại lệ này đã được xử lý", "This exception was already settled",
                                   resolved_by=row["resolved_by"])
                fee_id = None
                if cmd.fee_id is not None:
                    fee = await store.get_fee(conn, cmd.fee_id, lock=True)
                    events += await self._attach(conn, actor, row, fee, now, cmd.actor)
                    fee_id = fee["id"]
                await store.resolve_exception(conn, row["id"], by=actor.describe(), note=note, fee_id=fee_id, at=now)
                view = exception_view(await store.get_exception(conn, cmd.exception_id))
                office = row["office_id"] or (fee["office_id"] if cmd.fee_id else None)
                if office is not None:
                    events.append(m.PaymentExceptionResolved(office=office, data={"exception": view},
                                                             actor=cmd.actor))
                await self._commit(conn, events)
        self._on_commit()
        log.info("payment exception %s settled by %s: %s", view["id"], actor.describe(), note)
        return view

    async def _attach(self, conn: asyncpg.Connection, actor: Actor, row: asyncpg.Record, fee: asyncpg.Record,
                      now: datetime, actor_dict: dict | None) -> list[m.Event]:
        """The exception's transfer pays `fee` after all (a clerk found whose it was)."""
        check(actor, Right.RESOLVE_PAYMENTS, fee["office_id"])
        if row["office_id"] not in (None, fee["office_id"]):
            raise Forbidden("Khoản phí thuộc văn phòng khác", "The fee belongs to another office")
        if row["payment_id"] is None:
            raise Conflict("Ngoại lệ này không có khoản tiền nào để ghi cho khoản phí",
                           "This exception carries no money to apply to a fee")
        payment = await conn.fetchrow("SELECT * FROM payments WHERE id = $1 FOR UPDATE", row["payment_id"])
        if payment["fee_id"] is not None:
            raise Conflict("Khoản tiền này đã được ghi cho một khoản phí", "This money already paid a fee")
        if fee["status"] not in ("pending", "expired"):
            raise Conflict(f"Khoản phí {fee['reference']} không còn chờ thanh toán", f"Fee {fee['reference']} is not "
                           "awaiting payment", status=fee["status"])
        if payment["amount"] < fee["amount"]:
            raise Conflict(f"Số tiền đã chuyển ({rules.vnd(payment['amount'])}) nhỏ hơn khoản phí "
                           f"({rules.vnd(fee['amount'])})", "Less money was transferred than the fee asks")
        return await settle.pay_fee(conn, fee, payment, now, actor=actor_dict)


def _may_settle(actor: Actor, office: str | None) -> None:
    if office is None and not actor.is_admin:
        raise Forbidden("Chỉ quản trị viên xử lý giao dịch vào tài khoản chưa gắn với văn phòng nào",
                        "Only an administrator settles transfers into an account no office uses")
    if office is not None:
        check(actor, Right.RESOLVE_PAYMENTS, office)

