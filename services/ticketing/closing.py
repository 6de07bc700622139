"""The end of an office's day: at its closing time, tickets still waiting, called or missed expire with an event;
tickets being served are left to their clerk until the local day ends. Yesterday's numbers never wait forever."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any, Awaitable, Callable

import asyncpg

from services import messages as m
from services.domain import tickets as rules
from services.domain.numbering import local_day
from services.store import repository as repo
from services.store.db import DATABASE_DOWN
from services.ticketing.views import came_from, ticket_view

log = logging.getLogger(__name__)

BATCH = 500
EVERY_S = 60.0

Run = Callable[[Callable[[asyncpg.Connection], Awaitable[tuple[Any, list[m.Event]]]]], Awaitable[Any]]


async def expire_due(pool: asyncpg.Pool, run: Run, clock: Callable[[], datetime]) -> int:
    """Expire every office's tickets that are due now; returns how many expired."""
    async with pool.acquire() as conn:
        offices = [repo.Office(r["id"], r["name"], r["timezone"], r["settings"])
                   for r in await conn.fetch("SELECT id, name, timezone, settings FROM offices")]
    total = 0
    for office in offices:
        office_rules = office.rules
        now = clock()
        today = local_day(now, office_rules.tz)
        closed = now.astimezone(office_rules.tz).time() >= office_rules.closing_time

        async def work(conn: asyncpg.Connection, office_id: str = office.id) -> tuple[int, list[m.Event]]:
            due = await repo.unfinished_tickets(conn, office_id, today, closed, BATCH)
            events: list[m.Event] = []
            for ticket in due:
                expired = await repo.save_ticket(conn, rules.expire(ticket, now))
                events.append(m.TicketExpired(office=office_id, ticket=ticket_view(expired), counter=ticket.counter,
                                              data={**came_from(ticket), "reason": "closing" if ticket.local_day == today
                                                    else "day_ended"}))
            return len(due), events

        while (done := await run(work)) > 0:
            total += done
            if done < BATCH:
                break
    if total:
        log.info("expired %d unfinished tickets at closing time", total)
    return total


async def expire_forever(pool: asyncpg.Pool, run: Run, clock: Callable[[], datetime]) -> None:
    while True:
        try:
            await expire_due(pool, run, clock)
        except DATABASE_DOWN:
            log.warning("closing: database unavailable; will retry")
        except Exception:  # noqa: BLE001 - one bad office configuration must not stop the others' expiry forever
            log.exception("closing: expiry failed; will retry")
        await asyncio.sleep(EVERY_S)
