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

import orjson

M = TypeVar("M")

_DUMPS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON of what crosses the bus (orjson: a dataclass is written as it is, without asdict's deep
    copy). Dates and anything else unknown are written with str(), as json.dumps(default=str) did; what orjson
    refuses (an integer beyond 64 bits) is written by json."""
    try:
        return orjson.dumps(value, default=str, option=_DUMPS)
    except TypeError:
        return json.dumps(value if not _is_dataclass(value) else asdict(value), ensure_ascii=False,
                          separators=(",", ":"), default=str).encode()


def _is_dataclass(value: Any) -> bool:
    return hasattr(type(value), "__dataclass_fields__")


loads = orjson.loads           # raises orjson.JSONDecodeError, a json.JSONDecodeError


class InvalidMessage(ValueError):
    """A payload that is not JSON, or lacks a field, or has a field of the wrong type."""


class ServiceError(Exception):
    """An error reply from a service: a stable code, messages for people (vi, en), and optional details."""

    def __init__(self, code: str, message: str, message_en: str = "", details: dict[str, Any] | None = None) -> None:
        super().__init__(f"[{code}] {message}" + (f" / {message_en}" if message_en else ""))
        self.code = code
        self.message = message
        self.message_en = message_en or message
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message, "message_en": self.message_en}
        if self.details:
            body["details"] = self.details
        return body


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
    return dumps(message)


def decode(cls: type[M], payload: bytes) -> M:
    try:
        data = loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidMessage(f"{cls.__name__}: payload is not UTF-8 JSON ({exc})") from exc
    return from_mapping(cls, data)


# ---------------------------------------------------------------- replies

def reply_ok(data: Any) -> bytes:
    return dumps({"ok": True, "data": data})


def reply_error(code: str, message: str, message_en: str, details: dict[str, Any] | None = None) -> bytes:
    error: dict[str, Any] = {"code": code, "message": message, "message_en": message_en}
    if details:
        error["details"] = details
    return dumps({"ok": False, "error": error})


def parse_reply(payload: bytes) -> Any:
    """The data of a successful reply; raise ServiceError for an error reply."""
    try:
        body = loads(payload)
        if body.get("ok") is True:
            return body.get("data")
        err = body["error"]
        raise ServiceError(err["code"], err["message"], err.get("message_en", ""), err.get("details"))
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise ServiceError(
            "bad_reply", "Dịch vụ trả lời không đúng định dạng", "The service sent a malformed reply"
        ) from exc


# ---------------------------------------------------------------- commands and queries

@dataclass(frozen=True)
class Command:
    """A request to one service: its subject is `<prefix>.cmd.<service>.<verb>`.

    `actor` is who asks (services.domain.access.Actor as a dict), set by the HTTP edge from the caller's
    credentials and checked again by the service; None for an anonymous caller."""

    handled_by: ClassVar[str] = ""      # the service answering it
    verb: ClassVar[str] = ""
    large_reply: ClassVar[bool] = False  # its answer may come in several messages (services.bus)
    actor: dict | None = field(default=None, kw_only=True)
    deadline: float | None = field(default=None, kw_only=True)   # epoch seconds; set by services.bus


COMMANDS: dict[str, type[Command]] = {}   # "<service>.<verb>" -> class
C = TypeVar("C", bound=type[Command])


def _command(name: str, service: str = "ticketing") -> typing.Callable[[C], C]:
    def register(cls: C) -> C:
        cls.verb = name
        cls.handled_by = service
        COMMANDS[f"{service}.{name}"] = cls
        return cls
    return register


def commands_of(service: str) -> list[type[Command]]:
    return [cls for cls in COMMANDS.values() if cls.handled_by == service]


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
    procedure: str | None = None      # the procedure chosen at the kiosk, one of the service's
    citizen_id: str | None = None     # the citizen identified at the kiosk (identity service)


@_command("call_next")
@dataclass(frozen=True)
class CallNext(Command):
    """Call the next citizen; with `complete`, first complete that ticket, which must be this counter's current
    one (a repeated or stale "complete & next" is refused, never applied to the next citizen)."""

    office: str
    counter: str
    complete: str | None = None


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
    """An action on one ticket. A counter screen also names what it shows (`at_counter`, `seen_version`): the
    action is refused once the ticket has moved on."""

    ticket_id: str
    at_counter: str | None = field(default=None, kw_only=True)
    seen_version: int | None = field(default=None, kw_only=True)


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


@_command("get_office_configuration")
@dataclass(frozen=True)
class GetOfficeConfiguration(Command):
    """The office's whole configuration in the shape ConfigureOffice takes (its managers and admins)."""

    office: str


