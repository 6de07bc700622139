"""Public shapes of tickets and queues as they cross the bus (no personal data)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from services.domain.tickets import Ticket


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


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
        "called_at": _iso(t.called_at),
        "started_at": _iso(t.started_at),
        "finished_at": _iso(t.finished_at),
        "skipped_at": _iso(t.skipped_at),
        "recall_count": t.recall_count,
        "transfer_count": t.transfer_count,
    }
