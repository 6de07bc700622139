"""The next-ticket rule: priority first, never starving normal tickets, longest wait within a class."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from services.domain.policy import Candidate, FairnessRule, choose_next

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)
RULE = FairnessRule(normal=2, priority=1, after_wait_s=600)


def cand(tid: str, service: str = "HT", priority: bool = False, waited_s: int = 0,
         for_counter: str | None = None) -> Candidate:
    return Candidate(tid, service, priority, NOW - timedelta(seconds=waited_s), 0, for_counter)


def pick(cands: list[Candidate], history: list[bool] | None = None, services: tuple[str, ...] = ("HT", "CT"),
         rule: FairnessRule = RULE) -> str | None:
    chosen = choose_next(cands, counter="1", services=services, history=history or [], rule=rule, now=NOW)
    return chosen.ticket_id if chosen else None


def test_nobody_waiting() -> None:
    assert pick([]) is None
    assert pick([cand("x", service="DD")]) is None  # not served by this counter


def test_longest_wait_first_across_served_services() -> None:
    assert pick([cand("a", "HT", waited_s=60), cand("b", "CT", waited_s=120)]) == "b"


def test_priority_first_while_normal_tickets_have_not_waited_long() -> None:
    assert pick([cand("n", waited_s=300), cand("p", priority=True, waited_s=10)]) == "p"


def test_ratio_applies_once_a_normal_ticket_waited_long() -> None:
    long_normal = cand("n", waited_s=900)
    prio = cand("p", priority=True, waited_s=10)
    assert pick([long_normal, prio], history=[]) == "p"
    assert pick([long_normal, prio], history=[True]) == "n"
    assert pick([long_normal, prio], history=[True, False]) == "n"
    assert pick([long_normal, prio], history=[True, False, False]) == "p"


def test_a_normal_run_not_forced_by_the_ratio_gives_way_to_priority() -> None:
    # Normal tickets were served because no priority waited; a priority citizen now goes first.
    assert pick([cand("n", waited_s=900), cand("p", priority=True)], history=[False]) == "p"


def test_tickets_transferred_to_a_counter_only_go_there_and_go_first() -> None:
    directed = cand("d", for_counter="1", waited_s=5)
    other = cand("o", for_counter="2", waited_s=500)
    assert pick([cand("n", waited_s=100), directed, other]) == "d"
    assert choose_next([other], counter="1", services=("HT",), history=[], rule=RULE, now=NOW) is None


def _simulate(arrivals: list[bool], rule: FairnessRule) -> list[bool]:
    """Everyone waits long (ratio active); serve them all; return the class of each call."""
    waiting = [cand(str(i), priority=p, waited_s=10_000 - i) for i, p in enumerate(arrivals)]
    history: list[bool] = []
    while waiting:
        chosen = choose_next(waiting, counter="1", services=("HT",), history=history, rule=rule, now=NOW)
        assert chosen is not None
        waiting.remove(chosen)
        history.append(chosen.is_priority)
    return history


rules = st.builds(FairnessRule, normal=st.integers(1, 4), priority=st.integers(1, 4), after_wait_s=st.just(0))


@settings(max_examples=200)
@given(st.lists(st.booleans(), max_size=40), rules)
def test_neither_class_starves_beyond_the_ratio(arrivals: list[bool], rule: FairnessRule) -> None:
    calls = _simulate(arrivals, rule)
    n_prio, n_norm = arrivals.count(True), arrivals.count(False)
    prio_left, norm_left = n_prio, n_norm
    run_class, run = None, 0
    for was_priority in calls:
        run = run + 1 if was_priority == run_class else 1
        run_class = was_priority
        if was_priority:
            prio_left -= 1
            # Never more than `priority` priority calls in a row while normal tickets wait.
            assert run <= rule.priority or norm_left == 0
        else:
            norm_left -= 1
            # Never more than `normal` normal calls in a row while priority tickets wait.
            assert run <= rule.normal or prio_left == 0


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 5000), st.sampled_from(["HT", "CT"])), max_size=30))
def test_the_chosen_ticket_is_the_oldest_of_its_class(items: list[tuple[bool, int, str]]) -> None:
    cands = [cand(str(i), s, p, w) for i, (p, w, s) in enumerate(items)]
    chosen = choose_next(cands, counter="1", services=("HT", "CT"), history=[], rule=RULE, now=NOW)
    if not cands:
        assert chosen is None
        return
    assert chosen is not None
    same_class = [c for c in cands if c.is_priority == chosen.is_priority]
    assert chosen.queued_at == min(c.queued_at for c in same_class)
