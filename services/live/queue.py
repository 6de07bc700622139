"""The live read model of one office, fed by its events: every waiting ticket in queue order, each counter's
current ticket and recent calls, recent service times. From it, without asking the database again:

- the hall board's public view (numbers, services, counters, counts; never an id, a category or a person),
- each waiting ticket's place and estimated wait (the phones), counted as the database counts them,
- each counter's waiting list in the order its "next" will call it, and why.

Built from a GetOfficeState answer, then `apply(event)` for every event; an event that the starting snapshot
already shows (services.live.snapshots) or older than the ticket's known version is ignored. Pure: no I/O.
"""
from __future__ import annotations

import bisect
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from services import messages as m
from services.domain.estimate import estimate_wait_s
from services.domain.policy import Candidate, FairnessRule, call_order
from services.domain.stats import CLERK_EVENTS
from services.live.snapshots import TxSnapshot
from services.ticketing.views import public_ticket

RECENT = 10
ACTIVE = ("called", "serving")
KNOWN_VERSIONS = 20_000


@dataclass(slots=True)
class Waiting:
    id: str
    number: str
    service: str
    priority: str | None
    queued_at: datetime
    seq: int
    for_counter: str | None
    version: int
    procedure: str | None = None

    @property
    def key(self) -> tuple[datetime, int, str]:
        return (self.queued_at, self.seq, self.id)

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "service": self.service, "priority": self.priority,
                "status": "waiting", "queued_at": self.queued_at.isoformat(), "for_counter": self.for_counter,
                "version": self.version, "procedure": self.procedure}


@dataclass
class Lane:
    """The waiting tickets of one service and one class, in queue order."""

    keys: list[tuple[datetime, int, str]] = field(default_factory=list)
    items: list[Waiting] = field(default_factory=list)

    def add(self, w: Waiting) -> None:
        i = bisect.bisect_left(self.keys, w.key)
        self.keys.insert(i, w.key)
        self.items.insert(i, w)

    def remove(self, w: Waiting) -> None:
        i = bisect.bisect_left(self.keys, w.key)
        if i < len(self.keys) and self.keys[i] == w.key:
            del self.keys[i], self.items[i]

    def before(self, w: Waiting) -> int:
        return bisect.bisect_left(self.keys, w.key)


@dataclass
class Change:
    """What one event changed: the public event for boards, the services whose places moved, the ticket itself."""

    public: dict[str, Any] | None
    services: set[str]
    ticket: dict[str, Any] | None = None
    resync: bool = False


