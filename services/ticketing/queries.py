"""Ticketing reads: offices, services, queues, one ticket's position, health. No state changes."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

import asyncpg

from services import messages as m
from services.domain.access import Actor, Right, check
from services.domain.estimate import estimate_wait_s
from services.domain.office import OfficeRules
from services.domain.office_config import configuration_document
from services.domain.tickets import Status, Ticket
from services.store import outbox
from services.store import repository as repo
from services.ticketing.views import ticket_view

POSITION_HISTORY = timedelta(hours=8)       # the service durations a wait is estimated from: the last 8 hours'


class TicketingReads:
    _pool: asyncpg.Pool
    _clock: Callable[[], datetime]

    async def _read(self, work: Callable[[asyncpg.Connection], Awaitable[Any]]) -> Any:
        """Read in one consistent snapshot: every query of `work` sees the same committed state."""
        async with self._pool.acquire() as conn:
            async with conn.transaction(readonly=True, isolation="repeatable_read"):
                return await work(conn)

    async def _position(self, conn: asyncpg.Connection, t: Ticket, office_rules: OfficeRules) -> dict[str, int]:
        if t.status is not Status.WAITING:
            return {"waiting_ahead": 0, "estimated_wait_s": 0}
        facts = await repo.position_facts(conn, t.office, t.service, t.id, t.priority is not None, t.queued_at,
                                          t.seq or None, self._clock() - POSITION_HISTORY)
        return self.position_of(facts, office_rules)

    @staticmethod
    def position_of(facts: repo.PositionFacts, office_rules: OfficeRules) -> dict[str, int]:
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
                "opening_time": office_rules.opening_time.strftime("%H:%M"),
                "closing_time": office_rules.closing_time.strftime("%H:%M"),
                "bank": office_rules.bank,
                "rating_scale": office_rules.rating_scale,
                "wait_alert_s": office_rules.wait_alert_s,
                "province": office_rules.province,
            }

        return await self._read(work)

    async def get_office_configuration(self, cmd: m.GetOfficeConfiguration) -> dict[str, Any]:
        """The office as PUT /api/offices/{office} takes it (its managers and admins: the settings pages)."""
        check(Actor.from_dict(cmd.actor), Right.CONFIGURE_OFFICE, cmd.office)

        async def work(conn: asyncpg.Connection) -> Any:
            office = await repo.get_office(conn, cmd.office)
            services = [dict(r) for r in await repo.list_services(conn, cmd.office)]
            counters = [{"id": c.id, "name": c.name, "services": c.services}
                        for c in await repo.list_counters(conn, cmd.office)]
            return configuration_document(office.name, office.timezone, office.settings or {}, services, counters)

        return await self._read(work)

    async def get_queue(self, cmd: m.GetQueue) -> dict[str, Any]:
        async def work(conn: asyncpg.Connection) -> Any:
            snapshot = await conn.fetchval("SELECT pg_current_snapshot()::text")
            office = await repo.get_office(conn, cmd.office)
            services = await repo.list_services(conn, cmd.office)
            counters = await repo.list_counters(conn, cmd.office)
            counts = await repo.waiting_counts(conn, cmd.office)
            waiting = await repo.waiting_tickets(conn, cmd.office)
            active = {t.counter: t for t in await repo.active_tickets(conn, cmd.office)}
            since = self._clock() - timedelta(hours=12)
            recent = await repo.recent_calls(conn, cmd.office, since)
            return {
                "office": office.id, "name": office.name, "at": self._clock().isoformat(),
                "snapshot": snapshot,   # which committed transactions this reflects (services.live.snapshots)
                "services": [
                    {"code": s["code"], "name": s["name"], "name_en": s["name_en"],
                     "waiting": counts.get(s["code"], (0, 0))[0], "priority_waiting": counts.get(s["code"], (0, 0))[1]}
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

    async def get_office_state(self, cmd: m.GetOfficeState) -> dict[str, Any]:
        async def work(conn: asyncpg.Connection) -> Any:
            snapshot = await conn.fetchval("SELECT pg_current_snapshot()::text")
            office = await repo.get_office(conn, cmd.office)
            office_rules = office.rules
            now = self._clock()
            active = {t.counter: t for t in await repo.active_tickets(conn, cmd.office)}
            return {
                "office": office.id, "name": office.name, "timezone": office.timezone, "at": now.isoformat(),
                "snapshot": snapshot,
                "rules": {"fair_normal": office_rules.fairness.normal, "fair_priority": office_rules.fairness.priority,
                          "fair_after_wait_s": office_rules.fairness.after_wait_s,
                          "default_service_s": office_rules.default_service_s},
                "services": [{"code": s["code"], "name": s["name"], "name_en": s["name_en"]}
                             for s in await repo.list_services(conn, cmd.office)],
                "counters": [{"id": c.id, "name": c.name, "services": list(c.services), "paused": c.paused,
                              "history": c.recent_calls,
                              "current": ticket_view(active[c.id]) if c.id in active else None}
                             for c in await repo.list_counters(conn, cmd.office)],
                "waiting": await repo.waiting_compact(conn, cmd.office),
                "recent_calls": [ticket_view(t) for t in
                                 await repo.recent_calls(conn, cmd.office, now - timedelta(hours=12))],
                "durations": await repo.recent_durations(conn, cmd.office, now - timedelta(hours=8)),
            }

        return await self._read(work)

    async def locate_ticket(self, cmd: m.LocateTicket) -> dict[str, Any]:
        async with self._pool.acquire() as conn:
            office = await conn.fetchval("SELECT office_id FROM tickets WHERE id = $1",
                                         repo.parse_ticket_id(cmd.ticket_id))
        if office is None:
            raise repo.NotFound(f"Không tìm thấy phiếu '{cmd.ticket_id}'", f"Ticket '{cmd.ticket_id}' not found")
        return {"id": cmd.ticket_id, "office": office}

    async def get_ticket(self, cmd: m.GetTicket) -> dict[str, Any]:
        async def work(conn: asyncpg.Connection) -> Any:
            ticket = await repo.load_ticket(conn, cmd.ticket_id)
            office = await repo.get_office(conn, ticket.office)
            return {**ticket_view(ticket), **await self._position(conn, ticket, office.rules)}

        return await self._read(work)

    async def health(self, cmd: m.Health) -> dict[str, Any]:
        async with self._pool.acquire() as conn:
            return {"database": True, "outbox": await outbox.backlog(conn)}
