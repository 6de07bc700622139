"""Reading the figures: one office over a range of local days (exact, from the tickets' facts through the covering
index), the offices of a province side by side (from the daily rollup), and pages of tickets for exports."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

import asyncpg

from services.domain.stats import WAIT_BUCKETS_S, histogram_percentile, rating_summary

LEVELS = ("1", "2", "3", "4", "5")
COUNTS = ("issued", "served", "no_show", "cancelled", "expired", "transferred", "in_progress")

_OFFICE_FIGURES = """
SELECT grouping(service_code) = 0 AS by_service, grouping(counter_id) = 0 AS by_counter,
       grouping(clerk) = 0 AS by_clerk, grouping(issued_hour) = 0 AS by_hour, grouping(local_day) = 0 AS by_day,
       service_code, counter_id, clerk, issued_hour, local_day,
       count(*) AS issued,
       count(*) FILTER (WHERE outcome = 'served') AS served,
       count(*) FILTER (WHERE outcome = 'no_show') AS no_show,
       count(*) FILTER (WHERE outcome = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE outcome = 'expired') AS expired,
       count(*) FILTER (WHERE transferred) AS transferred,
       count(*) FILTER (WHERE outcome IN ('waiting', 'called', 'serving')) AS in_progress,
       avg(wait_s) AS wait_avg, percentile_cont(0.9) WITHIN GROUP (ORDER BY wait_s) AS wait_p90,
       max(wait_s) AS wait_max, count(*) FILTER (WHERE wait_s > $4) AS wait_over,
       avg(service_s) AS service_avg, percentile_cont(0.9) WITHIN GROUP (ORDER BY service_s) AS service_p90,
       coalesce(sum(service_s), 0) AS busy_s, count(DISTINCT local_day) AS days,
       count(*) FILTER (WHERE rating = 1) AS r1, count(*) FILTER (WHERE rating = 2) AS r2,
       count(*) FILTER (WHERE rating = 3) AS r3, count(*) FILTER (WHERE rating = 4) AS r4,
       count(*) FILTER (WHERE rating = 5) AS r5