@_command("get_queue")
@dataclass(frozen=True)
class GetQueue(Command):
    office: str


@_command("get_office_state")
@dataclass(frozen=True)
class GetOfficeState(Command):
    """Everything a live read model of the office starts from: every waiting ticket (compact), the counters with
    their current ticket and recent calls, recent service times, and the database snapshot it reflects."""

    large_reply: ClassVar[bool] = True
    office: str


@_command("locate_ticket")
@dataclass(frozen=True)
class LocateTicket(Command):
    """Which office a ticket belongs to: one index lookup, for a phone that reconnects."""

    ticket_id: str


@_command("get_ticket")
@dataclass(frozen=True)
class GetTicket(Command):
    ticket_id: str


@_command("health")
@dataclass(frozen=True)
class Health(Command):
    """Is the ticketing service there, and its database? (Every service answers its own `health`.)"""


@_command("health", "accounts")
@dataclass(frozen=True)
class AccountsHealth(Command):
    pass


@_command("health", "identity")
@dataclass(frozen=True)
class IdentityHealth(Command):
    pass


@_command("health", "payment")
@dataclass(frozen=True)
class PaymentHealth(Command):
    pass


# ---------------------------------------------------------------- accounts: logins, users, devices

@_command("login", "accounts")
@dataclass(frozen=True)
class Login(Command):
    username: str
    password: str
    address: str = ""
    user_agent: str = ""


@_command("authenticate", "accounts")
@dataclass(frozen=True)
class Authenticate(Command):
    """Who holds the token whose SHA-256 is `token_hash` (hex)? The token itself never crosses the bus."""

    token_hash: str


@_command("logout", "accounts")
@dataclass(frozen=True)
class Logout(Command):
    token_hash: str


@_command("create_user", "accounts")
@dataclass(frozen=True)
class CreateUser(Command):
    username: str
    password: str
    role: str
    office: str | None = None
    counter: str | None = None
    display_name: str = ""
    province: str | None = None      # a province manager: no office, reads the figures of the province's offices


@_command("set_user_disabled", "accounts")
@dataclass(frozen=True)
class SetUserDisabled(Command):
    user: str            # id or user name
    disabled: bool = True


@_command("set_password", "accounts")
@dataclass(frozen=True)
class SetPassword(Command):
    user: str            # id or user name
    password: str
    old_password: str | None = None   # required when users change their own


@_command("list_users", "accounts")
@dataclass(frozen=True)
class ListUsers(Command):
    office: str | None = None


@_command("enrol_device", "accounts")
@dataclass(frozen=True)
class EnrolDevice(Command):
    office: str
    kind: str
    name: str
    counter: str | None = None


@_command("revoke_device", "accounts")
@dataclass(frozen=True)
class RevokeDevice(Command):
    device: str


@_command("list_devices", "accounts")
@dataclass(frozen=True)
class ListDevices(Command):
    office: str | None = None


# ---------------------------------------------------------------- identity: ID cards, citizens, faces, the audit log

@_command("read_cccd", "identity")
@dataclass(frozen=True)
class ReadCccd(Command):
    """Parse a chip ID card's QR text (nothing is stored)."""

    qr: str


@_command("enrol_citizen", "identity")
@dataclass(frozen=True)
class EnrolCitizen(Command):
    """Record (or update) a citizen from the card; with consent, also their face from `photo` (base64)."""

    cccd: str
    consent: bool = False
    photo: str | None = None
    office: str | None = None       # where; staff and kiosks act in their own office


@_command("erase_face", "identity")
@dataclass(frozen=True)
class EraseFace(Command):
    """Withdraw the consent and erase the face encoding."""

    citizen_id: str


