"""Ticketing reads: offices, services, queues, one ticket's position, health. No state changes."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

import asyncpg

from services import messages as m
from services.domain.estimate import estimate_wait_s
from services.domain.office import OfficeRules
from services.domain.tickets import Status, Ticket
from services.store import repository as repo
from services.ticketing.views import ticket_view


class TicketingReads:
    _pool: asyncpg.Pool
    _clock: Callable[[], datetime]

    async def _read(self, work: Callable[[asyncpg.Connection], Awaitable[Any]]) -> Any:
        async with self._pool.acquire() as conn:
            async with conn.transaction(readonly=True):
                return await work(conn)

    async def _position(self, conn: asyncpg.Connection, t: Ticket, office_rules: OfficeRules) -> dict[str, int]:
        if t.status is not Status.WAITING:
            return {"waiting_ahead": 0, "estimated_wait_s": 0}
        facts = await repo.position_facts(conn, t.office, t.service, t.id, t.priority is not None, t.queued_at,
                                          self._clock() - timedelta(hours=8))
        wait = estimate_wait_s(facts.ahead, facts.recent_durations_s, facts.open_counters,
                               office_rules.default_service_s)
        return {"waiting_ahead": facts.ahead, "estimated_wait_s": wait}

    async def list_services(self, cmd: m.ListServices) -> list[dict[str, Any]]:
        async def work(conn: asyncpg.Connection) -> Any:
            await repo.get_office(conn, cmd.office)
            return [dict(r) for r in await repo.list_services(conn, cmd.office)]

        return await self._read(work)

    async def get_office(self, cmd: m.GetOffice) -> dict[str, Any]:
        async def work(conn: asyncpg.Connection) -> Any:
            office = await repo.get_office(conn, cmd.office)
            office_rules = office.rules
            counters = await repo.list_counters(conn, cmd.office)
            return {
                "id": office.id, "name": office.name, "timezone": office.timezone,
                "services": [dict(r) for r in await repo.list_services(conn, cmd.office)],
                "counters": [{"id": c.id, "name": c.name, "services": list(c.services), "paused": c.paused}
                             for c in counters],
                "priority_categories": [{"code": code, "name": vi, "name_en": en}
                                        for code, (vi, en) in office_rules.priority_categories.items()],
                "no_show_grace_s": office_rules.no_show_grace_s,
            }

        return await self._read(work)

    async def get_queue(self, cmd: m.GetQueue) -> dict[str, Any]:
        async def work(conn: asyncpg.Connection) -> Any:
            office = await repo.get_office(conn, cmd.office)
            services = await repo.list_services(conn, cmd.office)
            counters = await repo.list_counters(conn, cmd.office)
            waiting = await repo.waiting_tickets(conn, cmd.office)
            active = {t.counter: t for t in await repo.active_tickets(conn, cmd.office)}
            since = self._clock() - timedelta(hours=12)
            recent = await repo.recent_calls(conn, cmd.office, since)
            return {
                "office": office.id, "name": office.name, "at": self._clock().isoformat(),
                "services": [
                    {"code": s["code"], "name": s["name"], "name_en": s["name_en"],
                     "waiting": sum(1 for t in waiting if t.service == s["code"]),
                     "priority_waiting": sum(1 for t in waiting if t.service == s["code"] and t.priority)}
                    for s in services
                ],
                "counters": [
                    {"id": c.id, "name": c.name, "services": list(c.services), "paused": c.paused,
                     "current": ticket_view(active[c.id]) if c.id in active else None}
                    for c in counters
                ],
                "waiting": [ticket_view(t) for t in waiting],
                "recent_calls": [ticket_view(t) for t in recent],
            }

        return await self._read(work)

    async def get_ticket(self, cmd: m.GetTicket) -> dict[str, Any]:
        async def work(conn: asyncpg.Connection) -> Any:
            ticket = await repo.load_ticket(conn, cmd.ticket_id)
            office = await repo.get_office(conn, ticket.office)
            return {**ticket_view(ticket), **await self._position(conn, ticket, office.rules)}

        return await self._read(work)

    async def health(self, cmd: m.Health) -> dict[str, Any]:
        async with self._pool.acquire() as conn:
            await conn.fetchval("SELECT 1")
        return {"database": True}
