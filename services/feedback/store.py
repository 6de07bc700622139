"""The feedback service's tables: tickets served at a counter (projected from ticket.completed) and votes."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Sequence

import asyncpg

from services import messages as m

SERVED_KEPT_DAYS = 3   # a vote comes the same day; older served tickets are dropped from the projection


async def apply_completions(conn: asyncpg.Connection, batch: Sequence[tuple[int, m.Event]]) -> None:
    """Projection of ticket.completed: where and by whom each ticket was served."""
    rows = []
    for _seq, event in batch:
        ticket = event.ticket
        if event.type != "ticket.completed" or not ticket:
            continue
        actor = event.actor or {}
        rows.append((uuid.UUID(ticket["id"]), ticket["office"], ticket["number"], ticket.get("counter"),
                     actor.get("name") if actor.get("type") == "user" else None,
                     ticket.get("origin_service") or ticket["service"], ticket.get("procedure"),
                     date.fromisoformat(ticket["local_day"]),
                     datetime.fromisoformat(ticket.get("finished_at") or event.occurred_at)))
    if not rows:
        return
    await conn.executemany(
        "INSERT INTO feedback_served (ticket_id, office_id, number, counter_id, clerk, service_code, procedure,"
        " local_day, completed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT (ticket_id) DO UPDATE SET counter_id = EXCLUDED.counter_id, clerk = EXCLUDED.clerk,"
        " completed_at = EXCLUDED.completed_at", rows)
    newest = max(r[7] for r in rows)
    await conn.execute("DELETE FROM feedback_served WHERE local_day < $1", date.fromordinal(
        newest.toordinal() - SERVED_KEPT_DAYS))


async def served(conn: asyncpg.Connection, ticket_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM feedback_served WHERE ticket_id = $1", uuid.UUID(ticket_id))


async def rating(conn: asyncpg.Connection, ticket_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM ratings WHERE ticket_id = $1", uuid.UUID(ticket_id))


async def insert_rating(conn: asyncpg.Connection, vote: dict[str, Any]) -> bool:
    """False when the ticket already has a vote."""
    inserted = await conn.fetchval(
        "INSERT INTO ratings (ticket_id, vote_id, office_id, counter_id, clerk, service_code, procedure, local_day,"
        " level, scale, reasons, via, device_id, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        " ON CONFLICT (ticket_id) DO NOTHING RETURNING true",
        uuid.UUID(vote["ticket_id"]), uuid.UUID(vote["vote_id"]), vote["office"], vote["counter"], vote["clerk"],
        vote["service"], vote["procedure"], date.fromisoformat(vote["local_day"]), vote["level"], vote["scale"],
        vote["reasons"], vote["via"], vote["device_id"], datetime.fromisoformat(vote["created_at"]))
    return bool(inserted)


def vote_view(row: asyncpg.Record) -> dict[str, Any]:
    return {"ticket_id": str(row["ticket_id"]), "vote_id": str(row["vote_id"]), "level": row["level"],
            "scale": row["scale"], "reasons": list(row["reasons"]), "via": row["via"],
            "counter": row["counter_id"], "created_at": row["created_at"].isoformat()}
