"""A new ticket in one statement: its number taken, the ticket and its event written and its place in the queue read,
with no transaction around.

Issuing knows the office's configuration from an earlier read (repository.issue_reads, kept by the ticketing service
per office and service) and writes with this one statement: one round trip to PostgreSQL where BEGIN, the reads, the
number, the ticket with its event and COMMIT took five. The statement writes only if the office's configuration is
still the version that was read (offices.config_version, moved on by every change); otherwise it writes nothing and
the caller reads again. One statement is one transaction: the number's row lock is held only while it runs, and a
statement that fails (a racing duplicate Idempotency-Key) takes nothing, so numbers stay gapless. What needs the number
(its label, the event's copy of the ticket) is filled in by PostgreSQL, with the functions of migration 033."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

import asyncpg

from services import deadlines
from services.domain.numbering import NumberFormat
from services.domain.tickets import Ticket
from services.messages import Event, event_json, event_subject
from services.store.outbox import notifying
from services.store.repository import PositionFacts, position_of_row, service_facts

_ISSUE = """
WITH numbered AS (
    INSERT INTO number_sequences AS n (office_id, service_code, local_day, last_seq, last_issued_at)
    SELECT $2, $3, $4, 1, $6 WHERE EXISTS (SELECT 1 FROM offices WHERE id = $2 AND config_version = $16)
    ON CONFLICT (office_id, service_code, local_day) DO UPDATE
        SET last_seq = n.last_seq + 1, last_issued_at = greatest(n.last_issued_at, EXCLUDED.last_issued_at)
    RETURNING last_seq AS seq, last_issued_at AS issued_at
), labelled AS (
    SELECT seq, issued_at, ticket_label($11, $12, $13, seq) AS number, iso_utc(issued_at) AS issued_iso
      FROM numbered
), ticket AS (
    INSERT INTO tickets (id, office_id, service_code, origin_service, local_day, seq, number, priority, status,
                         issued_at, queued_at, procedure, citizen_id, idempotency_key)
    SELECT $1, $2, $3, $3, $4, seq, number, $5, 'waiting', issued_at, issued_at, $7, $8, $9 FROM labelled
    RETURNING 1
), written AS (
    INSERT INTO outbox (event_id, subject, payload)
    SELECT $14, $15, p || jsonb_build_object(
               'txid', pg_current_xact_id()::text::bigint,
               'ticket', (p -> 'ticket') || jsonb_build_object('seq', seq, 'number', number,
                                                               'issued_at', issued_iso, 'queued_at', issued_iso))
      FROM labelled, (SELECT $10::text::jsonb AS p) AS event
    RETURNING 1
)
SELECT seq, number, issued_at, (SELECT count(*) FROM ticket) AS tickets, (SELECT count(*) FROM written) AS events,
       {notify},
       -- Its place: a new ticket goes after every waiting one of its service, a priority one after the priority
       -- ones only. The queue's count is kept by triggers (migrations 032, 034) and read once the number is taken,
       -- with a snapshot of its own (waiting_ahead), as it was before this ticket.
       waiting_ahead($2, $3, $5::text IS NOT NULL) AS ahead,
       {facts}
  FROM labelled
"""
_ISSUE_NOTIFYING = _ISSUE.format(notify=notifying("'1'"), facts=service_facts("$17", office="$2", service="$3"))
_ISSUE_QUIET = _ISSUE.format(notify="NULL", facts=service_facts("$17", office="$2", service="$3"))


@dataclass(frozen=True)
class Issued:
    ticket: Ticket
    position: PositionFacts


async def issue_ticket(conn: asyncpg.Connection, prefix: str, draft: Ticket, number_format: NumberFormat,
                       config_version: int, idempotency_key: str | None, event: Event,
                       durations_since: datetime, *, notify: bool = True) -> Issued | None:
    """Number `draft` (a waiting ticket whose seq, number and times are still to come: its issued_at is the time
    read before), write it and `event` (whose `ticket` is the draft's view) on a connection outside any
    transaction; returns the ticket as written and its place in the queue, or None (nothing written) when the
    office's configuration is no longer `config_version`. Refused once the caller's deadline has passed.
    `notify=False`: the caller wakes the active relay itself (outbox.append, outbox.notifying)."""
    if conn.is_in_transaction():
        raise RuntimeError("issue_ticket is one statement of its own; it must not run inside a transaction")
    deadlines.check()
    row = await conn.fetchrow(
        _ISSUE_NOTIFYING if notify else _ISSUE_QUIET,
        uuid.UUID(draft.id), draft.office, draft.service, draft.local_day, draft.priority, draft.issued_at,
        draft.procedure, uuid.UUID(draft.citizen_id) if draft.citizen_id else None, idempotency_key,
        event_json(event).decode(), number_format.prefix, number_format.width, number_format.start,
        uuid.UUID(event.event_id), event_subject(prefix, event), config_version, durations_since,
    )
    if row is None:
        return None
    if row["tickets"] != 1 or row["events"] != 1:
        raise AssertionError(f"issuing wrote {row['tickets']} tickets and {row['events']} events")
    issued_at: datetime = row["issued_at"]
    ticket = replace(draft, seq=row["seq"], number=row["number"], issued_at=issued_at, queued_at=issued_at)
    return Issued(ticket, position_of_row(row))
