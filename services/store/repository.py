"""SQL for offices, services, counters and tickets. Functions take a connection in a transaction."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from services.domain.errors import NotFound
from services.domain.numbering import NumberFormat
from services.domain.office import OfficeRules
from services.domain.policy import Candidate
from services.domain.tickets import Status, Ticket


@dataclass(frozen=True)
class Office:
    id: str
    name: str
    timezone: str
    settings: dict[str, Any]

    @property
    def rules(self) -> OfficeRules:
        return OfficeRules.from_settings(self.timezone, self.settings)


@dataclass(frozen=True)
class Counter:
    office: str
    id: str
    name: str
    services: tuple[str, ...]
    paused: bool
    recent_calls: str

    @property
    def history(self) -> list[bool]:
        return [c == "P" for c in self.recent_calls]


def _office_not_found(office: str) -> NotFound:
    return NotFound(f"Không tìm thấy văn phòng '{office}'", f"Office '{office}' not found")


async def get_office(conn: asyncpg.Connection, office: str, *, lock: bool = False) -> Office:
    sql = "SELECT id, name, timezone, settings FROM offices WHERE id = $1"
    row = await conn.fetchrow(sql + (" FOR NO KEY UPDATE" if lock else ""), office)
    if row is None:
        raise _office_not_found(office)
    return Office(row["id"], row["name"], row["timezone"], row["settings"])


async def upsert_office(conn: asyncpg.Connection, office: str, name: str, timezone: str,
                        settings: dict[str, Any]) -> None:
    await conn.execute(
        "INSERT INTO offices (id, name, timezone, settings) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (id) DO UPDATE SET name = $2, timezone = $3, settings = $4",
        office, name, timezone, settings,
    )


async def upsert_service(conn: asyncpg.Connection, office: str, spec: dict[str, Any], position: int) -> None:
    await conn.execute(
        "INSERT INTO services (office_id, code, name, name_en, field, prefix, width, start, position, active)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, true)"
        " ON CONFLICT (office_id, code) DO UPDATE SET name = $3, name_en = $4, field = $5, prefix = $6,"
        " width = $7, start = $8, position = $9, active = true",
        office, spec["code"], spec["name"], spec.get("name_en", ""), spec.get("field", ""),
        spec.get("prefix"), spec.get("width", 3), spec.get("start", 0), position,
    )


async def upsert_counter(conn: asyncpg.Connection, office: str, spec: dict[str, Any]) -> None:
    await conn.execute(
        "INSERT INTO counters (office_id, id, name, services, active) VALUES ($1, $2, $3, $4, true)"
        " ON CONFLICT (office_id, id) DO UPDATE SET name = $3, services = $4, active = true",
        office, spec["id"], spec["name"], list(spec["services"]),
    )


async def deactivate_missing(conn: asyncpg.Connection, office: str, services: list[str],
                             counters: list[str]) -> None:
    """Services and counters dropped from the configuration are hidden, never deleted (history)."""
    await conn.execute("UPDATE services SET active = false WHERE office_id = $1 AND code <> ALL($2::text[])",
                       office, services)
    await conn.execute("UPDATE counters SET active = false WHERE office_id = $1 AND id <> ALL($2::text[])",
                       office, counters)


async def list_services(conn: asyncpg.Connection, office: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT code, name, name_en, field, prefix, width, start FROM services"
        " WHERE office_id = $1 AND active ORDER BY position, code", office,
    )


async def get_service(conn: asyncpg.Connection, office: str, code: str) -> tuple[asyncpg.Record, NumberFormat]:
    row = await conn.fetchrow(
        "SELECT code, name, name_en, prefix, width, start FROM services"
        " WHERE office_id = $1 AND code = $2 AND active", office, code,
    )
    if row is None:
        raise NotFound(
            f"Văn phòng '{office}' không có dịch vụ '{code}'",
            f"Office '{office}' has no service '{code}'",
        )
    return row, NumberFormat(prefix=row["prefix"], width=row["width"], start=row["start"])


def _counter(row: asyncpg.Record) -> Counter:
    return Counter(row["office_id"], row["id"], row["name"], tuple(row["services"]), row["paused"],
                   row["recent_calls"])


async def get_counter(conn: asyncpg.Connection, office: str, counter: str, *, lock: bool = False) -> Counter:
    sql = "SELECT * FROM counters WHERE office_id = $1 AND id = $2 AND active"
    row = await conn.fetchrow(sql + (" FOR NO KEY UPDATE" if lock else ""), office, counter)
    if row is None:
        raise NotFound(
            f"Văn phòng '{office}' không có quầy '{counter}'", f"Office '{office}' has no counter '{counter}'"
        )
    return _counter(row)


async def list_counters(conn: asyncpg.Connection, office: str) -> list[Counter]:
    rows = await conn.fetch("SELECT * FROM counters WHERE office_id = $1 AND active ORDER BY id", office)
    return [_counter(r) for r in rows]


async def set_counter_paused(conn: asyncpg.Connection, office: str, counter: str, paused: bool) -> None:
    await conn.execute("UPDATE counters SET paused = $3 WHERE office_id = $1 AND id = $2", office, counter, paused)


async def remember_call(conn: asyncpg.Connection, office: str, counter: str, was_priority: bool) -> None:
    """Append to the counter's recent-call history (kept short) for the fairness rule."""
    await conn.execute(
        "UPDATE counters SET recent_calls = right(recent_calls || $3, 32) WHERE office_id = $1 AND id = $2",
        office, counter, "P" if was_priority else "N",
    )


