"""Which waiting ticket a counter calls next: one pure function.

Priority citizens are called first. Once the oldest normal ticket has waited
`after_wait_s`, calls follow a cycle of at most `priority` priority tickets
followed by at least `normal` normal tickets, so neither class can starve.
Within a class the longest-waiting ticket goes first.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Sequence


@dataclass(frozen=True)
class FairnessRule:
    normal: int = 2
    priority: int = 1
    after_wait_s: int = 600


@dataclass(frozen=True)
class Candidate:
    ticket_id: str
    service: str
    is_priority: bool
    queued_at: datetime
    seq: int = 0
    for_counter: str | None = None


def _trailing_run(history: Sequence[bool]) -> tuple[bool | None, int]:
    """Class (True = priority) and length of the last run of calls."""
    if not history:
        return None, 0
    last = history[-1]
    length = 0
    for was_priority in reversed(history):
        if was_priority != last:
            break
        length += 1
    return last, length


def _oldest(tickets: Iterable[Candidate]) -> Candidate | None:
    return min(tickets, key=lambda c: (c.queued_at, c.seq, c.ticket_id), default=None)


def choose_next(
    candidates: Iterable[Candidate],
    *,
    counter: str,
    services: Iterable[str],
    history: Sequence[bool],
    rule: FairnessRule,
    now: datetime,
) -> Candidate | None:
    """Pick the ticket `counter` should call, or None when nobody waits for it.

    `history` is this counter's recent calls, oldest first, True for a priority ticket.
    Tickets transferred to a named counter are only eligible there.
    """
    served = set(services)
    eligible = [
        c for c in candidates
        if c.service in served and (c.for_counter is None or c.for_counter == counter)
    ]
    # A ticket sent to this very counter was already promised to it: serve it first.
    directed = _oldest(c for c in eligible if c.for_counter == counter)
    if directed is not None:
        return directed
    priority = _oldest(c for c in eligible if c.is_priority)
    normal = _oldest(c for c in eligible if not c.is_priority)
    if priority is None or normal is None:
        return priority or normal
    if (now - normal.queued_at).total_seconds() < rule.after_wait_s:
        return priority
    last, run = _trailing_run(history)
    if last is True and run >= rule.priority:
        return normal
    if last is False and run < rule.normal and _run_was_forced(history, rule):
        return normal
    return priority


def call_order(candidates: Iterable[Candidate], *, counter: str, services: Iterable[str], history: Sequence[bool],
               rule: FairnessRule, now: datetime, limit: int = 50) -> list[tuple[Candidate, str]]:
    """The order in which `counter` will call these tickets if nothing else changes, each with why: "directed"
    (sent to this counter), "priority", "fairness" (a normal ticket's turn under the ratio although priority
    ones wait) or "order" (first come, first served). Every step is `choose_next` itself."""
    served = set(services)
    pending = sorted((c for c in candidates if c.service in served and c.for_counter in (None, counter)),
                     key=lambda c: (c.queued_at, c.seq, c.ticket_id))
    calls = list(history)
    order: list[tuple[Candidate, str]] = []
    while pending and len(order) < limit:
        heads = [c for c in (next((c for c in pending if c.for_counter == counter), None),
                             next((c for c in pending if c.for_counter is None and c.is_priority), None),
                             next((c for c in pending if c.for_counter is None and not c.is_priority), None)) if c]
        chosen = choose_next(heads, counter=counter, services=served, history=calls, rule=rule, now=now)
        if chosen is None:
            break
        if chosen.for_counter == counter:
            reason = "directed"
        elif chosen.is_priority:
            reason = "priority"
        else:
            reason = "fairness" if any(h.is_priority and h.for_counter is None for h in heads) else "order"
        order.append((chosen, reason))
        pending.remove(chosen)
        calls.append(chosen.is_priority)
    return order


def _run_was_forced(history: Sequence[bool], rule: FairnessRule) -> bool:
    """True when the current normal run began right after a full priority run.

    A normal run that began for another reason (no priority ticket was waiting)
    already gave normal tickets their turn, so priority comes first again.
    """
    last, run = _trailing_run(history)
    before = history[: len(history) - run]
    prev, prev_run = _trailing_run(before)
    return prev is True and prev_run >= rule.priority
