"""SQL for offices, services, counters and tickets. Functions take a connection in a transaction."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Sequence

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


async def office_exists(conn: asyncpg.Connection, office: str) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM offices WHERE id = $1", office))


async def upsert_office(conn: asyncpg.Connection, office: str, name: str, timezone: str,
                        settings: dict[str, Any]) -> None:
    await conn.execute(
        "INSERT INTO offices (id, name, timezone, settings) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (id) DO UPDATE SET name = $2, timezone = $3, settings = $4,"
        " config_version = offices.config_version + 1",     # issuing's cached copies are now stale (issuing.py)
        office, name, timezone, settings,
    )


async def upsert_service(conn: asyncpg.Connection, office: str, spec: dict[str, Any], position: int) -> None:
    await conn.execute(
        "INSERT INTO services (office_id, code, name, name_en, field, prefix, width, start, position, active,"
        " icon, procedures) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, true, $10, $11)"
        " ON CONFLICT (office_id, code) DO UPDATE SET name = $3, name_en = $4, field = $5, prefix = $6,"
        " width = $7, start = $8, position = $9, active = true, icon = $10, procedures = $11",
        office, spec["code"], spec["name"], spec.get("name_en", ""), spec.get("field", ""),
        spec.get("prefix"), spec.get("width", 3), spec.get("start", 0), position, spec.get("icon"),
        spec.get("procedures", []),
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
        "SELECT code, name, name_en, field, prefix, width, start, icon, procedures FROM services"
        " WHERE office_id = $1 AND active ORDER BY position, code", office,
    )


def service_not_found(office: str, code: str) -> NotFound:
    return NotFound(f"Văn phòng '{office}' không có dịch vụ '{code}'", f"Office '{office}' has no service '{code}'")


async def get_service(conn: asyncpg.Connection, office: str, code: str) -> tuple[asyncpg.Record, NumberFormat]:
    row = await conn.fetchrow(
        "SELECT code, name, name_en, prefix, width, start, procedures FROM services"
        " WHERE office_id = $1 AND code = $2 AND active", office, code,
    )
    if row is None:
        raise service_not_found(office, code)
    return row, NumberFormat(prefix=row["prefix"], width=row["width"], start=row["start"])


def _counter(row: asyncpg.Record) -> Counter:
    return Counter(row["office_id"], row["id"], row["name"], tuple(row["services"]), row["paused"],
                   row["recent_calls"])


# The heads of a counter's queues, each locked, by ticket id: what the policy chooses from and the ticket as read.
Heads = dict[str, tuple[Candidate, Ticket]]


@dataclass(frozen=True)
class OpenCounter:
    office: Office
    counter: Counter
    current: Ticket | None                                 # its ticket being called or served, locked
    heads: Heads | None                                    # as lock_heads; None: not read (see open_counter)


_OPEN_COUNTER = """
WITH c AS MATERIALIZED (
    SELECT o.name AS office_name, o.timezone, o.settings, c.* FROM counters c JOIN offices o ON o.id = c.office_id
     WHERE c.office_id = $1 AND c.id = $2 AND c.active FOR NO KEY UPDATE OF c
)
SELECT c.*, cur AS current_ticket,
       CASE WHEN NOT c.paused AND (cur).id::text IS NOT DISTINCT FROM $3
            THEN ARRAY(SELECT h FROM counter_heads(c.office_id, c.services, c.id) AS h) END AS heads
  FROM c LEFT JOIN LATERAL counter_current_ticket(c.office_id, c.id) AS cur ON true
