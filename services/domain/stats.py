"""Figures of an office: how one ticket's facts follow from its events, percentiles, wait histograms.

Pure functions: the stats service applies them to the event stream (services.stats.projector) and a test applies
them to a scripted day by hand. A ticket's facts depend only on its events, in stream order, so replaying the stream
gives the same figures (no clock is read here)."""
from __future__ import annotations

import bisect
import math
from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

# How a ticket ended (or where it is now), from its status.
OUTCOMES = {"waiting": "waiting", "called": "called", "serving": "serving", "done": "served",
            "no_show": "no_show", "cancelled": "cancelled", "expired": "expired"}
# The events that say who handled the ticket at a counter: their actor is the clerk of the ticket.
CLERK_EVENTS = frozenset({"ticket.called", "ticket.recalled", "ticket.started", "ticket.completed", "ticket.skipped"})

# Lower edges (seconds) of the wait histogram kept per office and day (the province view's p90 comes from it).
WAIT_BUCKETS_S: tuple[int, ...] = (0, 60, 120, 180, 240, 300, 420, 600, 900, 1200, 1500, 1800, 2400, 3000, 3600,
                                   4500, 5400, 7200, 10800, 14400)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


def apply_ticket_event(fact: Mapping[str, Any] | None, event_type: str, ticket: Mapping[str, Any],
                       actor: Mapping[str, Any] | None, tz: ZoneInfo) -> dict[str, Any]:
    """The ticket's facts after `event_type`, from its facts before (None for a ticket not seen yet) and the
    ticket's snapshot the event carries."""
    before = dict(fact or {})
    issued_at = _time(ticket["issued_at"])
    assert issued_at is not None
    called_at = _time(ticket.get("called_at"))
    first_called = before.get("first_called_at") or called_at
    started_at = _time(ticket.get("started_at"))
    finished_at = _time(ticket.get("finished_at"))
    outcome = "expired" if event_type == "ticket.expired" else OUTCOMES.get(ticket["status"], ticket["status"])
    clerk = before.get("clerk")
    if event_type in CLERK_EVENTS and actor and actor.get("type") == "user":
        clerk = actor.get("name")
    service_s = None
    if outcome == "served":
        service_s = _seconds(started_at or called_at, finished_at)
    return {
        "office_id": ticket["office"],
        "local_day": ticket["local_day"],
        "number": ticket["number"],
        "service_code": ticket.get("origin_service") or ticket["service"],
        "procedure": ticket.get("procedure"),
        "priority": ticket.get("priority") is not None,
        "issued_at": issued_at,
        "issued_hour": issued_at.astimezone(tz).hour,
        "first_called_at": first_called,
        "started_at": started_at,
        "finished_at": finished_at,
        "outcome": outcome,
        "counter_id": ticket.get("counter") or before.get("counter_id"),
        "clerk": clerk,
        "wait_s": _seconds(issued_at, first_called),
        "service_s": service_s,
        "transferred": bool(ticket.get("transfer_count")) or bool(before.get("transferred")),
        "recalls": int(ticket.get("recall_count") or 0),
        "rating": before.get("rating"),
        "rating_reasons": before.get("rating_reasons"),
    }


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks, as PostgreSQL's percentile_cont."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def histogram(values: Iterable[float]) -> list[int]:
    counts = [0] * len(WAIT_BUCKETS_S)
    for value in values:
        counts[bisect.bisect_right(WAIT_BUCKETS_S, value) - 1] += 1
    return counts


def histogram_percentile(counts: Sequence[int], q: float) -> float | None:
    """An estimate of the q-quantile from a histogram: interpolated inside its bucket (the last, open bucket
    answers its lower edge). Exact to within one bucket's width."""
    total = sum(counts)
    if total == 0:
        return None
    rank = q * (total - 1)
    seen = 0
    for i, n in enumerate(counts):
        if n and seen + n > rank:
            low = WAIT_BUCKETS_S[i]
            if i + 1 == len(WAIT_BUCKETS_S):
                return float(low)
            high = WAIT_BUCKETS_S[i + 1]
            return low + (high - low) * ((rank - seen) / n)
        seen += n
    return float(WAIT_BUCKETS_S[-1])


def rating_summary(counts: Mapping[str, int], scale: int) -> dict[str, Any]:
    """Votes per level → how many voted, the mean level, and the share satisfied (above the middle)."""
    votes = sum(counts.values())
    if not votes:
        return {"votes": 0, "mean": None, "satisfied_share": None}
    mean = sum(int(level) * n for level, n in counts.items()) / votes
    satisfied = sum(n for level, n in counts.items() if int(level) > (scale + 1) // 2)
    return {"votes": votes, "mean": round(mean, 3), "satisfied_share": round(satisfied / votes, 4)}
