"""Benchmark: the manager's views over a province's year — 100 offices, a year of synthetic tickets — each against a
plain indexed count over the same rows of the same table, measured in the same run.

    .venv/bin/python -m benchmarks.stats [--offices 100] [--days 365] [--per-day 300] [--repeat 5] [--keep]

Uses DATABASE_URL when set, else an embedded PostgreSQL of its own. The tickets' facts are generated inside
PostgreSQL (the stats service's own tables, in a schema of their own), the daily rollup is computed as the service
does (services.stats.rollup), then each view runs the service's own queries (services.stats.queries):
a day, a month and a year of one office, and a month of every office of the province side by side.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Awaitable, Callable

from benchmarks.server import cpu_model
from services.config import Settings
from services.stats import queries
from services.stats.rollup import roll_up
from services.store.db import create_pool, migrate
from services.system import embedded_defaults

SERVICES = ["HT", "CT", "DD", "TP", "LD", "KD"]
SERVICE_NAMES = {"HT": "Hộ tịch", "CT": "Chứng thực", "DD": "Đất đai", "TP": "Tư pháp", "LD": "Lao động",
                 "KD": "Kinh doanh"}
FIRST_DAY = date(2025, 1, 1)

# One row per ticket, generated server-side: office o, day d, ticket i of the day; a plausible spread of services,
# counters, clerks, outcomes, waits, service times and votes (deterministic, so runs compare).
_LOAD = """
INSERT INTO stats_tickets (ticket_id, office_id, local_day, number, service_code, procedure, priority, issued_at,
    issued_hour, first_called_at, started_at, finished_at, outcome, counter_id, clerk, wait_s, service_s,
    transferred, recalls, rating, rating_reasons)
SELECT gen_random_uuid(), 'bo' || o, $2::date + d, 'X-' || i, ($3::text[])[1 + (i * 7 + d) % 6], NULL, i % 17 = 0,
       ts, extract(hour FROM ts AT TIME ZONE 'Asia/Ho_Chi_Minh')::int,
       CASE WHEN oc <> 'cancelled' THEN ts + w * interval '1 second' END, NULL,
       CASE WHEN oc = 'served' THEN ts + (w + sv) * interval '1 second' END, oc,
       CASE WHEN oc <> 'cancelled' THEN (1 + (i + d) % 6)::text END,
       CASE WHEN oc <> 'cancelled' THEN 'canbo' || o || '_' || (1 + (i + o) % 8) END,
       CASE WHEN oc <> 'cancelled' THEN w END, CASE WHEN oc = 'served' THEN sv END,
       i % 23 = 0, (i % 29 = 0)::int,
       CASE WHEN oc = 'served' AND i % 3 = 0 THEN 1 + (i * 31 + d) % 5 END,
       CASE WHEN oc = 'served' AND i % 3 = 0 AND (i * 31 + d) % 5 < 2 THEN ARRAY['waited_too_long'] END