"""


async def open_counter(conn: asyncpg.Connection, office: str, counter: str, completing: str | None) -> OpenCounter:
    """What "complete & next" decides on, in one round trip (migration 035): the office, the counter with its lock,
    its current ticket, and the heads of its queues (lock_heads), each locked once the counter's lock is held.
    The heads are read only when the press can go on: the counter is open and its current ticket is the one it
    completes (`completing`, or none for none); otherwise `heads` is None and no head is held meanwhile."""
    row = await conn.fetchrow(_OPEN_COUNTER, office, counter, completing)
    if row is None:                       # say which is missing
        await get_office(conn, office)
        await get_counter(conn, office, counter)
        raise AssertionError("unreachable")
    current = row["current_ticket"]
    return OpenCounter(Office(office, row["office_name"], row["timezone"], row["settings"]), _counter(row),
                       _ticket(current) if current is not None else None,
                       None if row["heads"] is None else _heads(row["heads"]))


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


def remember_call(office: str, counter: str, was_priority: bool) -> Statement:
    """Append to the counter's recent-call history (kept short) for the fairness rule: sent with the call's events."""
    return ("UPDATE counters SET recent_calls = right(recent_calls || $3, 32) WHERE office_id = $1 AND id = $2"
            " RETURNING 1", (office, counter, "P" if was_priority else "N"))


_COLUMNS = (
    "id, office_id, service_code, origin_service, local_day, seq, number, priority, status, counter_id,"
    " for_counter, issued_at, queued_at, called_at, started_at, finished_at, skipped_at, recall_count,"
    " transfer_count, version, procedure, citizen_id"
)


def _ticket(row: asyncpg.Record) -> Ticket:
    return Ticket(
        id=str(row["id"]), office=row["office_id"], service=row["service_code"],
        origin_service=row["origin_service"], local_day=row["local_day"], seq=row["seq"],
        number=row["number"], priority=row["priority"], status=Status(row["status"]),
        issued_at=row["issued_at"], queued_at=row["queued_at"], counter=row["counter_id"],
        for_counter=row["for_counter"], called_at=row["called_at"], started_at=row["started_at"],
        finished_at=row["finished_at"], skipped_at=row["skipped_at"], recall_count=row["recall_count"],
        transfer_count=row["transfer_count"], version=row["version"], procedure=row["procedure"],
        citizen_id=str(row["citizen_id"]) if row["citizen_id"] else None,
    )


Statement = tuple[str, tuple[object, ...]]     # as services.store.outbox.Statement

_SAVE_TICKET = (
    "UPDATE tickets SET service_code = $2, status = $3, counter_id = $4, for_counter = $5, queued_at = $6,"
    " called_at = $7, started_at = $8, finished_at = $9, skipped_at = $10, recall_count = $11,"
    " transfer_count = $12, version = version + 1 WHERE id = $1")


def _save_args(t: Ticket) -> tuple[object, ...]:
    return (uuid.UUID(t.id), t.service, t.status.value, t.counter, t.for_counter, t.queued_at, t.called_at,
            t.started_at, t.finished_at, t.skipped_at, t.recall_count, t.transfer_count)


async def save_ticket(conn: asyncpg.Connection, t: Ticket) -> Ticket:
    """Store a changed ticket (its row locked by the caller); returns it with its new version."""
    version = await conn.fetchval(_SAVE_TICKET + " RETURNING version", *_save_args(t))
    return replace(t, version=version)


def save_ticket_statement(t: Ticket) -> tuple[Ticket, Statement]:
    """A changed ticket as it will be once saved (its next version), and the statement that saves it, to send with
    its events. The caller holds the row's lock; the statement writes nothing if the version moved on anyway."""
    return replace(t, version=t.version + 1), (
        _SAVE_TICKET + " AND version = $13 RETURNING 1", (*_save_args(t), t.version))


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
    """The ticket the counter is calling or serving, locked (counter_current_ticket, migration 035)."""
    row = await conn.fetchrow("SELECT * FROM counter_current_ticket($1, $2)", office, counter)
    return _ticket(row) if row else None


# The first $4 waiting tickets of each queue of services $2 (priority and normal), and those sent to counter $3, in
# index order, unlocked: the queues that counter_heads (migration 035) reads and locks one deep.
_HEAD = ("SELECT id, service_code, priority, queued_at, seq, for_counter FROM tickets"
         " WHERE office_id = $1 AND status = 'waiting'")
_HEADS = (f"SELECT h.* FROM unnest($2::text[]) AS s(code), unnest(ARRAY[true, false]) AS p(prio),"
          f" LATERAL ({_HEAD} AND service_code = s.code AND for_counter IS NULL"
          f"          AND (priority IS NOT NULL) = p.prio ORDER BY queued_at, seq LIMIT $4) AS h"
          f" UNION ALL SELECT f.* FROM ({_HEAD} AND for_counter = $3 AND service_code = ANY($2::text[])"
          f"            ORDER BY queued_at, seq LIMIT $4) AS f")