async def next_seq(conn: asyncpg.Connection, office: str, service: str, day: date) -> int:
    """The next sequence number; the row lock it takes serialises issuers of one service and day."""
    return await conn.fetchval(
        "INSERT INTO number_sequences (office_id, service_code, local_day, last_seq) VALUES ($1, $2, $3, 1)"
        " ON CONFLICT (office_id, service_code, local_day)"
        " DO UPDATE SET last_seq = number_sequences.last_seq + 1 RETURNING last_seq",
        office, service, day,
    )


_COLUMNS = (
    "id, office_id, service_code, origin_service, local_day, seq, number, priority, status, counter_id,"
    " for_counter, issued_at, queued_at, called_at, started_at, finished_at, skipped_at, recall_count,"
    " transfer_count"
)


def _ticket(row: asyncpg.Record) -> Ticket:
    return Ticket(
        id=str(row["id"]), office=row["office_id"], service=row["service_code"],
        origin_service=row["origin_service"], local_day=row["local_day"], seq=row["seq"],
        number=row["number"], priority=row["priority"], status=Status(row["status"]),
        issued_at=row["issued_at"], queued_at=row["queued_at"], counter=row["counter_id"],
        for_counter=row["for_counter"], called_at=row["called_at"], started_at=row["started_at"],
        finished_at=row["finished_at"], skipped_at=row["skipped_at"], recall_count=row["recall_count"],
        transfer_count=row["transfer_count"],
    )


async def insert_ticket(conn: asyncpg.Connection, t: Ticket, idempotency_key: str | None) -> None:
    await conn.execute(
        f"INSERT INTO tickets ({_COLUMNS}, idempotency_key) VALUES"
        " ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
        uuid.UUID(t.id), t.office, t.service, t.origin_service, t.local_day, t.seq, t.number, t.priority,
        t.status.value, t.counter, t.for_counter, t.issued_at, t.queued_at, t.called_at, t.started_at,
        t.finished_at, t.skipped_at, t.recall_count, t.transfer_count, idempotency_key,
    )


async def save_ticket(conn: asyncpg.Connection, t: Ticket) -> None:
    await conn.execute(
        "UPDATE tickets SET service_code = $2, status = $3, counter_id = $4, for_counter = $5, queued_at = $6,"
        " called_at = $7, started_at = $8, finished_at = $9, skipped_at = $10, recall_count = $11,"
        " transfer_count = $12 WHERE id = $1",
        uuid.UUID(t.id), t.service, t.status.value, t.counter, t.for_counter, t.queued_at, t.called_at,
        t.started_at, t.finished_at, t.skipped_at, t.recall_count, t.transfer_count,
    )


def _ticket_not_found(ref: str) -> NotFound:
    return NotFound(f"Không tìm thấy phiếu '{ref}'", f"Ticket '{ref}' not found")


