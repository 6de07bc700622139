"""The satisfaction tablet of a counter (/counter/{office}/{counter}/rate/events): it asks the citizen for a vote
as soon as the clerk completes their ticket.

`snapshot` {office, name, counter, ask} — `ask` is the ticket last completed at this counter if that was less than
ASK_FOR_S ago (a tablet that reconnects right after a completion still asks), else null; then `ask` {ticket_id,
number, service, procedure, finished_at} at each completion there, and `rated` {ticket_id} when that ticket got its
vote some other way (the citizen's phone). Nothing about a person travels; the ticket's id is what the vote needs."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from services.live.hub import Delivery, sse_event
from services.live.streams import ScreenView, ViewFactory

ASK_FOR_S = 120.0


def ask_view(ticket: dict[str, Any]) -> dict[str, Any]:
    return {"ticket_id": ticket["id"], "number": ticket["number"], "service": ticket.get("origin_service") or
            ticket.get("service"), "procedure": ticket.get("procedure"), "finished_at": ticket.get("finished_at")}


def _recent(ticket: dict[str, Any] | None, now: datetime) -> bool:
    finished = (ticket or {}).get("finished_at")
    return bool(finished) and (now - datetime.fromisoformat(finished)).total_seconds() < ASK_FOR_S


class RateScreen(ScreenView):
    async def snapshot(self) -> bytes:
        model = self.feed.model
        assert model is not None and self.counter is not None
        counter = model.counters[self.counter]
        now = datetime.now(timezone.utc)
        last = model.completed.get(self.counter)
        return sse_event("snapshot", {
            "at": now.isoformat(), "office": self.feed.office, "name": model.name,
            "counter": {"id": counter["id"], "name": counter["name"]},
            "ask": ask_view(last) if last is not None and _recent(last, now) else None})

    async def deliver(self, item: Delivery) -> bytes:
        event = item.event
        if event.type == "ticket.completed" and event.ticket and event.ticket.get("counter") == self.counter:
            return sse_event("ask", ask_view(event.ticket))
        if event.type == "rating.given" and event.counter == self.counter:
            return sse_event("rated", {"ticket_id": event.data.get("ticket_id")})
        return b""


def rate_screen() -> ViewFactory:
    return lambda hub, feed, audience, counter: RateScreen(hub, feed, audience, counter)