def _ts(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class OfficeQueue:
    def __init__(self, state: dict[str, Any]) -> None:
        self.office, self.name = state["office"], state["name"]
        self.snapshot = TxSnapshot.parse(state["snapshot"])
        rules = state["rules"]
        self.rule = FairnessRule(rules["fair_normal"], rules["fair_priority"], rules["fair_after_wait_s"])
        self.default_service_s = rules["default_service_s"]
        self.services = [dict(s) for s in state["services"]]
        self.counters: dict[str, dict[str, Any]] = {
            c["id"]: {"id": c["id"], "name": c["name"], "services": c["services"], "paused": c["paused"],
                      "history": [ch == "P" for ch in c.get("history", "")], "current": c.get("current")}
            for c in state["counters"]}
        self.lanes: dict[tuple[str, bool], Lane] = {(s["code"], p): Lane() for s in self.services for p in (True, False)}
        self.waiting: dict[str, Waiting] = {}
        for row in state["waiting"]:
            self._add(Waiting(row[0], row[1], row[2], row[3], datetime.fromisoformat(row[4]), row[5], row[6],
                              row[7], row[8] if len(row) > 8 else None))
        self.recent: deque[dict[str, Any]] = deque(state.get("recent_calls", [])[:RECENT], RECENT)
        self.durations = {s: deque(d, 20) for s, d in state.get("durations", {}).items()}
        self.versions: OrderedDict[str, int] = OrderedDict()
        # The last ticket completed at each counter since this model was built: what its tablet asks a vote for.
        self.completed: dict[str, dict[str, Any]] = {}
        # Who last acted at each counter since this model was built (a staff user's name): the manager's view.
        self.clerks: dict[str, str] = {}

    # ------------------------------------------------------------ the waiting tickets

    def _lane(self, w: Waiting) -> Lane:
        return self.lanes.setdefault((w.service, w.priority is not None), Lane())

    def _add(self, w: Waiting) -> None:
        self.waiting[w.id] = w
        self._lane(w).add(w)

    def _remove(self, ticket_id: str) -> Waiting | None:
        w = self.waiting.pop(ticket_id, None)
        if w is not None:
            self._lane(w).remove(w)
        return w

    def counts(self, service: str) -> dict[str, int]:
        priority = len(self.lanes.get((service, True), Lane()).keys)
        return {"waiting": priority + len(self.lanes.get((service, False), Lane()).keys), "priority_waiting": priority}

    def position(self, ticket_id: str) -> dict[str, int] | None:
        """Place and estimated wait of a waiting ticket (None if it is not waiting)."""
        w = self.waiting.get(ticket_id)
        if w is None:
            return None
        priority = self.lanes.get((w.service, True), Lane())
        if w.priority is not None:
            ahead = priority.before(w)
        else:
            ahead = len(priority.keys) + self.lanes[(w.service, False)].before(w)
        open_counters = sum(1 for c in self.counters.values() if not c["paused"] and w.service in c["services"])
        wait = estimate_wait_s(ahead, list(self.durations.get(w.service, ())), open_counters, self.default_service_s)
        return {"waiting_ahead": ahead, "estimated_wait_s": wait}

    def call_order(self, counter: str, limit: int = 50, now: datetime | None = None) -> list[dict[str, Any]]:
        """The first `limit` tickets `counter` will call, in that order, each with its reason."""
        c = self.counters.get(counter)
        if c is None:
            return []
        found: list[Waiting] = []
        for service in c["services"]:
            for prio in (True, False):
                taken = 0
                for w in self.lanes.get((service, prio), Lane()).items:
                    if w.for_counter in (None, counter):
                        found.append(w)
                        taken += 1
                        if taken >= limit:
                            break
        by_id = {w.id: w for w in found}
        candidates = [Candidate(w.id, w.service, w.priority is not None, w.queued_at, w.seq, w.for_counter)
                      for w in found]
        order = call_order(candidates, counter=counter, services=c["services"], history=c["history"], rule=self.rule,
                           now=now or datetime.now(timezone.utc), limit=limit)
        return [{**by_id[cand.ticket_id].view(), "reason": reason} for cand, reason in order]

    def ticket(self, ticket_id: str) -> dict[str, Any] | None:
        """A ticket this model knows (waiting, or current at a counter), as the events describe it."""
        w = self.waiting.get(ticket_id)
        if w is not None:
            return {"office": self.office, **w.view()}
        for c in self.counters.values():
            if (c["current"] or {}).get("id") == ticket_id:
                return dict(c["current"])
        return None

    def serving(self) -> dict[str, str | None]:
        return {cid: (c["current"] or {}).get("number") for cid, c in self.counters.items()}

    # ------------------------------------------------------------ views

    def public_snapshot(self) -> dict[str, Any]:
        return {
            "office": self.office, "name": self.name,
            "services": [{**s, **self.counts(s["code"])} for s in self.services],
            "counters": [{k: c[k] for k in ("id", "name", "services", "paused")} | {"current": public_ticket(c["current"])}
                         for c in self.counters.values()],
            "recent_calls": [public_ticket(t) for t in self.recent],
        }

    def staff_snapshot(self, counter: str | None = None) -> dict[str, Any]:
        """What a counter screen starts from: the detail, and this counter's waiting list in call order."""
        snapshot = {
            "office": self.office, "name": self.name,
            "services": [{**s, **self.counts(s["code"])} for s in self.services],
            "counters": [{k: c[k] for k in ("id", "name", "services", "paused", "current")}
                         for c in self.counters.values()],
            "recent_calls": list(self.recent),
        }
        if counter is not None:
            snapshot["order"] = self.call_order(counter)
            served = self.counters.get(counter, {}).get("services", [])
            snapshot["order_total"] = sum(self.counts(s)["waiting"] for s in served)
        return snapshot

    # ------------------------------------------------------------ events

    def _stale(self, ticket: dict[str, Any]) -> bool:
        version, known = ticket.get("version"), self.versions.get(ticket["id"])
        if version is None:
            return False
        if known is not None and known >= version:
            return True
        self.versions[ticket["id"]] = version
        self.versions.move_to_end(ticket["id"])
        if len(self.versions) > KNOWN_VERSIONS:
            self.versions.popitem(last=False)
        return False

    def _note_clerk(self, event: m.Event) -> None:
        actor = event.actor or {}
        counter = event.counter or (event.ticket or {}).get("counter")
        if actor.get("type") == "user" and actor.get("name") and counter in self.counters and (
                event.type.startswith("counter.") or event.type in CLERK_EVENTS):
            self.clerks[counter] = actor["name"]

    def apply(self, event: m.Event) -> Change | None:
        if self.snapshot.shows(event.txid):
            return None                               # the starting snapshot already shows it
        head = {"type": event.type, "event_id": event.event_id, "occurred_at": event.occurred_at,
                "office": event.office, "counter": event.counter}
        self._note_clerk(event)
        if event.type == "office.configured":
            return Change(head, set(), resync=True)
        if event.type in ("counter.paused", "counter.resumed"):
            c = self.counters.get(event.counter or "")
            if c is None:
                return None
            c["paused"] = event.type == "counter.paused"
            return Change(head, set(c["services"]))
        ticket = event.ticket
        if ticket is None or self._stale(ticket):
            return None
        touched: set[str] = set()
        before = self._remove(ticket["id"])
        if before is not None:
            touched.add(before.service)
        if ticket.get("status") == "waiting":
            self._add(Waiting(ticket["id"], ticket["number"], ticket["service"], ticket.get("priority"),
                              datetime.fromisoformat(ticket.get("queued_at") or ticket["issued_at"]),
                              ticket.get("seq") or 0, ticket.get("for_counter"), ticket.get("version") or 0,
                              ticket.get("procedure")))
            touched.add(ticket["service"])
        for c in self.counters.values():
            if (c["current"] or {}).get("id") == ticket["id"]:
                c["current"] = None
                touched.update(c["services"])
        at = self.counters.get(ticket.get("counter") or "")
        if ticket.get("status") in ACTIVE and at is not None:
            at["current"] = ticket
        if event.type == "ticket.called" and at is not None:
            at["history"] = (at["history"] + [ticket.get("priority") is not None])[-32:]
            touched.update(at["services"])          # the counter's fairness turn moved: its call order too
        if event.type in ("ticket.called", "ticket.recalled"):
            for old in [t for t in self.recent if t.get("id") == ticket["id"]]:
                self.recent.remove(old)
            self.recent.appendleft(ticket)
        if event.type == "ticket.completed" and ticket.get("counter"):
            self.completed[ticket["counter"]] = ticket
        if event.type == "ticket.completed":
            started, finished = _ts(ticket.get("started_at")), _ts(ticket.get("finished_at"))
            if started and finished:
                self.durations.setdefault(ticket["service"], deque(maxlen=20)).appendleft(
                    (finished - started).total_seconds())
                touched.add(ticket["service"])
        counts = {s: self.counts(s) for s in sorted(touched) if (s, True) in self.lanes}
        return Change({**head, "ticket": public_ticket(ticket), "counts": counts}, touched, ticket)
