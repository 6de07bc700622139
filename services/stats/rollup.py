"""The daily rollup: one row per office and local day, recomputed from stats_tickets for the days the projection
marked dirty. Recomputing (never adding to) a day keeps it equal to its tickets whatever happened before."""
from __future__ import annotations

import logging

import asyncpg

from services.domain.stats import WAIT_BUCKETS_S

log = logging.getLogger(__name__)

CHUNK = 200   # office-days per transaction

_FORGET = """
DELETE FROM stats_office_days s USING unnest($1::text[], $2::date[]) AS d (office_id, local_day)
WHERE s.office_id = d.office_id AND s.local_day = d.local_day
"""

_RECOMPUTE = f"""
WITH days AS (
    SELECT office_id, local_day FROM unnest($1::text[], $2::date[]) AS d (office_id, local_day)
)
INSERT INTO stats_office_days (office_id, local_day, issued, served, no_show, cancelled, expired, transferred,
                               waited, wait_sum_s, wait_over, wait_hist, timed, service_sum_s, ratings)
SELECT t.office_id, t.local_day, count(*),
       count(*) FILTER (WHERE outcome = 'served'), count(*) FILTER (WHERE outcome = 'no_show'),
       count(*) FILTER (WHERE outcome = 'cancelled'), count(*) FILTER (WHERE outcome = 'expired'),
       count(*) FILTER (WHERE transferred),
       count(wait_s), coalesce(sum(wait_s), 0), count(*) FILTER (WHERE wait_s > coalesce(o.wait_alert_s, 1800)),
       ARRAY(SELECT count(*) FILTER (WHERE width_bucket(w.wait_s, $3::real[]) = b)::int
             FROM unnest(array_agg(t.wait_s)) AS w (wait_s), generate_series(1, {len(WAIT_BUCKETS_S)}) AS b
             GROUP BY b ORDER BY b),
       count(service_s), coalesce(sum(service_s), 0),
       ARRAY[count(*) FILTER (WHERE rating = 1), count(*) FILTER (WHERE rating = 2),
             count(*) FILTER (WHERE rating = 3), count(*) FILTER (WHERE rating = 4),
             count(*) FILTER (WHERE rating = 5)]::int[]
FROM days d
JOIN stats_tickets t ON t.office_id = d.office_id AND t.local_day = d.local_day
LEFT JOIN stats_offices o ON o.office_id = t.office_id
GROUP BY t.office_id, t.local_day, o.wait_alert_s
"""


async def roll_up(pool: asyncpg.Pool) -> int:
    """Recompute every dirty office-day; returns how many were."""
    done = 0
    while True:
        async with pool.acquire() as conn:
            async with conn.transaction():
                rows = await conn.fetch(
                    "DELETE FROM stats_dirty WHERE (office_id, local_day) IN (SELECT office_id, local_day"
                    " FROM stats_dirty ORDER BY local_day, office_id LIMIT $1 FOR UPDATE SKIP LOCKED)"
                    " RETURNING office_id, local_day", CHUNK)
                if not rows:
                    return done
                offices, days = [r["office_id"] for r in rows], [r["local_day"] for r in rows]
                await conn.execute(_FORGET, offices, days)
                await conn.execute(_RECOMPUTE, offices, days, [float(b) for b in WAIT_BUCKETS_S])
        done += len(rows)