def parse_ticket_id(ticket_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(ticket_id)
    except (ValueError, AttributeError, TypeError) as exc:
        raise _ticket_not_found(str(ticket_id)) from exc


async def load_ticket(conn: asyncpg.Connection, ticket_id: str, *, lock: bool = False) -> Ticket:
    sql = f"SELECT {_COLUMNS} FROM tickets WHERE id = $1"
    row = await conn.fetchrow(sql + (" FOR UPDATE" if lock else ""), parse_ticket_id(ticket_id))
    if row is None:
        raise _ticket_not_found(ticket_id)
    return _ticket(row)


async def find_ticket_by_number(conn: asyncpg.Connection, office: str, number: str, day: date) -> Ticket:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM tickets WHERE office_id = $1 AND number = $2 AND local_day = $3"
        " ORDER BY issued_at DESC LIMIT 1 FOR UPDATE", office, number, day,
    )
    if row is None:
        raise _ticket_not_found(number)
    return _ticket(row)


async def find_by_idempotency_key(conn: asyncpg.Connection, office: str, key: str) -> Ticket | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM tickets WHERE office_id = $1 AND idempotency_key = $2", office, key
    )
    return _ticket(row) if row else None


async def current_ticket(conn: asyncpg.Connection, office: str, counter: str) -> Ticket | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM tickets WHERE office_id = $1 AND counter_id = $2"
        " AND status IN ('called', 'serving') FOR UPDATE", office, counter,
    )
    return _ticket(row) if row else None


async def candidates(conn: asyncpg.Connection, office: str, services: tuple[str, ...],
                     counter: str) -> list[Candidate]:
    """The head of each (service, priority class, directed counter) queue: all the policy needs."""
    rows = await conn.fetch(
        "SELECT DISTINCT ON (service_code, priority IS NOT NULL, for_counter)"
        " id, service_code, priority, queued_at, seq, for_counter FROM tickets"
        " WHERE office_id = $1 AND status = 'waiting' AND service_code = ANY($2::text[])"
        " AND (for_counter IS NULL OR for_counter = $3)"
        " ORDER BY service_code, priority IS NOT NULL, for_counter, queued_at, seq",
        office, list(services), counter,
    )
    return [
        Candidate(str(r["id"]), r["service_code"], r["priority"] is not None, r["queued_at"], r["seq"],
                  r["for_counter"])
        for r in rows
    ]


@dataclass(frozen=True)
class PositionFacts:
    ahead: int
    open_counters: int
    recent_durations_s: list[float]


async def position_facts(conn: asyncpg.Connection, office: str, service: str, ticket_id: str,
                         is_priority: bool, queued_at: datetime, since: datetime) -> PositionFacts:
    """In one round trip: waiting tickets likely served before this one (same service, earlier;
    priority ones before normal ones), open counters for the service, recent service durations."""
    row = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM tickets WHERE office_id = $1 AND service_code = $2"
        "        AND status = 'waiting' AND id <> $3 AND (CASE WHEN $4 THEN priority IS NOT NULL"
        "        AND queued_at <= $5 ELSE priority IS NOT NULL OR queued_at <= $5 END)) AS ahead,"
        " (SELECT count(*) FROM counters WHERE office_id = $1 AND active AND NOT paused"
        "        AND $2 = ANY(services)) AS open_counters,"
        " ARRAY(SELECT extract(epoch FROM finished_at - started_at)::float8 FROM tickets"
        "       WHERE office_id = $1 AND service_code = $2 AND status = 'done' AND finished_at >= $6"
        "       AND started_at IS NOT NULL ORDER BY finished_at DESC LIMIT 20) AS durations",
        office, service, uuid.UUID(ticket_id), is_priority, queued_at, since,
    )
    return PositionFacts(row["ahead"], row["open_counters"], list(row["durations"]))


async def waiting_tickets(conn: asyncpg.Connection, office: str, limit: int = 500) -> list[Ticket]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM tickets WHERE office_id = $1 AND status = 'waiting'"
        " ORDER BY queued_at, seq LIMIT $2", office, limit,
    )
    return [_ticket(r) for r in rows]


async def active_tickets(conn: asyncpg.Connection, office: str) -> list[Ticket]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM tickets WHERE office_id = $1 AND status IN ('called', 'serving')", office
    )
    return [_ticket(r) for r in rows]


async def recent_calls(conn: asyncpg.Connection, office: str, since: datetime, limit: int = 10) -> list[Ticket]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM tickets WHERE office_id = $1 AND called_at >= $2"
        " ORDER BY called_at DESC LIMIT $3", office, since, limit,
    )
    return [_ticket(r) for r in rows]