FROM stats_tickets
WHERE office_id = $1 AND local_day BETWEEN $2 AND $3
GROUP BY GROUPING SETS ((), (service_code), (counter_id), (clerk), (issued_hour), (local_day))
"""

_LAST_CLERKS = """
SELECT DISTINCT ON (counter_id) counter_id, clerk FROM stats_tickets
WHERE office_id = $1 AND local_day BETWEEN $2 AND $3 AND counter_id IS NOT NULL AND clerk IS NOT NULL
ORDER BY counter_id, coalesce(finished_at, started_at, first_called_at) DESC NULLS LAST
"""

_REASONS = """
SELECT reason, count(*) AS n FROM stats_tickets, unnest(rating_reasons) AS reason
WHERE office_id = $1 AND local_day BETWEEN $2 AND $3 AND rating IS NOT NULL GROUP BY reason
"""


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def _figures(row: asyncpg.Record, scale: int) -> dict[str, Any]:
    ratings = {level: row[f"r{level}"] for level in LEVELS[:scale]}
    return {
        **{k: row[k] for k in COUNTS},
        "wait_s": {"avg": _round(row["wait_avg"]), "p90": _round(row["wait_p90"]), "max": _round(row["wait_max"]),
                   "over_alert": row["wait_over"]},
        "service_s": {"avg": _round(row["service_avg"]), "p90": _round(row["service_p90"])},
        "ratings": ratings,
        "satisfaction": rating_summary(ratings, scale),
    }


def open_seconds(office: asyncpg.Record) -> float:
    opening, closing = (time.fromisoformat(office[k]) for k in ("opening_time", "closing_time"))
    return float((closing.hour * 60 + closing.minute - opening.hour * 60 - opening.minute) * 60)


async def office_row(conn: asyncpg.Connection, office: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM stats_offices WHERE office_id = $1", office)


async def office_figures(conn: asyncpg.Connection, office: asyncpg.Record, first: date, last: date
                         ) -> dict[str, Any]:
    scale = office["rating_scale"]
    rows = await conn.fetch(_OFFICE_FIGURES, office["office_id"], first, last, office["wait_alert_s"])
    total = next((r for r in rows if not any(r[k] for k in ("by_service", "by_counter", "by_clerk", "by_hour",
                                                             "by_day"))), None)
    empty = {**{k: 0 for k in COUNTS}, "wait_s": {"avg": None, "p90": None, "max": None, "over_alert": 0},
             "service_s": {"avg": None, "p90": None}, "ratings": {level: 0 for level in LEVELS[:scale]},
             "satisfaction": rating_summary({}, scale)}
    services, counters = office["service_names"] or {}, office["counter_names"] or {}
    open_s = open_seconds(office)
    body: dict[str, Any] = {
        "office": office["office_id"], "name": office["name"], "from": first.isoformat(), "to": last.isoformat(),
        "timezone": office["timezone"], "rating_scale": scale, "wait_alert_s": office["wait_alert_s"],
        "province": ({"code": office["province"], "name": office["province_name"]} if office["province"]
                     else None),
        **(_figures(total, scale) if total is not None else empty),
        "by_service": {}, "by_counter": {}, "by_clerk": {}, "by_hour": {}, "by_day": {},
    }
    for r in rows:
        if r["by_service"]:
            body["by_service"][r["service_code"]] = {"name": services.get(r["service_code"], r["service_code"]),
                                                     **_figures(r, scale)}
        elif r["by_counter"] and r["counter_id"] is not None:
            busy = float(r["busy_s"])
            body["by_counter"][r["counter_id"]] = {
                "name": counters.get(r["counter_id"], r["counter_id"]), **_figures(r, scale),
                "busy_s": round(busy), "utilisation": round(busy / (open_s * r["days"]), 4) if open_s else None}
        elif r["by_clerk"] and r["clerk"] is not None:
            body["by_clerk"][r["clerk"]] = _figures(r, scale)
        elif r["by_hour"]:
            body["by_hour"][str(r["issued_hour"])] = _figures(r, scale)
        elif r["by_day"]:
            body["by_day"][r["local_day"].isoformat()] = _figures(r, scale)
    body["by_hour"] = dict(sorted(body["by_hour"].items(), key=lambda kv: int(kv[0])))
    body["by_day"] = dict(sorted(body["by_day"].items()))
    body["reasons"] = {r["reason"]: r["n"] for r in await conn.fetch(_REASONS, office["office_id"], first, last)}
    for r in await conn.fetch(_LAST_CLERKS, office["office_id"], first, last):
        if r["counter_id"] in body["by_counter"]:
            body["by_counter"][r["counter_id"]]["last_clerk"] = r["clerk"]     # who worked there last
    return body


_PROVINCE = """
SELECT o.office_id, o.name, o.rating_scale, o.wait_alert_s,
       coalesce(sum(d.issued), 0) AS issued, coalesce(sum(d.served), 0) AS served,
       coalesce(sum(d.no_show), 0) AS no_show, coalesce(sum(d.cancelled), 0) AS cancelled,
       coalesce(sum(d.expired), 0) AS expired, coalesce(sum(d.transferred), 0) AS transferred,
       coalesce(sum(d.waited), 0) AS waited, coalesce(sum(d.wait_sum_s), 0) AS wait_sum_s,
       coalesce(sum(d.wait_over), 0) AS wait_over, coalesce(sum(d.timed), 0) AS timed,
       coalesce(sum(d.service_sum_s), 0) AS service_sum_s
