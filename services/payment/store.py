"""SQL for fees, payments, exceptions and receipts. Functions take a connection (bank notices: notices_store.py)."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from services.domain.errors import NotFound

FEES_WITH_RECEIPTS = ("SELECT f.*, r.id AS receipt_id, r.year AS receipt_year, r.number AS receipt_number FROM fees f"
                      " LEFT JOIN receipts r ON r.fee_id = f.id")
EXCEPTION_COLUMNS = ("e.id, e.office_id, e.kind, e.notice_id, e.payment_id, e.fee_id, e.amount, e.created_at,"
                     " e.resolved_at, e.resolved_by, e.resolution, e.resolved_fee, p.content, p.occurred_at,"
                     " p.gateway, p.account")


def as_uuid(value: str, what_vi: str, what_en: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, AttributeError, TypeError) as exc:
        raise NotFound(f"Không có {what_vi} '{value}'", f"No {what_en} '{value}'") from exc


# ------------------------------------------------------------ fees

async def insert_fee(conn: asyncpg.Connection, **values: Any) -> asyncpg.Record:
    names = list(values)
    marks = ", ".join(f"${i}" for i in range(1, len(names) + 1))
    return await conn.fetchrow(f"INSERT INTO fees ({', '.join(names)}) VALUES ({marks}) RETURNING *",
                               *values.values())


async def get_fee(conn: asyncpg.Connection, fee_id: str, *, lock: bool = False) -> asyncpg.Record:
    ident = as_uuid(fee_id, "khoản phí", "fee")
    row = await conn.fetchrow("SELECT * FROM fees WHERE id = $1" + (" FOR UPDATE" if lock else ""), ident)
    if row is None:
        raise NotFound(f"Không có khoản phí '{fee_id}'", f"No fee '{fee_id}'")
    return row


async def find_fee_by_key(conn: asyncpg.Connection, office: str, key: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM fees WHERE office_id = $1 AND idempotency_key = $2", office, key)


async def pending_fee_of_ticket(conn: asyncpg.Connection, ticket_id: uuid.UUID) -> asyncpg.Record | None:
    """The fee the ticket waits on (at most one: fees_one_pending_per_ticket), locked."""
    return await conn.fetchrow("SELECT * FROM fees WHERE ticket_id = $1 AND status = 'pending' FOR UPDATE", ticket_id)


async def fees_of_ticket(conn: asyncpg.Connection, office: str, ticket_id: uuid.UUID,
                         limit: int = 20) -> list[asyncpg.Record]:
    """A ticket's fees, newest first, with their receipt's id, year and number."""
    return await conn.fetch(f"{FEES_WITH_RECEIPTS} WHERE f.office_id = $1 AND f.ticket_id = $2"
                            " ORDER BY f.created_at DESC LIMIT $3", office, ticket_id, limit)


async def reference_in_use(conn: asyncpg.Connection, office: str, account: str, reference: str) -> bool:
    """Taken in this office, or by another office's fee into the same account (matching goes by account)."""
    return bool(await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM fees WHERE reference = $3 AND (office_id = $1 OR bank_account = $2))",
        office, account, reference))


async def candidate_fees(conn: asyncpg.Connection, account: str, references: list[str]) -> list[asyncpg.Record]:
    """The fees into `account` whose reference appears in a transfer, locked, with the key of the notice that paid
    each (FeeDue.paid_by)."""
    if not references:
        return []
    return await conn.fetch(
        "SELECT f.*, n.gateway_key AS paid_by FROM fees f LEFT JOIN payments p ON p.id = f.payment_id"
        " LEFT JOIN bank_notices n ON n.id = p.notice_id WHERE f.bank_account = $1 AND f.reference = ANY($2::text[])"
        " ORDER BY f.created_at FOR UPDATE OF f", account, references)


async def office_of_account(conn: asyncpg.Connection, account: str) -> str | None:
    """The one office that has asked fees into `account`; None when none or several did."""
    rows = await conn.fetch("SELECT DISTINCT office_id FROM fees WHERE bank_account = $1 LIMIT 2", account)
    return rows[0]["office_id"] if len(rows) == 1 else None


async def mark_paid(conn: asyncpg.Connection, fee_id: uuid.UUID, payment_id: uuid.UUID, at: datetime) -> None:
    await conn.execute("UPDATE fees SET status = 'paid', paid_at = $3, payment_id = $2 WHERE id = $1",
                       fee_id, payment_id, at)


async def mark_cancelled(conn: asyncpg.Connection, fee_id: uuid.UUID, by: str, reason: str | None,
                         at: datetime) -> asyncpg.Record:
    return await conn.fetchrow("UPDATE fees SET status = 'cancelled', cancelled_at = $3, cancelled_by = $2,"
                               " cancel_reason = $4 WHERE id = $1 RETURNING *", fee_id, by, at, reason)


async def mark_expired(conn: asyncpg.Connection, fee_id: uuid.UUID, now: datetime) -> asyncpg.Record:
    return await conn.fetchrow("UPDATE fees SET status = 'expired', expired_at = $2 WHERE id = $1 RETURNING *",
                               fee_id, now)


async def expire_due(conn: asyncpg.Connection, now: datetime, limit: int = 200) -> list[asyncpg.Record]:
    return await conn.fetch(
        "UPDATE fees SET status = 'expired', expired_at = $1 WHERE id IN (SELECT id FROM fees WHERE status = 'pending'"
        " AND expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING *", now, limit)


# ------------------------------------------------------------ payments and exceptions

async def insert_payment(conn: asyncpg.Connection, *, notice_id: uuid.UUID, office: str | None, gateway: str,
                         amount: int, content: str, account: str, occurred_at: datetime,
                         recorded_at: datetime) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO payments (id, notice_id, office_id, gateway, amount, content, account, occurred_at, recorded_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *",
        uuid.uuid4(), notice_id, office, gateway, amount, content, account, occurred_at, recorded_at)