def _candidate(r: asyncpg.Record) -> Candidate:
    return Candidate(str(r["id"]), r["service_code"], r["priority"] is not None, r["queued_at"], r["seq"],
                     r["for_counter"])


async def candidates(conn: asyncpg.Connection, office: str, services: tuple[str, ...], counter: str,
                     depth: int = 1) -> list[Candidate]:
    """The first `depth` tickets of each queue the counter calls from (each service's priority and normal queue,
    and the tickets sent to this counter), read in index order: the cost does not grow with the queue's length."""
    return [_candidate(r) for r in await conn.fetch(_HEADS, office, list(services), counter, depth)]


async def lock_heads(conn: asyncpg.Connection, office: str, services: tuple[str, ...],
                     counter: str) -> Heads:
    """candidates(), each head locked for this transaction and read whole, skipping the heads other clerks hold at
    this moment (FOR UPDATE SKIP LOCKED): clerks of one office pick at the same time, and never the same ticket.
    (counter_heads, migration 035.)"""
    return _heads(await conn.fetch("SELECT * FROM counter_heads($1, $2, $3)", office, list(services), counter))


def _heads(rows: Sequence[asyncpg.Record]) -> Heads:
    return {str(r["id"]): (_candidate(r), _ticket(r)) for r in rows}


@dataclass(frozen=True)
class PositionFacts:
    ahead: int
    open_counters: int
    recent_durations_s: list[float]


# Waiting tickets likely served before this one (same service; priority ones before normal ones, then queue order:
# queued_at, seq, id), open counters for the service, recent service durations. The live read model counts the
# same way (services.live.queue). $1 office, $2 service, $3 ticket id, $4 is priority, $5 queued_at, $6 since,
# $7 seq (a ticket not numbered yet: after every other).
def service_facts(since: str, office: str = "$1", service: str = "$2") -> str:
    """Open counters for service `service` of office `office`, and its service durations since `since` (each a
    placeholder)."""
    return (f" (SELECT count(*) FROM counters WHERE office_id = {office} AND active AND NOT paused"
            f"        AND {service} = ANY(services)) AS open_counters,"
            " ARRAY(SELECT extract(epoch FROM finished_at - started_at)::float8 FROM tickets"
            f"       WHERE office_id = {office} AND service_code = {service} AND status = 'done'"
            f"       AND finished_at >= {since} AND started_at IS NOT NULL ORDER BY finished_at DESC LIMIT 20)"
            " AS durations")


_POSITION_FACTS = (
    "(SELECT count(*) FROM tickets WHERE office_id = $1 AND service_code = $2"
    "        AND status = 'waiting' AND id <> $3 AND (CASE WHEN $4 THEN priority IS NOT NULL"
    "        AND (queued_at, seq, id) < ($5, $7, $3) ELSE priority IS NOT NULL"
    "        OR (queued_at, seq, id) < ($5, $7, $3) END)) AS ahead," + service_facts("$6")
)
_UNNUMBERED = 2_147_483_647


def position_of_row(row: asyncpg.Record) -> PositionFacts:
    return PositionFacts(row["ahead"], row["open_counters"], list(row["durations"]))


async def position_facts(conn: asyncpg.Connection, office: str, service: str, ticket_id: str, is_priority: bool,
                         queued_at: datetime, seq: int | None, since: datetime) -> PositionFacts:
    """In one round trip: see _POSITION_FACTS."""
    row = await conn.fetchrow(f"SELECT {_POSITION_FACTS}", office, service, uuid.UUID(ticket_id), is_priority,
                              queued_at, since, _UNNUMBERED if seq is None else seq)
    return position_of_row(row)


@dataclass(frozen=True)
class IssueReads:
    office: Office
    service: tuple[asyncpg.Record, NumberFormat] | None   # None: the office has no such active service
    version: int                                           # the office's configuration version (migration 033)
    replay_of: str | None                                  # the id of the ticket issued earlier with this key


