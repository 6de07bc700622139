"""Stats commands: an office's figures, a province's offices side by side, ticket pages for exports, a rebuild."""
from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any, Awaitable, Callable

import asyncpg

from services import messages as m
from services.domain.access import Actor, Right, check, check_in_province
from services.domain.errors import Forbidden, InvalidInput, NotFound
from services.domain.office import DEFAULT_TIMEZONE, check_id, zone
from services.stats import projector, queries
from services.stats.rollup import roll_up
from services.store import projection
from services.store.db import RoutedCommands

log = logging.getLogger(__name__)

Ask = Callable[[m.Command], Awaitable[Any]]
MAX_DAYS = 400          # a year and a bit, in one request
MAX_PAGE = 5000


def day_range(raw_from: str | None, raw_to: str | None, today: date) -> tuple[date, date]:
    """[from, to] in local days; either missing means today (or the other end)."""
    def parse(raw: str | None, name: str) -> date | None:
        if raw is None or raw == "":
            return None
        try:
            return date.fromisoformat(raw)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"'{name}' phải là ngày dạng YYYY-MM-DD, nhận được {raw!r}",
                               f"'{name}' must be a date YYYY-MM-DD, got {raw!r}") from exc

    first, last = parse(raw_from, "from"), parse(raw_to, "to")
    first, last = first or last or today, last or first or today
    if last < first:
        raise InvalidInput("Ngày 'to' phải sau hoặc bằng ngày 'from'", "'to' must be on or after 'from'")
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput(f"Khoảng thời gian tối đa {MAX_DAYS} ngày", f"At most {MAX_DAYS} days at once")
    return first, last


class Stats(RoutedCommands):
    def __init__(self, pool: asyncpg.Pool, ask: Ask, clock: Callable[[], datetime],
                 progress: Callable[[], Awaitable[dict[str, Any]]]) -> None:
        self._pool = pool
        self._ask = ask
        self._clock = clock
        self._progress = progress
        self._routes: dict[type[m.Command], Callable[[Any], Awaitable[Any]]] = {
            m.GetStats: self.get_stats, m.GetProvinceStats: self.get_province_stats,
            m.ListStatsTickets: self.list_tickets, m.RebuildStats: self.rebuild,
            m.ListStatsOffices: self.list_offices, m.StatsHealth: self.health,
        }

    async def _office(self, conn: asyncpg.Connection, office_id: str, actor: Actor | None) -> asyncpg.Record:
        """The office as the projection knows it (or, before its first event arrived, as ticketing describes it),
        once the caller may read its figures."""
        check_id("văn phòng", "office", office_id)
        check(actor, Right.REPORT)
        row = await queries.office_row(conn, office_id)
        if row is None:
            described = await self._ask(m.GetOffice(office=office_id))     # NotFound when there is no such office
            row = {"office_id": office_id, "name": described["name"], "timezone": described["timezone"],
                   "province": (described.get("province") or {}).get("code"),
                   "province_name": (described.get("province") or {}).get("name"),
                   "wait_alert_s": described.get("wait_alert_s", 1800),
                   "rating_scale": described.get("rating_scale", 5),
                   "opening_time": described.get("opening_time", "07:30"),
                   "closing_time": described.get("closing_time", "17:30"),
                   "service_names": {s["code"]: s["name"] for s in described.get("services", [])},
                   "counter_names": {c["id"]: c["name"] for c in described.get("counters", [])}}
        check_in_province(actor, Right.REPORT, office_id, row["province"])
        return row

    def _today(self, timezone: str) -> date:
        return self._clock().astimezone(zone(timezone)).date()

    async def get_stats(self, cmd: m.GetStats) -> dict[str, Any]:
        actor = Actor.from_dict(cmd.actor)
        async with self._pool.acquire() as conn:
            office = await self._office(conn, cmd.office, actor)
            first, last = day_range(cmd.date_from, cmd.date_to, self._today(office["timezone"]))
            async with conn.transaction(readonly=True, isolation="repeatable_read"):
                return await queries.office_figures(conn, office, first, last)

    async def get_province_stats(self, cmd: m.GetProvinceStats) -> dict[str, Any]:
        actor = check(Actor.from_dict(cmd.actor), Right.REPORT)
        province = check_id("tỉnh/thành", "province", cmd.province)
        if not actor.is_admin and actor.province != province:
            raise Forbidden(f"Chỉ lãnh đạo của tỉnh/thành '{province}' xem được các văn phòng của tỉnh/thành này",
                            f"Only the managers of province '{province}' see its offices")
        await roll_up(self._pool)            # the days changed since the last rollup, before reading them
        async with self._pool.acquire() as conn:
            if not await conn.fetchval("SELECT true FROM stats_offices WHERE province = $1 LIMIT 1", province):
                raise NotFound(f"Không có văn phòng nào thuộc tỉnh/thành '{province}'",
                               f"No office belongs to province '{province}'")
            first, last = day_range(cmd.date_from, cmd.date_to, self._today(DEFAULT_TIMEZONE))
            return await queries.province_figures(conn, province, first, last)

    async def list_tickets(self, cmd: m.ListStatsTickets) -> dict[str, Any]:
        actor = Actor.from_dict(cmd.actor)
        if not 1 <= cmd.limit <= MAX_PAGE:
            raise InvalidInput(f"'limit' từ 1 đến {MAX_PAGE}", f"'limit' must be 1 to {MAX_PAGE}")
        async with self._pool.acquire() as conn:
            office = await self._office(conn, cmd.office, actor)
            first, last = day_range(cmd.date_from, cmd.date_to, self._today(office["timezone"]))
            try:
                return await queries.ticket_page(conn, cmd.office, first, last, cmd.after, cmd.limit)
            except ValueError as exc:
                raise InvalidInput("Con trỏ trang 'after' không hợp lệ", "Invalid page cursor 'after'") from exc

    async def list_offices(self, cmd: m.ListStatsOffices) -> list[dict[str, Any]]:
        actor = check(Actor.from_dict(cmd.actor), Right.REPORT)
        where, args = ("", []) if actor.is_admin else (
            ("WHERE province = $1", [actor.province]) if actor.province and not actor.office
            else ("WHERE office_id = $1", [actor.office]))
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(f"SELECT office_id, name, province, province_name FROM stats_offices {where}"
                                    " ORDER BY province NULLS LAST, name", *args)
        return [{"office": r["office_id"], "name": r["name"],
                 "province": {"code": r["province"], "name": r["province_name"]} if r["province"] else None}
                for r in rows]

    async def rebuild(self, cmd: m.RebuildStats) -> dict[str, Any]:
        actor = check(Actor.from_dict(cmd.actor), Right.REPORT)
        if not actor.is_admin:
            raise Forbidden("Chỉ quản trị viên dựng lại số liệu", "Only administrators rebuild the figures")
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                await projection.reset(conn, projector.NAME, projector.TABLES)
        log.warning("stats: figures emptied by %s; projecting the stream again from its first event",
                    actor.describe())
        return {"rebuilding": True, **await self._progress()}

    async def health(self, cmd: m.StatsHealth) -> dict[str, Any]:
        return {"database": True, "projection": await self._progress()}