@_command("identify", "identity")
@dataclass(frozen=True)
class Identify(Command):
    """Match the face in a camera frame (`image`: base64 JPEG or PNG) against the enrolled citizens."""

    office: str
    image: str


@_command("get_citizen", "identity")
@dataclass(frozen=True)
class GetCitizen(Command):
    citizen_id: str


@_command("get_citizen_audit", "identity")
@dataclass(frozen=True)
class GetCitizenAudit(Command):
    citizen_id: str


def command_subject(prefix: str, command: type[Command] | Command) -> str:
    return f"{prefix}.cmd.{command.handled_by}.{command.verb}"


def revocations_subject(prefix: str) -> str:
    """Core NATS broadcast: credentials revoked (logout, disabled user, revoked device); every web front drops
    them from its cache at once."""
    return f"{prefix}.auth.revoked"


# ---------------------------------------------------------------- payment: fees, bank notices, receipts

@_command("create_fee", "payment")
@dataclass(frozen=True)
class CreateFee(Command):
    """Ask the citizen served on `ticket_id` for a fee, payable by VietQR (the clerk serving the ticket)."""

    ticket_id: str
    amount: int                          # VND
    description: str                     # what it is for, as the receipt shows it ("Lệ phí chứng thực")
    idempotency_key: str | None = None   # a retried request returns the same fee


@_command("get_fee", "payment")
@dataclass(frozen=True)
class GetFee(Command):
    fee_id: str


@_command("list_ticket_fees", "payment")
@dataclass(frozen=True)
class ListTicketFees(Command):
    """The fees asked for one ticket of `office`, newest first, with their receipts: what the counter's fee dialog
    and the citizen's pay screen start from."""

    office: str
    ticket_id: str


@_command("cancel_fee", "payment")
@dataclass(frozen=True)
class CancelFee(Command):
    fee_id: str
    reason: str | None = None


@_command("record_bank_notice", "payment")
@dataclass(frozen=True)
class RecordBankNotice(Command):
    """A gateway's webhook exactly as received: the service checks its authenticity, stores it durably, and only
    then answers, so the web front never acknowledges a notice that could still be lost."""

    gateway: str                         # "sepay" | "payos"
    body_b64: str                        # the raw request body, base64
    authorization: str | None = None     # the Authorization header (SePay's API key); never stored
    address: str = ""                    # where it came from, for the log


@_command("list_payment_exceptions", "payment")
@dataclass(frozen=True)
class ListPaymentExceptions(Command):
    office: str | None = None            # None: transfers into an account no known office uses (admins)
    status: str = "open"                 # open | resolved | all


@_command("resolve_payment_exception", "payment")
@dataclass(frozen=True)
class ResolvePaymentException(Command):
    """Settle a transfer the matcher could not (refunded, collected the rest, found the payer...); with `fee_id` the
    transfer pays that fee and its receipt is issued."""

    exception_id: str
    note: str
    fee_id: str | None = None


@_command("payments_day", "payment")
@dataclass(frozen=True)
class PaymentsDay(Command):
    """Fees, payments and exceptions of one local day of an office, with totals (reconciliation)."""

    office: str
    day: str | None = None               # YYYY-MM-DD in the office's time zone; today when None


@_command("get_receipt", "payment")
@dataclass(frozen=True)
class GetReceipt(Command):
    receipt_id: str


# ---------------------------------------------------------------- feedback: satisfaction votes

@_command("rate_ticket", "feedback")
@dataclass(frozen=True)
class RateTicket(Command):
    """A citizen's vote on the service of one ticket: from the counter's tablet, or from their phone page (the
    ticket's own id is their key)."""

    ticket_id: str
    level: Any                                    # checked against the office's scale by the service (400)
    reasons: Any = None                           # reason codes (services.domain.ratings.REASONS)
    vote_id: str | None = None                    # the voter's own id of this vote: a retry is recognised
    via: str = "phone"                            # tablet | phone | staff


@_command("health", "feedback")
@dataclass(frozen=True)
class FeedbackHealth(Command):
    pass


# ---------------------------------------------------------------- stats: figures for managers