async def issue_reads(conn: asyncpg.Connection, office: str, service: str, idempotency_key: str | None) -> IssueReads:
    """What issuing reads before it takes a number, in one round trip: the office, its active service and its
    configuration's version, and a ticket issued earlier with the same Idempotency-Key."""
    row = await conn.fetchrow(
        "SELECT o.id, o.name AS office_name, o.timezone, o.settings, o.config_version, s.code, s.name, s.name_en,"
        " s.prefix, s.width, s.start, s.procedures,"
        " (SELECT id FROM tickets WHERE office_id = $1 AND idempotency_key = $3) AS replay_of"
        " FROM offices o LEFT JOIN services s ON s.office_id = o.id AND s.code = $2 AND s.active WHERE o.id = $1",
        office, service, idempotency_key)
    if row is None:
        raise _office_not_found(office)
    found = Office(row["id"], row["office_name"], row["timezone"], row["settings"])
    asked = None if row["code"] is None else (
        row, NumberFormat(prefix=row["prefix"], width=row["width"], start=row["start"]))
    return IssueReads(found, asked, row["config_version"], str(row["replay_of"]) if row["replay_of"] else None)


async def waiting_counts(conn: asyncpg.Connection, office: str) -> dict[str, tuple[int, int]]:
    """Per service: (waiting, of which priority), in full (lists are cut; counts never are), as the triggers of
    migration 032 keep them."""
    rows = await conn.fetch(
        "SELECT service_code, sum(waiting)::int AS n, (sum(waiting) FILTER (WHERE priority))::int AS p"
        " FROM waiting_counts WHERE office_id = $1 GROUP BY service_code HAVING sum(waiting) > 0", office,
    )
    return {r["service_code"]: (r["n"], r["p"] or 0) for r in rows}


async def waiting_tickets(conn: asyncpg.Connection, office: str, limit: int = 500) -> list[Ticket]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM tickets WHERE office_id = $1 AND status = 'waiting'"
        " ORDER BY queued_at, seq LIMIT $2", office, limit,
    )
    return [_ticket(r) for r in rows]


async def unfinished_tickets(conn: asyncpg.Connection, office: str, today: date, closed: bool,
                             limit: int) -> list[Ticket]:
    """Tickets due to expire: unfinished from an earlier local day; and from today, once closed, all but those
    being served. Locked, skipping any another transaction holds (it is changing them right now)."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM tickets WHERE office_id = $1 AND status IN ('waiting', 'called', 'serving', 'no_show')"
        " AND (local_day < $2 OR ($3 AND local_day = $2 AND status <> 'serving'))"
        " ORDER BY local_day, seq LIMIT $4 FOR UPDATE SKIP LOCKED", office, today, closed, limit,
    )
    return [_ticket(r) for r in rows]


async def waiting_compact(conn: asyncpg.Connection, office: str) -> list[list[Any]]:
    """Every waiting ticket, compactly: [id, number, service, priority, queued_at, seq, for_counter, version,
    procedure] in queue order."""
    rows = await conn.fetch(
        "SELECT id, number, service_code, priority, queued_at, seq, for_counter, version, procedure FROM tickets"
        " WHERE office_id = $1 AND status = 'waiting' ORDER BY queued_at, seq, id", office,
    )
    return [[str(r["id"]), r["number"], r["service_code"], r["priority"], r["queued_at"].isoformat(), r["seq"],
             r["for_counter"], r["version"], r["procedure"]] for r in rows]


async def recent_durations(conn: asyncpg.Connection, office: str, since: datetime) -> dict[str, list[float]]:
    """Per service, the last 20 service times (seconds) since `since`, newest first."""
    rows = await conn.fetch(
        "SELECT s.code AS service_code, ARRAY(SELECT extract(epoch FROM t.finished_at - t.started_at)::float8"
        "  FROM tickets t"
        "  WHERE t.office_id = $1 AND t.service_code = s.code AND t.status = 'done' AND t.finished_at >= $2"
        "  AND t.started_at IS NOT NULL ORDER BY t.finished_at DESC LIMIT 20) AS durations"
        " FROM services s WHERE s.office_id = $1 AND s.active", office, since,
    )
    return {r["service_code"]: list(r["durations"]) for r in rows}


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
