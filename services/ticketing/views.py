"""Public shapes of tickets and queues as they cross the bus (no personal data)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from services.domain.tickets import Ticket


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def came_from(t: Ticket | None) -> dict[str, Any]:
    """An event's `data["from"]`: where the ticket was before, so read models (waiting counts per service) follow
    from the events alone. None for a new ticket."""
    if t is None:
        return {"from": None}
    return {"from": {"status": t.status.value, "service": t.service, "priority": t.priority is not None,
                     "counter": t.counter}}


def ticket_view(t: Ticket) -> dict[str, Any]:
    return {
        "id": t.id,
        "office": t.office,
        "number": t.number,
        "service": t.service,
        "origin_service": t.origin_service,
        "priority": t.priority,
        "status": t.status.value,
        "counter": t.counter,
        "for_counter": t.for_counter,
        "local_day": t.local_day.isoformat(),
        "issued_at": _iso(t.issued_at),
        "queued_at": _iso(t.queued_at),
        "seq": t.seq,
        "called_at": _iso(t.called_at),
        "started_at": _iso(t.started_at),
        "finished_at": _iso(t.finished_at),
        "skipped_at": _iso(t.skipped_at),
        "recall_count": t.recall_count,
        "transfer_count": t.transfer_count,
        "version": t.version,
        "procedure": t.procedure,
        "citizen_id": t.citizen_id,
    }


# What anyone may see (hall board, kiosk, anonymous reads): numbers, services, counters and counts only. Never a
# ticket id (the citizen's key to their ticket), a priority category or anything about a person.
PUBLIC_TICKET = ("number", "service", "status", "counter", "called_at", "recall_count", "version")


def public_ticket(ticket: dict[str, Any] | None) -> dict[str, Any] | None:
    if ticket is None:
        return None
    return {k: ticket.get(k) for k in PUBLIC_TICKET}


# Who the kiosk identified is for staff only: the citizen's phone, and anyone else holding the ticket's id, get the
# ticket without it.
PERSONAL = ("citizen_id",)


def without_personal(ticket: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in ticket.items() if k not in PERSONAL}


def public_queue(queue: dict[str, Any]) -> dict[str, Any]:
    return {
        "office": queue["office"], "name": queue["name"], "at": queue["at"],
        "services": [{k: s.get(k) for k in ("code", "name", "name_en", "waiting", "priority_waiting")}
                     for s in queue["services"]],
        "counters": [{k: c.get(k) for k in ("id", "name", "services", "paused")} | {"current": public_ticket(c["current"])}
                     for c in queue["counters"]],
        "recent_calls": [public_ticket(t) for t in queue["recent_calls"]],
    }