@_command("get_stats", "stats")
@dataclass(frozen=True)
class GetStats(Command):
    """An office's figures over local days [date_from, date_to] (YYYY-MM-DD; today when None)."""

    office: str
    date_from: str | None = None
    date_to: str | None = None


@_command("get_province_stats", "stats")
@dataclass(frozen=True)
class GetProvinceStats(Command):
    """Every office of a province side by side over local days [date_from, date_to], ranked."""

    province: str
    date_from: str | None = None
    date_to: str | None = None


@_command("list_stats_tickets", "stats")
@dataclass(frozen=True)
class ListStatsTickets(Command):
    """One page of an office's tickets with their figures, in issue order (exports). `after` is the last row's
    `cursor` of the previous page."""

    office: str
    date_from: str | None = None
    date_to: str | None = None
    after: str | None = None
    limit: int = 2000


@_command("rebuild_stats", "stats")
@dataclass(frozen=True)
class RebuildStats(Command):
    """Empty the figures and project them again from the first event of the stream (admins)."""


@_command("list_offices_stats", "stats")
@dataclass(frozen=True)
class ListStatsOffices(Command):
    """The offices the caller may see figures of (with their province), for the manager's landing page."""


@_command("health", "stats")
@dataclass(frozen=True)
class StatsHealth(Command):
    pass


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
    actor: dict | None = None      # who acted (user or device), for reports per clerk; never on public screens
    txid: int | None = None        # the PostgreSQL transaction that committed it (see services.live.snapshots)


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


@_event("ticket.expired")
@dataclass(frozen=True)
class TicketExpired(Event):
    """Left unfinished when the office closed (or at the end of its day)."""


@_event("counter.paused")
@dataclass(frozen=True)
class CounterPaused(Event):
    pass


@_event("counter.resumed")
@dataclass(frozen=True)
class CounterResumed(Event):
    pass



# Payment events (services.payment). `ticket` stays None: they are not ticket moves, and the hall board never
# hears of them; `data["fee"]` is the fee's public view (services.payment.views.fee_view), `counter` its counter.

@_event("fee.created")
@dataclass(frozen=True)
class FeeCreated(Event):
    pass


@_event("fee.paid")
@dataclass(frozen=True)
class FeePaid(Event):
    """data: {"fee", "payment": {"id", "amount", "gateway", "occurred_at"}, "receipt": {"id", "number", ...}}"""


@_event("fee.cancelled")
@dataclass(frozen=True)
class FeeCancelled(Event):
    pass


@_event("fee.expired")
@dataclass(frozen=True)
class FeeExpired(Event):
    pass


@_event("payment.exception")
@dataclass(frozen=True)
class PaymentExceptionRaised(Event):
    """data: {"exception": {"id", "kind", "amount", "fee_id", "message", "message_en", ...}}"""


@_event("payment.exception_resolved")
@dataclass(frozen=True)
class PaymentExceptionResolved(Event):
    pass


@_event("rating.given")
@dataclass(frozen=True)
class RatingGiven(Event):
    """data: {"ticket_id", "number", "counter", "clerk", "service", "procedure", "level", "scale", "reasons", "via"}.
    The hall board never hears of it (`ticket` stays None)."""


# Citizens belong to no one office: their events carry CITIZEN_EVENTS as `office` (the office where it happened is in
# `data`), so they stay out of the offices' live feeds. `data` holds the citizen's id only: the stream keeps events
# for months and must never hold a name, an ID number or a face.
CITIZEN_EVENTS = "_citizens"


@_event("citizen.enrolled")
@dataclass(frozen=True)
class CitizenEnrolled(Event):
    pass


@_event("citizen.face_enrolled")
@dataclass(frozen=True)
class CitizenFaceEnrolled(Event):
    pass


@_event("citizen.face_erased")
@dataclass(frozen=True)
class CitizenFaceErased(Event):
    pass


def event_subject(prefix: str, event: Event) -> str:
    return f"{prefix}.evt.{event.office}.{event.type}"


def event_json(event: Event) -> bytes:
    """An event as it is stored in the outbox, published and streamed to staff screens: its fields and its type."""
    return dumps({**{f.name: getattr(event, f.name) for f in fields(event)}, "type": event.type})


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
