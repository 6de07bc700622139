"""The ticket state machine, without any server."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.domain import tickets as t
from services.domain.errors import IllegalTransition
from services.domain.tickets import Status, Ticket

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
GRACE = 600


def waiting(**kw: object) -> Ticket:
    base = dict(id="t1", office="o", service="HT", origin_service="HT", local_day=date(2026, 11, 23), seq=15,
                number="HT-015", priority=None, status=Status.WAITING, issued_at=NOW, queued_at=NOW)
    base.update(kw)
    return Ticket(**base)  # type: ignore[arg-type]


def test_happy_path_waiting_called_serving_done() -> None:
    called = t.call(waiting(), "3", NOW, GRACE)
    assert (called.status, called.counter, called.called_at) == (Status.CALLED, "3", NOW)
    serving = t.start(called, NOW + timedelta(seconds=30))
    done = t.complete(serving, NOW + timedelta(minutes=5))
    assert done.status is Status.DONE and done.finished_at == NOW + timedelta(minutes=5)
    assert done.number == "HT-015"


def test_complete_straight_from_called_counts_service_from_the_call() -> None:
    done = t.complete(t.call(waiting(), "1", NOW, GRACE), NOW + timedelta(minutes=2))
    assert done.started_at == NOW


def test_recall_keeps_it_called_and_counts() -> None:
    called = t.call(waiting(), "1", NOW, GRACE)
    assert t.recall(t.recall(called)).recall_count == 2


def test_no_show_may_return_within_grace_only() -> None:
    skipped = t.skip(t.call(waiting(), "1", NOW, GRACE), NOW)
    assert skipped.status is Status.NO_SHOW
    back = t.return_to_queue(skipped, NOW + timedelta(seconds=GRACE - 1), GRACE)
    assert back.status is Status.WAITING and back.queued_at == NOW and back.counter is None
    with pytest.raises(IllegalTransition, match="quá thời gian"):
        t.return_to_queue(skipped, NOW + timedelta(seconds=GRACE + 1), GRACE)


def test_a_no_show_can_be_called_again_within_grace() -> None:
    skipped = t.skip(t.call(waiting(), "1", NOW, GRACE), NOW)
    assert t.call(skipped, "2", NOW + timedelta(seconds=60), GRACE).counter == "2"
    with pytest.raises(IllegalTransition):
        t.call(skipped, "2", NOW + timedelta(seconds=GRACE + 60), GRACE)


def test_transfer_keeps_the_number_and_the_place_in_time() -> None:
    serving = t.start(t.call(waiting(), "1", NOW, GRACE), NOW)
    moved = t.transfer(serving, "CT", None)
    assert (moved.status, moved.service, moved.number, moved.queued_at) == (Status.WAITING, "CT", "HT-015", NOW)
    assert moved.origin_service == "HT" and moved.transfer_count == 1 and moved.counter is None


def test_transfer_to_a_counter_within_the_same_service() -> None:
    moved = t.transfer(waiting(), "HT", "4")
    assert moved.for_counter == "4"
    with pytest.raises(IllegalTransition):
        t.transfer(waiting(), "HT", None)


@pytest.mark.parametrize("action", [
    lambda x: t.start(x, NOW), lambda x: t.complete(x, NOW), lambda x: t.skip(x, NOW), t.recall,
    lambda x: t.return_to_queue(x, NOW, GRACE),
])
def test_illegal_transitions_from_waiting_are_refused_with_a_vietnamese_message(action) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IllegalTransition) as err:
        action(waiting())
    assert "HT-015" in err.value.message_vi and "đang chờ" in err.value.message_vi
    assert err.value.message_en


def test_done_and_cancelled_are_final() -> None:
    done = t.complete(t.call(waiting(), "1", NOW, GRACE), NOW)
    cancelled = t.cancel(waiting(), NOW)
    for final in (done, cancelled):
        for action in (lambda x: t.call(x, "1", NOW, GRACE), lambda x: t.cancel(x, NOW),
                       lambda x: t.transfer(x, "CT", None), t.recall):
            with pytest.raises(IllegalTransition):
                action(final)


ACTIONS = ["call", "recall", "start", "complete", "skip", "return", "transfer", "cancel"]


@given(st.lists(st.sampled_from(ACTIONS), max_size=30))
def test_any_sequence_of_actions_keeps_the_invariants(actions: list[str]) -> None:
    """Whatever clerks press: a current ticket has a counter, a waiting one has none, final stays final."""
    ticket = waiting()
    clock = NOW
    for action in actions:
        clock += timedelta(seconds=5)
        before = ticket
        try:
            ticket = {
                "call": lambda: t.call(ticket, "1", clock, GRACE), "recall": lambda: t.recall(ticket),
                "start": lambda: t.start(ticket, clock), "complete": lambda: t.complete(ticket, clock),
                "skip": lambda: t.skip(ticket, clock), "return": lambda: t.return_to_queue(ticket, clock, GRACE),
                "transfer": lambda: t.transfer(ticket, "CT" if ticket.service == "HT" else "HT", None),
                "cancel": lambda: t.cancel(ticket, clock),
            }[action]()
        except IllegalTransition:
            assert ticket == before
            continue
        assert before.status not in (Status.DONE, Status.CANCELLED)
        assert ticket.number == "HT-015"
        if ticket.status in (Status.CALLED, Status.SERVING):
            assert ticket.counter == "1" and ticket.called_at is not None
        if ticket.status is Status.WAITING:
            assert ticket.counter is None