FROM stats_offices o
LEFT JOIN stats_office_days d ON d.office_id = o.office_id AND d.local_day BETWEEN $2 AND $3
WHERE o.province = $1
GROUP BY o.office_id, o.name, o.rating_scale, o.wait_alert_s
"""

_PROVINCE_ARRAYS = """
SELECT d.office_id, 'wait' AS kind, h.i, sum(h.v) AS n
FROM stats_office_days d JOIN stats_offices o ON o.office_id = d.office_id, unnest(d.wait_hist) WITH ORDINALITY h (v, i)
WHERE o.province = $1 AND d.local_day BETWEEN $2 AND $3 GROUP BY d.office_id, h.i
UNION ALL
SELECT d.office_id, 'rating', r.i, sum(r.v)
FROM stats_office_days d JOIN stats_offices o ON o.office_id = d.office_id, unnest(d.ratings) WITH ORDINALITY r (v, i)
WHERE o.province = $1 AND d.local_day BETWEEN $2 AND $3 GROUP BY d.office_id, r.i
"""


async def province_figures(conn: asyncpg.Connection, province: str, first: date, last: date) -> dict[str, Any]:
    rows = await conn.fetch(_PROVINCE, province, first, last)
    name = await conn.fetchval("SELECT province_name FROM stats_offices WHERE province = $1 LIMIT 1", province)
    hist: dict[str, list[int]] = {}
    votes: dict[str, dict[str, int]] = {}
    for r in await conn.fetch(_PROVINCE_ARRAYS, province, first, last):
        if r["kind"] == "wait":
            hist.setdefault(r["office_id"], [0] * len(WAIT_BUCKETS_S))[r["i"] - 1] = int(r["n"])
        else:
            votes.setdefault(r["office_id"], {})[str(r["i"])] = int(r["n"])
    offices = []
    for r in rows:
        scale = r["rating_scale"]
        ratings = {level: votes.get(r["office_id"], {}).get(level, 0) for level in LEVELS[:scale]}
        offices.append({
            "office": r["office_id"], "name": r["name"],
            **{k: int(r[k]) for k in ("issued", "served", "no_show", "cancelled", "expired", "transferred")},
            "wait_s": {"avg": _round(r["wait_sum_s"] / r["waited"]) if r["waited"] else None,
                       "p90_estimate": _round(histogram_percentile(hist.get(r["office_id"], []), 0.9)),
                       "over_alert": int(r["wait_over"])},
            "service_s": {"avg": _round(r["service_sum_s"] / r["timed"]) if r["timed"] else None},
            "ratings": ratings, "satisfaction": rating_summary(ratings, scale),
        })
    _rank(offices, "rank_wait", lambda o: o["wait_s"]["avg"], best="low")
    _rank(offices, "rank_satisfaction",
          lambda o: None if o["satisfaction"]["votes"] == 0 else
          (o["satisfaction"]["satisfied_share"], o["satisfaction"]["mean"]), best="high")
    offices.sort(key=lambda o: (o["rank_wait"] is None, o["rank_wait"] or 0, o["name"]))
    return {"province": province, "name": name, "from": first.isoformat(), "to": last.isoformat(),
            "offices": offices}


def _rank(offices: list[dict[str, Any]], key: str, value: Any, *, best: str) -> None:
    """1 for the best office; offices without figures get None (ranked after the others)."""
    ranked = sorted((o for o in offices if value(o) is not None), key=value, reverse=best == "high")
    for o in offices:
        o[key] = None
    for position, o in enumerate(ranked, 1):
        o[key] = position


_TICKETS = """
SELECT ticket_id, local_day, number, service_code, procedure, priority, issued_at, first_called_at, started_at,
       finished_at, outcome, counter_id, clerk, wait_s, service_s, transferred, recalls, rating, rating_reasons
FROM stats_tickets
WHERE office_id = $1 AND local_day BETWEEN $2 AND $3 AND (issued_at, ticket_id) > ($4, $5)
ORDER BY issued_at, ticket_id
LIMIT $6
"""
_ORIGIN = (datetime(1970, 1, 1).astimezone(), uuid.UUID(int=0))


async def ticket_page(conn: asyncpg.Connection, office: str, first: date, last: date, after: str | None,
                      limit: int) -> dict[str, Any]:
    issued_after, id_after = _ORIGIN
    if after:
        stamp, _, ticket = after.partition("|")
        issued_after, id_after = datetime.fromisoformat(stamp), uuid.UUID(ticket)
    rows = await conn.fetch(_TICKETS, office, first, last, issued_after, id_after, limit)
    tickets = []
    for r in rows:
        t = {k: (v.isoformat() if isinstance(v, (date, datetime)) else v) for k, v in dict(r).items()}
        t["ticket_id"] = str(r["ticket_id"])
        t["wait_s"], t["service_s"] = _round(r["wait_s"]), _round(r["service_s"])
        t["rating_reasons"] = list(r["rating_reasons"] or [])
        tickets.append(t)
    cursor = f"{rows[-1]['issued_at'].isoformat()}|{rows[-1]['ticket_id']}" if len(rows) == limit else None
    return {"tickets": tickets, "next": cursor}
