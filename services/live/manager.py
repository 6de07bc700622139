"""The manager's live view of an office (/manage/{office}/events): who waits for what and for how long, what each
counter does and who works there, from the office's shared read model (services.live.queue): no database read.

`snapshot` and then `live` (after every ticket, counter or vote event; `cause` names the event) carry the same shape:

    {at, office, name, wait_alert_s, cause?,
     services: [{code, name, name_en, waiting, priority_waiting, oldest_queued_at, longest_wait_s, alert}],
     counters: [{id, name, services, state: serving|called|paused|idle, number, service, since, paused,
                 clerk}],
     waiting, alerts: [{service, name, longest_wait_s}]}

Waits are counted from when the ticket joined its current queue (`queued_at`: a transfer or a return starts
again); the page keeps them ticking from `at`. Today's figures (averages, percentiles, votes) are not computed here:
the page reads them from GET /api/offices/{office}/stats whenever `live` says a ticket or a vote changed, so that
the page and the API always show the same numbers.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from services import messages as m
from services.live.hub import Delivery, sse_event
from services.live.queue import Lane, OfficeQueue
from services.live.streams import ScreenView, ViewFactory

log = logging.getLogger(__name__)

DEFAULT_WAIT_ALERT_S = 1800
LIVE_EVENTS = ("ticket.", "counter.", "rating.")


def counter_state(counter: dict[str, Any]) -> dict[str, Any]:
    """One counter as the manager sees it: serving, called (waiting for the citizen), paused, or idle."""
    current = counter.get("current") or None
    if current is not None:
        state = "serving" if current.get("status") == "serving" else "called"
        since = current.get("started_at") if state == "serving" else current.get("called_at")
        return {"state": state, "number": current.get("number"), "service": current.get("service"),
                "since": since}
    return {"state": "paused" if counter.get("paused") else "idle", "number": None, "service": None, "since": None}


def oldest_waiting(model: OfficeQueue, service: str) -> datetime | None:
    """When the ticket waiting longest for `service` joined the queue (each lane is kept in queue order)."""
    heads = [lane.items[0].queued_at for prio in (True, False)
             if (lane := model.lanes.get((service, prio), Lane())).items]
    return min(heads) if heads else None


def live_state(model: OfficeQueue, now: datetime, wait_alert_s: int) -> dict[str, Any]:
    """The office now, for the manager (pure: the read model and the time)."""
    services = []
    for s in model.services:
        oldest = oldest_waiting(model, s["code"])
        longest = max(0.0, (now - oldest).total_seconds()) if oldest is not None else None
        services.append({"code": s["code"], "name": s.get("name"), "name_en": s.get("name_en"),
                         **model.counts(s["code"]),
                         "oldest_queued_at": oldest.isoformat() if oldest is not None else None,
                         "longest_wait_s": round(longest) if longest is not None else None,
                         "alert": longest is not None and longest >= wait_alert_s})
    counters = [{"id": c["id"], "name": c["name"], "services": list(c["services"]), **counter_state(c),
                 "paused": bool(c.get("paused")), "clerk": model.clerks.get(c["id"])} for c in model.counters.values()]
    return {"at": now.isoformat(), "office": model.office, "name": model.name, "wait_alert_s": wait_alert_s,
            "services": services, "counters": counters, "waiting": sum(s["waiting"] for s in services),
            "alerts": [{"service": s["code"], "name": s["name"], "longest_wait_s": s["longest_wait_s"]}
                       for s in services if s["alert"]]}


class ManagerScreen(ScreenView):
    wait_alert_s: int = DEFAULT_WAIT_ALERT_S

    async def _threshold(self) -> int:
        """The office's alert threshold, read again with every snapshot (a reconfiguration resynchronises)."""
        try:
            office = await self.hub.bus.request(m.GetOffice(office=self.feed.office))
            self.wait_alert_s = int(office.get("wait_alert_s") or DEFAULT_WAIT_ALERT_S)
        except m.ServiceError as exc:
            log.warning("wait alert threshold of %s unavailable, keeping %s s: %s", self.feed.office,
                        self.wait_alert_s, exc)
        return self.wait_alert_s

    async def snapshot(self) -> bytes:
        threshold = await self._threshold()
        assert self.feed.model is not None
        return sse_event("snapshot", live_state(self.feed.model, datetime.now(timezone.utc), threshold))

    async def deliver(self, item: Delivery) -> bytes:
        if not item.event.type.startswith(LIVE_EVENTS) or self.feed.model is None:
            return b""
        state = live_state(self.feed.model, datetime.now(timezone.utc), self.wait_alert_s)
        return sse_event("live", {**state, "cause": item.event.type})


def manager_screen() -> ViewFactory:
    """The view factory of sse_response for the manager's live view."""
    return lambda hub, feed, audience, counter: ManagerScreen(hub, feed, audience, counter)