FROM generate_series($1::int, $4::int) AS o,
     generate_series(0, $5::int - 1) AS d,
     generate_series(0, $6::int - 1) AS i,
     LATERAL (SELECT (($2::date + d)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh') + interval '7 hours 30 minutes'
                     + (i * 32400 / $6::int) * interval '1 second' AS ts,
                     ((i::bigint * 7919 + d * 104729 + o * 31) % 2400)::real AS w,
                     (120 + (i::bigint * 104729 + o) % 900)::real AS sv,
                     CASE WHEN i % 13 = 0 THEN 'no_show' WHEN i % 41 = 0 THEN 'cancelled'
                          WHEN i % 59 = 0 THEN 'expired' ELSE 'served' END AS oc) AS g
"""

_COUNT_ONE = "SELECT count(*) FROM stats_tickets WHERE office_id = $1 AND local_day BETWEEN $2 AND $3"
_COUNT_ALL = "SELECT count(*) FROM stats_tickets WHERE office_id = ANY($1::text[]) AND local_day BETWEEN $2 AND $3"


async def timed(repeat: int, work: Callable[[], Awaitable[Any]]) -> float:
    """The median time of `repeat` runs after one warm-up, in milliseconds."""
    await work()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await work()
        samples.append(time.perf_counter() - start)
    return sorted(samples)[len(samples) // 2] * 1000


async def run(offices: int, days: int, per_day: int, repeat: int, keep: bool) -> None:
    home = Path(tempfile.mkdtemp(prefix="motcua-bench-stats-"))
    settings = replace(Settings.from_env(), home=home, db_schema=f"bench_stats_{uuid.uuid4().hex[:8]}")
    async with embedded_defaults(settings, nats=False) as settings:
        assert settings.database_url
        pool = await create_pool(settings.database_url, settings.db_schema, max_size=4)
        try:
            await migrate(pool)
            await report(pool, offices, days, per_day, repeat)
        finally:
            if not keep:
                async with pool.acquire() as conn:
                    await conn.execute(f'DROP SCHEMA "{settings.db_schema}" CASCADE')
            await pool.close()


async def report(pool: Any, offices: int, days: int, per_day: int, repeat: int) -> None:
    total = offices * days * per_day
    started = time.perf_counter()
    async with pool.acquire() as conn:
        await conn.executemany(
            "INSERT INTO stats_offices (office_id, name, timezone, province, province_name, service_names,"
            " opening_time, closing_time) VALUES ($1, $2, 'Asia/Ho_Chi_Minh', 'bench', 'Tỉnh đo tải', $3,"
            " '07:30', '17:00')",
            [(f"bo{o}", f"UBND xã số {o}", SERVICE_NAMES) for o in range(1, offices + 1)])
        step = max(1, 2_000_000 // max(1, days * per_day))          # about two million rows per statement
        for first in range(1, offices + 1, step):
            await conn.execute(_LOAD, first, FIRST_DAY, SERVICES, min(offices, first + step - 1), days, per_day)
        await conn.execute("INSERT INTO stats_dirty (office_id, local_day) SELECT DISTINCT office_id, local_day"
                           " FROM stats_tickets")
        await conn.execute("VACUUM ANALYZE stats_tickets")
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    rolled = await roll_up(pool)
    rollup_s = time.perf_counter() - started
    async with pool.acquire() as conn:
        await conn.execute("VACUUM ANALYZE stats_office_days")
        size = await conn.fetchval("SELECT pg_total_relation_size('stats_tickets')")
        office = await queries.office_row(conn, "bo1")
    print(f"motcua stats benchmark — {platform.machine()}, {os.cpu_count()} cores, {cpu_model()}")
    print(f"  {offices} offices × {days} days × {per_day} tickets = {total:,} tickets ({size / 2**30:.2f} GiB with "
          f"indexes), loaded in {loaded:.0f} s; {rolled:,} office-days rolled up in {rollup_s:.1f} s")
    print(f"  {'view':<34}{'rows':>11}{'view ms':>10}{'floor ms':>10}{'ratio':>8}")
    mid = FIRST_DAY + timedelta(days=min(days - 1, 180))
    month = (mid.replace(day=1), (mid.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1))
    year = (FIRST_DAY, FIRST_DAY + timedelta(days=days - 1))
    everyone = [f"bo{o}" for o in range(1, offices + 1)]
    views = [
        ("one office, a day", (mid, mid), False),
        ("one office, a month", month, False),
        ("one office, a year", year, False),
        (f"all {offices} offices, a month", month, True),
    ]
    async with pool.acquire() as conn:
        for name, (first, last), province in views:
            if province:
                rows = await conn.fetchval(_COUNT_ALL, everyone, first, last)
                view = await timed(repeat, lambda: queries.province_figures(conn, "bench", first, last))
                floor = await timed(repeat, lambda: conn.fetchval(_COUNT_ALL, everyone, first, last))
            else:
                rows = await conn.fetchval(_COUNT_ONE, "bo1", first, last)
                view = await timed(repeat, lambda: queries.office_figures(conn, office, first, last))
                floor = await timed(repeat, lambda: conn.fetchval(_COUNT_ONE, "bo1", first, last))
            print(f"  {name:<34}{rows:>11,}{view:>10.1f}{floor:>10.1f}{view / floor:>7.1f}×")
    print("  view: the stats service's own query (services.stats.queries); floor: count(*) of the same rows through "
          "the same index")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offices", type=int, default=100)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the schema afterwards (to look at it)")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(args.offices, args.days, args.per_day, args.repeat, args.keep))


if __name__ == "__main__":
    main()
