"""The office's live read model: events in any order and repeats change nothing wrongly; places and call order are
what the database and the policy say; the public view carries no id."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services import messages as m
from services.domain.policy import Candidate, FairnessRule, call_order, choose_next
from services.live.queue import OfficeQueue
from services.live.snapshots import TxSnapshot

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)


def state(**extra: Any) -> dict[str, Any]:
    return {"office": "o", "name": "Văn phòng", "snapshot": "100:100:", "at": T0.isoformat(),
            "rules": {"fair_normal": 2, "fair_priority": 1, "fair_after_wait_s": 0, "default_service_s": 300},
            "services": [{"code": "HT", "name": "Hộ tịch", "name_en": "Civil status"},
                         {"code": "CT", "name": "Chứng thực", "name_en": "Certification"}],
            "counters": [{"id": "1", "name": "Quầy 1", "services": ["HT", "CT"], "paused": False, "history": "",
                          "current": None},
                         {"id": "2", "name": "Quầy 2", "services": ["HT"], "paused": False, "history": "",
                          "current": None}],
            "waiting": [], "recent_calls": [], "durations": {}, **extra}


def ticket(n: int, *, service: str = "HT", status: str = "waiting", priority: str | None = None,
           counter: str | None = None, version: int = 1, minutes: int | None = None) -> dict[str, Any]:
    at = (T0 + timedelta(minutes=n if minutes is None else minutes)).isoformat()
    return {"id": f"00000000-0000-0000-0000-{n:012d}", "office": "o", "number": f"{service}-{n:03d}",
            "service": service, "status": status, "priority": priority, "counter": counter, "for_counter": None,
            "issued_at": at, "queued_at": at, "seq": n, "called_at": None, "started_at": None, "finished_at": None,
            "recall_count": 0, "version": version, "procedure": None, "citizen_id": None}


def event(kind: str, t: dict[str, Any], txid: int = 200, before: dict[str, Any] | None = None) -> m.Event:
    frm = {"status": before["status"], "service": before["service"], "priority": bool(before["priority"]),
           "counter": before["counter"]} if before else None
    return m.EVENTS[kind](office="o", ticket=t, counter=t.get("counter"), txid=txid, data={"from": frm})


def test_events_the_snapshot_already_shows_are_skipped() -> None:
    assert TxSnapshot.parse("100:110:103,105").shows(99) and TxSnapshot.parse("100:110:103,105").shows(104)
    assert not TxSnapshot.parse("100:110:103,105").shows(103) and not TxSnapshot.parse("100:110:").shows(110)
    q = OfficeQueue(state(snapshot="100:110:103", waiting=[
        [ticket(1)["id"], "HT-001", "HT", None, ticket(1)["queued_at"], 1, None, 1, None]]))
    assert q.apply(event("ticket.issued", ticket(1), txid=104)) is None          # already in the snapshot
    assert q.counts("HT") == {"waiting": 1, "priority_waiting": 0}
    assert q.apply(event("ticket.issued", ticket(2), txid=103)) is not None      # committed after the snapshot
    assert q.counts("HT")["waiting"] == 2


def test_an_older_event_of_a_ticket_changes_nothing() -> None:
    q = OfficeQueue(state())
    q.apply(event("ticket.issued", ticket(1)))
    called = ticket(1, status="called", counter="1", version=2)
    done = ticket(1, status="done", counter="1", version=3)
    q.apply(event("ticket.called", called))
    q.apply(event("ticket.completed", done))
    assert q.apply(event("ticket.called", called)) is None                       # out of order: ignored
    assert q.counters["1"]["current"] is None and q.counts("HT")["waiting"] == 0


def test_places_count_priority_first_then_queue_order() -> None:
    q = OfficeQueue(state())
    for n, prio in ((1, None), (2, None), (3, "elderly"), (4, None), (5, "elderly")):
        q.apply(event("ticket.issued", ticket(n, priority=prio)))
    ahead = {n: q.position(ticket(n)["id"])["waiting_ahead"] for n in range(1, 6)}  # type: ignore[index]
    assert ahead == {3: 0, 5: 1, 1: 2, 2: 3, 4: 4}
    assert q.position(ticket(1)["id"])["estimated_wait_s"] == 2 * 300 // 2        # type: ignore[index]
    q.apply(event("ticket.called", ticket(3, status="called", counter="1", priority="elderly", version=2)))
    assert q.position(ticket(4)["id"])["waiting_ahead"] == 3                     # type: ignore[index]
    assert q.position(ticket(3)["id"]) is None


def test_the_counters_list_is_in_the_order_next_will_call_with_reasons() -> None:
    q = OfficeQueue(state())
    for n, prio in ((1, None), (2, None), (3, None), (4, "elderly"), (5, "elderly")):
        q.apply(event("ticket.issued", ticket(n, priority=prio)))
    order = q.call_order("2", now=T0 + timedelta(hours=1))
    assert [(t["number"], t["reason"]) for t in order] == [
        ("HT-004", "priority"), ("HT-001", "fairness"), ("HT-002", "fairness"), ("HT-005", "priority"),
        ("HT-003", "order")]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 30)), min_size=1, max_size=25),
       st.lists(st.booleans(), max_size=6), st.integers(0, 3), st.integers(1, 3), st.integers(0, 1800))
def test_call_order_is_what_choose_next_does_step_by_step(tickets: list[tuple[bool, int]], history: list[bool],
                                                          normal_run: int, prio_run: int, after: int) -> None:
    rule = FairnessRule(normal=max(1, normal_run), priority=prio_run, after_wait_s=after)
    now = T0 + timedelta(hours=1)
    pending = [Candidate(f"t{i}", "HT", p, T0 + timedelta(minutes=mins), i) for i, (p, mins) in enumerate(tickets)]
    order = [c.ticket_id for c, _ in call_order(pending, counter="1", services=["HT"], history=history, rule=rule,
                                                now=now, limit=100)]
    calls, left, expected = list(history), list(pending), []
    while left:
        chosen = choose_next(left, counter="1", services=["HT"], history=calls, rule=rule, now=now)
        assert chosen is not None
        expected.append(chosen.ticket_id)
        left.remove(chosen)
        calls.append(chosen.is_priority)
    assert order == expected


def test_the_public_view_has_numbers_and_counts_and_no_id() -> None:
    q = OfficeQueue(state())
    q.apply(event("ticket.issued", ticket(1, priority="disability")))
    change = q.apply(event("ticket.called", ticket(1, status="called", counter="2", priority="disability",
                                                    version=2), before=ticket(1, priority="disability")))
    assert change is not None and change.public is not None
    text = json.dumps([change.public, q.public_snapshot()], ensure_ascii=False)
    assert ticket(1)["id"] not in text and "disability" not in text and "HT-001" in text
    assert change.public["counts"]["HT"] == {"waiting": 0, "priority_waiting": 0}
    assert q.serving() == {"1": None, "2": "HT-001"}