async def apply_payment(conn: asyncpg.Connection, payment_id: uuid.UUID, fee_id: uuid.UUID, office: str,
                        at: datetime) -> None:
    await conn.execute("UPDATE payments SET fee_id = $2, office_id = $3, applied_at = $4 WHERE id = $1",
                       payment_id, fee_id, office, at)


async def insert_exception(conn: asyncpg.Connection, *, office: str | None, kind: str, notice_id: uuid.UUID,
                           payment_id: uuid.UUID | None, fee_id: uuid.UUID | None, amount: int | None,
                           at: datetime) -> asyncpg.Record:
    ident = await conn.fetchval(
        "INSERT INTO payment_exceptions (id, office_id, kind, notice_id, payment_id, fee_id, amount, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        uuid.uuid4(), office, kind, notice_id, payment_id, fee_id, amount, at)
    return await get_exception(conn, str(ident))


async def open_exceptions_of_fees(conn: asyncpg.Connection, fee_ids: list[uuid.UUID]) -> list[asyncpg.Record]:
    if not fee_ids:
        return []
    return await conn.fetch(f"SELECT {EXCEPTION_COLUMNS} FROM payment_exceptions e LEFT JOIN payments p"
                            " ON p.id = e.payment_id WHERE e.fee_id = ANY($1::uuid[]) AND e.resolved_at IS NULL"
                            " ORDER BY e.created_at", fee_ids)


async def get_exception(conn: asyncpg.Connection, exception_id: str, *, lock: bool = False) -> asyncpg.Record:
    ident = as_uuid(exception_id, "ngoại lệ thanh toán", "payment exception")
    row = await conn.fetchrow(f"SELECT {EXCEPTION_COLUMNS} FROM payment_exceptions e LEFT JOIN payments p"
                              " ON p.id = e.payment_id WHERE e.id = $1" + (" FOR UPDATE OF e" if lock else ""), ident)
    if row is None:
        raise NotFound(f"Không có ngoại lệ thanh toán '{exception_id}'", f"No payment exception '{exception_id}'")
    return row


async def list_exceptions(conn: asyncpg.Connection, office: str | None, status: str) -> list[asyncpg.Record]:
    where = {"open": " AND e.resolved_at IS NULL", "resolved": " AND e.resolved_at IS NOT NULL", "all": ""}[status]
    return await conn.fetch(f"SELECT {EXCEPTION_COLUMNS} FROM payment_exceptions e LEFT JOIN payments p"
                            " ON p.id = e.payment_id WHERE e.office_id IS NOT DISTINCT FROM $1" + where +
                            " ORDER BY e.created_at LIMIT 1000", office)


async def resolve_exception(conn: asyncpg.Connection, exception_id: uuid.UUID, *, by: str, note: str,
                            fee_id: uuid.UUID | None, at: datetime) -> None:
    await conn.execute("UPDATE payment_exceptions SET resolved_at = $2, resolved_by = $3, resolution = $4,"
                       " resolved_fee = $5 WHERE id = $1", exception_id, at, by, note, fee_id)


# ------------------------------------------------------------ receipts

async def next_receipt_number(conn: asyncpg.Connection, office: str, year: int) -> int:
    """The next number of this office and year; the row stays locked until the transaction ends."""
    return await conn.fetchval(
        "INSERT INTO receipt_sequences AS s (office_id, year, last_number) VALUES ($1, $2, 1)"
        " ON CONFLICT (office_id, year) DO UPDATE SET last_number = s.last_number + 1 RETURNING last_number",
        office, year)


async def insert_receipt(conn: asyncpg.Connection, *, office: str, year: int, number: int, fee_id: uuid.UUID,
                         payment_id: uuid.UUID, issued_at: datetime, content: dict[str, Any]) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO receipts (id, office_id, year, number, fee_id, payment_id, issued_at, content)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *",
        uuid.uuid4(), office, year, number, fee_id, payment_id, issued_at, content)


async def get_receipt(conn: asyncpg.Connection, receipt_id: str) -> asyncpg.Record:
    row = await conn.fetchrow("SELECT * FROM receipts WHERE id = $1", as_uuid(receipt_id, "biên lai", "receipt"))
    if row is None:
        raise NotFound(f"Không có biên lai '{receipt_id}'", f"No receipt '{receipt_id}'")
    return row


async def receipt_of_fee(conn: asyncpg.Connection, fee_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM receipts WHERE fee_id = $1", fee_id)


# ------------------------------------------------------------ one local day (reconciliation)

async def day_rows(conn: asyncpg.Connection, office: str, start: datetime,
                   end: datetime) -> tuple[list[asyncpg.Record], list[asyncpg.Record], list[asyncpg.Record]]:
    """Fees asked, payments received (by the transfer's time) and exceptions raised in [start, end)."""
    fees = await conn.fetch(f"{FEES_WITH_RECEIPTS} WHERE f.office_id = $1 AND f.created_at >= $2"
                            " AND f.created_at < $3 ORDER BY f.created_at", office, start, end)
    payments = await conn.fetch("SELECT * FROM payments WHERE office_id = $1 AND occurred_at >= $2"
                                " AND occurred_at < $3 ORDER BY occurred_at", office, start, end)
    exceptions = await conn.fetch(f"SELECT {EXCEPTION_COLUMNS} FROM payment_exceptions e LEFT JOIN payments p"
                                  " ON p.id = e.payment_id WHERE e.office_id = $1 AND e.created_at >= $2"
                                  " AND e.created_at < $3 ORDER BY e.created_at", office, start, end)
    return fees, payments, exceptions
