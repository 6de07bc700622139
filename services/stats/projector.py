"""The stats projection: office descriptions, one row of facts per ticket, votes; the office-days they touch are
marked for the daily rollup (services.stats.rollup). Applied by services.store.projection, a batch at a time."""
from __future__ import annotations

import logging
import uuid
from datetime import date
from typing import Any, Sequence
from zoneinfo import ZoneInfo

import asyncpg

from services import messages as m
from services.domain.office import DEFAULT_TIMEZONE, zone
from services.domain.stats import apply_ticket_event

log = logging.getLogger(__name__)

NAME = "stats"
TABLES = ("stats_offices", "stats_tickets", "stats_office_days", "stats_dirty")
FACT_COLUMNS = ("office_id", "local_day", "number", "service_code", "procedure", "priority", "issued_at",
                "issued_hour", "first_called_at", "started_at", "finished_at", "outcome", "counter_id", "clerk",
                "wait_s", "service_s", "transferred", "recalls", "rating", "rating_reasons")
_UPSERT = (
    f"INSERT INTO stats_tickets (ticket_id, {', '.join(FACT_COLUMNS)}) VALUES "
    f"({', '.join(f'${i}' for i in range(1, len(FACT_COLUMNS) + 2))}) ON CONFLICT (ticket_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in FACT_COLUMNS)
)


class StatsProjector:
    def __init__(self) -> None:
        self._zones: dict[str, ZoneInfo] = {}

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[tuple[int, m.Event]]) -> None:
        ticket_ids = {e.ticket["id"] for _, e in batch if e.type.startswith("ticket.") and e.ticket}
        ticket_ids |= {e.data.get("ticket_id") for _, e in batch if e.type == "rating.given"} - {None}
        facts: dict[str, dict[str, Any]] = {}
        if ticket_ids:
            rows = await conn.fetch(f"SELECT ticket_id, {', '.join(FACT_COLUMNS)} FROM stats_tickets"
                                    " WHERE ticket_id = ANY($1::uuid[])", [uuid.UUID(t) for t in ticket_ids])
            facts = {str(r["ticket_id"]): {**dict(r), "local_day": r["local_day"].isoformat()} for r in rows}
        changed: set[str] = set()
        for _seq, event in batch:
            if event.type == "office.configured":
                await self._describe_office(conn, event)
            elif event.type.startswith("ticket.") and event.ticket:
                t = event.ticket
                facts[t["id"]] = apply_ticket_event(facts.get(t["id"]), event.type, t, event.actor,
                                                    await self._zone(conn, t["office"]))
                changed.add(t["id"])
            elif event.type == "rating.given":
                ticket_id = event.data.get("ticket_id")
                if ticket_id in facts:
                    facts[ticket_id]["rating"] = event.data.get("level")
                    facts[ticket_id]["rating_reasons"] = list(event.data.get("reasons") or [])
                    changed.add(ticket_id)
                else:
                    log.warning("stats: vote for ticket %s whose events were never seen; ignored", ticket_id)
        if not changed:
            return
        rows = []
        for ticket_id in changed:
            fact = facts[ticket_id]
            values = [fact[c] for c in FACT_COLUMNS]
            values[1] = date.fromisoformat(fact["local_day"])
            rows.append((uuid.UUID(ticket_id), *values))
        await conn.executemany(_UPSERT, rows)
        dirty = sorted({(r[1], r[2]) for r in rows})
        await conn.executemany("INSERT INTO stats_dirty (office_id, local_day) VALUES ($1, $2)"
                               " ON CONFLICT DO NOTHING", dirty)

    async def _zone(self, conn: asyncpg.Connection, office: str) -> ZoneInfo:
        found = self._zones.get(office)
        if found is None:
            name = await conn.fetchval("SELECT timezone FROM stats_offices WHERE office_id = $1", office)
            found = self._zones[office] = zone(name or DEFAULT_TIMEZONE)
        return found

    async def _describe_office(self, conn: asyncpg.Connection, event: m.Event) -> None:
        d = event.data
        if "timezone" not in d:            # an event from before offices were described: the name is unknown
            await conn.execute("INSERT INTO stats_offices (office_id, name, timezone) VALUES ($1, $1, $2)"
                               " ON CONFLICT (office_id) DO NOTHING", event.office, DEFAULT_TIMEZONE)
            return
        province = d.get("province") or {}
        await conn.execute(
            "INSERT INTO stats_offices (office_id, name, timezone, province, province_name, wait_alert_s,"
            " rating_scale, opening_time, closing_time, service_names, counter_names)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            " ON CONFLICT (office_id) DO UPDATE SET name = EXCLUDED.name, timezone = EXCLUDED.timezone,"
            " province = EXCLUDED.province, province_name = EXCLUDED.province_name,"
            " wait_alert_s = EXCLUDED.wait_alert_s, rating_scale = EXCLUDED.rating_scale,"
            " opening_time = EXCLUDED.opening_time, closing_time = EXCLUDED.closing_time,"
            " service_names = stats_offices.service_names || EXCLUDED.service_names,"
            " counter_names = stats_offices.counter_names || EXCLUDED.counter_names",
            event.office, d.get("name") or event.office, d["timezone"], province.get("code"), province.get("name"),
            int(d.get("wait_alert_s") or 1800), int(d.get("rating_scale") or 5), d.get("opening_time") or "07:30",
            d.get("closing_time") or "17:30", d.get("service_names") or {}, d.get("counter_names") or {})
        self._zones[event.office] = zone(d["timezone"])
