"""Every message that crosses the bus: commands (imperative), queries and events (past tense).

Each class is frozen and typed; its subject lives in one registry here. Payloads are
UTF-8 JSON; `decode` validates types and raises InvalidMessage with a readable reason.
"""
from __future__ import annotations

import functools
import json
import types
import typing
import uuid
from dataclasses import MISSING, asdict, dataclass, field, fields
from datetime import datetime, timezone
from typing import Any, ClassVar, TypeVar

M = TypeVar("M")


class InvalidMessage(ValueError):
    """A payload that is not JSON, or lacks a field, or has a field of the wrong type."""


class ServiceError(Exception):
    """An error reply from a service: a stable code and messages for people (vi, en)."""

    def __init__(self, code: str, message: str, message_en: str = "") -> None:
        super().__init__(f"[{code}] {message}" + (f" / {message_en}" if message_en else ""))
        self.code = code
        self.message = message
        self.message_en = message_en or message

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "message_en": self.message_en}


# ---------------------------------------------------------------- codec

def _matches(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is Any:
        return True
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    base = origin or hint
    return isinstance(value, base)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)  # evaluates string annotations: once per class


def from_mapping(cls: type[M], data: Any) -> M:
    """Build message `cls` from a decoded JSON object, checking every field's type."""
    if not isinstance(data, dict):
        raise InvalidMessage(f"{cls.__name__}: expected a JSON object, got {type(data).__name__}")
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name in data:
            value = data[f.name]
            if not _matches(value, hints[f.name]):
                raise InvalidMessage(
                    f"{cls.__name__}.{f.name}: expected {hints[f.name]}, got {type(value).__name__}"
                )
            values[f.name] = value
        elif f.default is MISSING and f.default_factory is MISSING:
            raise InvalidMessage(f"{cls.__name__}: missing field '{f.name}'")
    return cls(**values)


def encode(message: Any) -> bytes:
    return json.dumps(asdict(message), ensure_ascii=False, separators=(",", ":")).encode()


def decode(cls: type[M], payload: bytes) -> M:
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidMessage(f"{cls.__name__}: payload is not UTF-8 JSON ({exc})") from exc
    return from_mapping(cls, data)


# ---------------------------------------------------------------- replies

def reply_ok(data: Any) -> bytes:
    return json.dumps({"ok": True, "data": data}, ensure_ascii=False, default=str).encode()


def reply_error(code: str, message: str, message_en: str) -> bytes:
    error = {"code": code, "message": message, "message_en": message_en}
    return json.dumps({"ok": False, "error": error}, ensure_ascii=False).encode()


def parse_reply(payload: bytes) -> Any:
    """The data of a successful reply; raise ServiceError for an error reply."""
    try:
        body = json.loads(payload.decode("utf-8"))
        if body.get("ok") is True:
            return body.get("data")
        err = body["error"]
        raise ServiceError(err["code"], err["message"], err.get("message_en", ""))
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise ServiceError(
            "bad_reply", "Dịch vụ trả lời không đúng định dạng", "The service sent a malformed reply"
        ) from exc


# ---------------------------------------------------------------- commands and queries

@dataclass(frozen=True)
class Command:
    """A request to the ticketing service; `verb` is the last token of its subject."""

    verb: ClassVar[str] = ""


COMMANDS: dict[str, type[Command]] = {}
C = TypeVar("C", bound=type[Command])


def _command(name: str) -> typing.Callable[[C], C]:
    def register(cls: C) -> C:
        cls.verb = name
        COMMANDS[name] = cls
        return cls
    return register


@_command("configure_office")
@dataclass(frozen=True)
class ConfigureOffice(Command):
    """Create or update an office with its services and counters (admin, seeding)."""

    office: str
    name: str
    timezone: str = "Asia/Ho_Chi_Minh"
    settings: dict = field(default_factory=dict)
    services: list = field(default_factory=list)   # [{code, name, name_en, field, prefix, width, start}]
    counters: list = field(default_factory=list)   # [{id, name, services: [code]}]


@_command("issue_ticket")
@dataclass(frozen=True)
class IssueTicket(Command):
    office: str
    service: str
    priority: str | None = None
    idempotency_key: str | None = None


@_command("call_next")
@dataclass(frozen=True)
class CallNext(Command):
    office: str
    counter: str
    complete_current: bool = False


