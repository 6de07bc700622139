"""The ticket state machine.

    waiting ──call──▶ called ──start──▶ serving ──complete──▶ done
       ▲  ╲             │ ╲ recall (stays called)    │
       │   cancel       │  complete (served at once) │
       │               skip                          │
       │                ▼                            │
       └──return── no_show (within the grace period) │
    transfer (from waiting, called or serving): back to waiting in another
    service or for another counter, keeping the number.
    cancel: from waiting, called or no_show.
    expire: what is left unfinished when the office closes (services.domain.closing).

Every change adds one to the ticket's `version`: a screen ignores an event older than what it shows, and a
counter action that names the version it saw is refused once the ticket has moved on.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from .errors import Conflict, IllegalTransition


class Status(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


STATUS_VI = {
    Status.WAITING: "đang chờ",
    Status.CALLED: "đã gọi",
    Status.SERVING: "đang phục vụ",
    Status.DONE: "đã xong",
    Status.NO_SHOW: "vắng mặt",
    Status.CANCELLED: "đã hủy",
    Status.EXPIRED: "hết hạn",
}

ACTIVE = frozenset({Status.CALLED, Status.SERVING})
UNFINISHED = frozenset({Status.WAITING, Status.CALLED, Status.SERVING, Status.NO_SHOW})


@dataclass(frozen=True)
class Ticket:
    id: str
    office: str
    service: str
    origin_service: str
    local_day: date
    seq: int
    number: str
    priority: str | None
    status: Status
    issued_at: datetime
    queued_at: datetime
    counter: str | None = None
    for_counter: str | None = None
    called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    skipped_at: datetime | None = None
    recall_count: int = 0
    transfer_count: int = 0
    version: int = 1
    procedure: str | None = None
    citizen_id: str | None = None


def _refuse(ticket: Ticket, action_vi: str, action_en: str) -> IllegalTransition:
    return IllegalTransition(
        f"Không thể {action_vi} phiếu {ticket.number}: phiếu đang ở trạng thái '{STATUS_VI[ticket.status]}'",
        f"Cannot {action_en} ticket {ticket.number}: it is {ticket.status.value}",
    )


def call(ticket: Ticket, counter: str, now: datetime, grace_s: int) -> Ticket:
    """Call a waiting ticket, or a no-show one still within its grace period, to `counter`."""
    if ticket.status is Status.NO_SHOW:
        _check_grace(ticket, now, grace_s)
    elif ticket.status is not Status.WAITING:
        raise _refuse(ticket, "gọi", "call")
    return replace(
        ticket, status=Status.CALLED, counter=counter, for_counter=None,
        called_at=now, started_at=None, skipped_at=None,
    )


def recall(ticket: Ticket) -> Ticket:
    if ticket.status is not Status.CALLED:
        raise _refuse(ticket, "gọi lại", "recall")
    return replace(ticket, recall_count=ticket.recall_count + 1)


def start(ticket: Ticket, now: datetime) -> Ticket:
    if ticket.status is not Status.CALLED:
        raise _refuse(ticket, "bắt đầu phục vụ", "start serving")
    return replace(ticket, status=Status.SERVING, started_at=now)


def complete(ticket: Ticket, now: datetime) -> Ticket:
    if ticket.status not in ACTIVE:
        raise _refuse(ticket, "hoàn thành", "complete")
    return replace(ticket, status=Status.DONE, started_at=ticket.started_at or ticket.called_at, finished_at=now)


def skip(ticket: Ticket, now: datetime) -> Ticket:
    """The citizen did not come when called: a no-show that may come back within the grace period."""
    if ticket.status is not Status.CALLED:
        raise _refuse(ticket, "bỏ qua", "skip")
    return replace(ticket, status=Status.NO_SHOW, skipped_at=now)


def _check_grace(ticket: Ticket, now: datetime, grace_s: int) -> None:
    assert ticket.skipped_at is not None
    if (now - ticket.skipped_at).total_seconds() > grace_s:
        minutes = grace_s // 60
        raise IllegalTransition(
            f"Phiếu {ticket.number} đã quá thời gian chờ quay lại ({minutes} phút) sau khi vắng mặt; "
            "công dân cần lấy số mới",
            f"Ticket {ticket.number} missed its {minutes}-minute grace period after the no-show; "
            "the citizen needs a new ticket",
        )


def return_to_queue(ticket: Ticket, now: datetime, grace_s: int) -> Ticket:
    """A no-show citizen came back in time: back in the queue at their original place."""
    if ticket.status is not Status.NO_SHOW:
        raise _refuse(ticket, "đưa lại hàng chờ", "return to the queue")
    _check_grace(ticket, now, grace_s)
    return replace(ticket, status=Status.WAITING, counter=None, skipped_at=None, called_at=None)


def transfer(ticket: Ticket, service: str, for_counter: str | None) -> Ticket:
    """Send the citizen to another service (or counter), keeping the number and the place in time."""
    if ticket.status not in (Status.WAITING, Status.CALLED, Status.SERVING):
        raise _refuse(ticket, "chuyển", "transfer")
    if service == ticket.service and for_counter is None:
        raise IllegalTransition(
            f"Phiếu {ticket.number} đã thuộc dịch vụ {service}; hãy chọn dịch vụ hoặc quầy khác",
            f"Ticket {ticket.number} is already for service {service}; choose another service or counter",
        )
    return replace(
        ticket, status=Status.WAITING, service=service, for_counter=for_counter, counter=None,
        called_at=None, started_at=None, transfer_count=ticket.transfer_count + 1,
    )


def expect(ticket: Ticket, *, counter: str | None = None, version: int | None = None) -> None:
    """Refuse a counter action meant for a ticket that has moved on since the screen showed it: no longer at
    `counter` (called or served there), or changed since `version`. A repeated or stale press is refused
    instead of being applied to whatever the ticket has become."""
    if counter is not None and (ticket.counter != counter or ticket.status not in ACTIVE):
        raise Conflict(
            f"Phiếu {ticket.number} không còn ở quầy {counter} (đang {STATUS_VI[ticket.status]}); "
            "màn hình đã được cập nhật, vui lòng kiểm tra lại",
            f"Ticket {ticket.number} is no longer at counter {counter} (it is {ticket.status.value}); "
            "the screen has been refreshed, please check again",
        )
    if version is not None and ticket.version != version:
        raise Conflict(
            f"Phiếu {ticket.number} vừa thay đổi (đang {STATUS_VI[ticket.status]}); vui lòng kiểm tra lại",
            f"Ticket {ticket.number} has just changed (it is {ticket.status.value}); please check again",
        )


def expire(ticket: Ticket, now: datetime) -> Ticket:
    """The office closed with this ticket unfinished: it is no longer valid (a new day, new numbers)."""
    if ticket.status not in UNFINISHED:
        raise _refuse(ticket, "cho hết hạn", "expire")
    return replace(ticket, status=Status.EXPIRED, finished_at=now)


def cancel(ticket: Ticket, now: datetime) -> Ticket:
    if ticket.status not in (Status.WAITING, Status.CALLED, Status.NO_SHOW):
        raise _refuse(ticket, "hủy", "cancel")
    return replace(ticket, status=Status.CANCELLED, finished_at=now)