@_command("call_ticket")
@dataclass(frozen=True)
class CallTicket(Command):
    """Call a chosen ticket (by id or by printed number) to a counter."""

    office: str
    counter: str
    ticket_id: str | None = None
    number: str | None = None


@dataclass(frozen=True)
class TicketCommand(Command):
    ticket_id: str


@_command("recall")
@dataclass(frozen=True)
class Recall(TicketCommand):
    pass


@_command("skip")
@dataclass(frozen=True)
class Skip(TicketCommand):
    pass


@_command("start")
@dataclass(frozen=True)
class Start(TicketCommand):
    pass


@_command("complete")
@dataclass(frozen=True)
class Complete(TicketCommand):
    pass


@_command("cancel")
@dataclass(frozen=True)
class Cancel(TicketCommand):
    pass


@_command("return")
@dataclass(frozen=True)
class ReturnToQueue(TicketCommand):
    pass


@_command("transfer")
@dataclass(frozen=True)
class Transfer(TicketCommand):
    service: str | None = None
    counter: str | None = None


@_command("pause_counter")
@dataclass(frozen=True)
class PauseCounter(Command):
    office: str
    counter: str


@_command("resume_counter")
@dataclass(frozen=True)
class ResumeCounter(Command):
    office: str
    counter: str


@_command("list_services")
@dataclass(frozen=True)
class ListServices(Command):
    office: str


@_command("get_office")
@dataclass(frozen=True)
class GetOffice(Command):
    office: str


@_command("get_queue")
@dataclass(frozen=True)
class GetQueue(Command):
    office: str


@_command("get_ticket")
@dataclass(frozen=True)
class GetTicket(Command):
    ticket_id: str


@_command("health")
@dataclass(frozen=True)
class Health(Command):
    pass


def command_subject(prefix: str, command: type[Command] | Command) -> str:
    return f"{prefix}.cmd.ticketing.{command.verb}"


# ---------------------------------------------------------------- events

@dataclass(frozen=True)
class Event:
    """Something that happened. `ticket` is the public snapshot (no personal data)."""

    type: ClassVar[str] = ""
    office: str
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())
    ticket: dict | None = None
    counter: str | None = None
    data: dict = field(default_factory=dict)


EVENTS: dict[str, type[Event]] = {}
E = TypeVar("E", bound=type[Event])


def _event(type_name: str) -> typing.Callable[[E], E]:
    def register(cls: E) -> E:
        cls.type = type_name
        EVENTS[type_name] = cls
        return cls
    return register


@_event("office.configured")
@dataclass(frozen=True)
class OfficeConfigured(Event):
    pass


@_event("ticket.issued")
@dataclass(frozen=True)
class TicketIssued(Event):
    pass


@_event("ticket.called")
@dataclass(frozen=True)
class TicketCalled(Event):
    pass


@_event("ticket.recalled")
@dataclass(frozen=True)
class TicketRecalled(Event):
    pass


@_event("ticket.started")
@dataclass(frozen=True)
class TicketStarted(Event):
    pass


@_event("ticket.completed")
@dataclass(frozen=True)
class TicketCompleted(Event):
    pass


@_event("ticket.skipped")
@dataclass(frozen=True)
class TicketSkipped(Event):
    pass


@_event("ticket.returned")
@dataclass(frozen=True)
class TicketReturned(Event):
    pass


@_event("ticket.transferred")
@dataclass(frozen=True)
class TicketTransferred(Event):
    pass


@_event("ticket.cancelled")
@dataclass(frozen=True)
class TicketCancelled(Event):
    pass


@_event("counter.paused")
@dataclass(frozen=True)
class CounterPaused(Event):
    pass


@_event("counter.resumed")
@dataclass(frozen=True)
class CounterResumed(Event):
    pass


def event_subject(prefix: str, event: Event) -> str:
    return f"{prefix}.evt.{event.office}.{event.type}"


def events_wildcard(prefix: str, office: str = "*") -> str:
    return f"{prefix}.evt.{office}.>"


def event_from_subject(prefix: str, subject: str, payload: bytes) -> Event:
    """Decode an event published on `subject` into its registered class."""
    head = f"{prefix}.evt."
    if not subject.startswith(head):
        raise InvalidMessage(f"not an event subject: {subject}")
    _office, _, type_name = subject[len(head):].partition(".")
    cls = EVENTS.get(type_name)
    if cls is None:
        raise InvalidMessage(f"unknown event type: {type_name}")
    return decode(cls, payload)
