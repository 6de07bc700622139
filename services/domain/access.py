"""Who may do what: the roles of staff, the kinds of enrolled devices, and one table of rights.

Pure rules, used twice: by the HTTP edge before a request becomes a command, and by each service
on the command it receives (an office known only after loading a ticket is checked there).
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, Mapping

from .errors import Forbidden, InvalidInput, Unauthenticated


class Role(StrEnum):
    ADMIN = "admin"        # everything, every office
    MANAGER = "manager"    # sees, reports on and configures their own office, its clerks and devices; a province
                           # manager (a province, no office) reads the figures of every office of the province
    CLERK = "clerk"        # acts at the counters of their own office


class DeviceKind(StrEnum):
    KIOSK = "kiosk"        # issues tickets (and identifies citizens) for its office
    DISPLAY = "display"    # reads its office's hall board
    TABLET = "tablet"      # the citizen-facing tablet of a counter: votes, and shows the fee to pay


class Right(StrEnum):
    SIGNED_IN = "signed_in"              # any valid credentials: who am I, change my own password
    ISSUE_TICKET = "issue_ticket"
    SERVE = "serve"                      # counter actions: next, call, recall, skip, start, complete, ...
    READ_DETAIL = "read_detail"          # ticket ids, priority categories, who acted: the counter's view
    READ_BOARD = "read_board"            # the hall board's stream: numbers and counts only
    CONFIGURE_OFFICE = "configure_office"
    CREATE_OFFICE = "create_office"
    CREATE_USERS = "create_users"
    MANAGE_USERS = "manage_users"        # list, disable, enable the users of an office
    ENROL_DEVICES = "enrol_devices"
    MANAGE_DEVICES = "manage_devices"    # list and revoke the devices of an office
    IDENTIFY = "identify"                # read a CCCD, match a face
    ENROL_CITIZEN = "enrol_citizen"
    READ_CITIZEN = "read_citizen"        # a citizen's name and ID number at the counter
    AUDIT = "audit"                      # the log of uses of citizens' data
    TAKE_FEES = "take_fees"
    SHOW_PAY = "show_pay"                # a counter's citizen-facing pay screen: the fee asked there, its QR
    RESOLVE_PAYMENTS = "resolve_payments"
    VOTE = "vote"
    REPORT = "report"


_STAFF = {Role.CLERK, Role.MANAGER}

# Who holds each right besides `admin`, who holds them all. Office scope is checked separately.
GRANTS: Mapping[Right, frozenset[str]] = {
    Right.SIGNED_IN: frozenset({*_STAFF, *DeviceKind}),
    Right.ISSUE_TICKET: frozenset({*_STAFF, DeviceKind.KIOSK}),
    Right.SERVE: frozenset(_STAFF),
    Right.READ_DETAIL: frozenset(_STAFF),
    Right.READ_BOARD: frozenset({*_STAFF, DeviceKind.DISPLAY}),
    Right.CONFIGURE_OFFICE: frozenset({Role.MANAGER}),
    Right.CREATE_OFFICE: frozenset(),
    Right.CREATE_USERS: frozenset({Role.MANAGER}),       # managers: clerks of their own office (check_may_create_user)
    Right.MANAGE_USERS: frozenset({Role.MANAGER}),
    Right.ENROL_DEVICES: frozenset({Role.MANAGER}),
    Right.MANAGE_DEVICES: frozenset({Role.MANAGER}),
    Right.IDENTIFY: frozenset({*_STAFF, DeviceKind.KIOSK}),
    Right.ENROL_CITIZEN: frozenset({*_STAFF, DeviceKind.KIOSK}),
    Right.READ_CITIZEN: frozenset(_STAFF),
    Right.AUDIT: frozenset(),
    Right.TAKE_FEES: frozenset(_STAFF),
    Right.SHOW_PAY: frozenset({*_STAFF, DeviceKind.TABLET}),
    Right.RESOLVE_PAYMENTS: frozenset(_STAFF),
    Right.VOTE: frozenset({DeviceKind.TABLET}),
    Right.REPORT: frozenset({Role.MANAGER}),
}

RIGHT_VI = {
    Right.SIGNED_IN: "truy cập",
    Right.ISSUE_TICKET: "cấp số", Right.SERVE: "thao tác tại quầy", Right.READ_DETAIL: "xem chi tiết hàng chờ",
    Right.READ_BOARD: "xem màn hình sảnh", Right.CONFIGURE_OFFICE: "cấu hình văn phòng",
    Right.CREATE_OFFICE: "tạo văn phòng", Right.CREATE_USERS: "tạo tài khoản",
    Right.MANAGE_USERS: "quản lý tài khoản", Right.ENROL_DEVICES: "đăng ký thiết bị",
    Right.MANAGE_DEVICES: "quản lý thiết bị", Right.IDENTIFY: "nhận diện công dân",
    Right.ENROL_CITIZEN: "ghi nhận công dân", Right.READ_CITIZEN: "xem thông tin công dân",
    Right.AUDIT: "xem nhật ký sử dụng dữ liệu", Right.TAKE_FEES: "thu phí",
    Right.SHOW_PAY: "hiển thị màn hình thanh toán của quầy",
    Right.RESOLVE_PAYMENTS: "xử lý thanh toán", Right.VOTE: "đánh giá", Right.REPORT: "xem báo cáo",
}


RIGHT_EN = {
    Right.SIGNED_IN: "use this", Right.ISSUE_TICKET: "issue tickets", Right.SERVE: "act at the counters",
    Right.READ_DETAIL: "see the queue's detail", Right.READ_BOARD: "read the hall board",
    Right.CONFIGURE_OFFICE: "configure the office", Right.CREATE_OFFICE: "create offices",
    Right.CREATE_USERS: "create accounts", Right.MANAGE_USERS: "manage accounts", Right.ENROL_DEVICES: "enrol devices",
    Right.MANAGE_DEVICES: "manage devices", Right.IDENTIFY: "identify citizens", Right.ENROL_CITIZEN: "enrol citizens",
    Right.READ_CITIZEN: "see citizens' data", Right.AUDIT: "read the data-use log", Right.TAKE_FEES: "take fees",
    Right.SHOW_PAY: "show the counter's pay screen",
    Right.RESOLVE_PAYMENTS: "resolve payments", Right.VOTE: "vote", Right.REPORT: "see reports",
}


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user, an enrolled device, or the system itself (seeding, maintenance)."""

    type: str                   # "user" | "device" | "system"
    id: str
    name: str
    role: str | None = None     # users: admin | manager | clerk; the system acts as admin
    kind: str | None = None     # devices: kiosk | display | tablet
    office: str | None = None   # None for admins and the system
    counter: str | None = None  # a clerk's usual counter; a tablet's counter
    province: str | None = None  # a province manager (no office): reads the figures of the province's offices

    @property
    def grant(self) -> str:
        """The key this actor holds rights by: a role for users, a kind for devices."""
        return (self.role if self.type in ("user", "system") else self.kind) or ""

    @property
    def is_admin(self) -> bool:
        return self.type in ("user", "system") and self.role == Role.ADMIN

    def as_dict(self) -> dict[str, Any]:
        # Its fields are plain values: no need for asdict's deep copy (one per request).
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "Actor | None":
        if data is None:
            return None
        if not isinstance(data, Mapping) or data.get("type") not in ("user", "device", "system"):
            raise InvalidInput("Người thực hiện không hợp lệ", "Invalid actor")
        try:
            return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})
        except TypeError as exc:
            raise InvalidInput("Người thực hiện không hợp lệ", "Invalid actor") from exc

    def describe(self) -> str:
        what = self.role if self.type != "device" else self.kind
        return f"{self.type}:{self.name}({what}@{self.office or '*'})"


SYSTEM = Actor(type="system", id="system", name="system", role=Role.ADMIN)


def check(actor: Actor | None, right: Right, office: str | None = None, counter: str | None = None) -> Actor:
    """Return `actor` if it may exercise `right` (in `office`, at `counter` when given); raise
    Unauthenticated without an actor, Forbidden otherwise. `office=None` checks the role only: the
    caller checks the office once it knows it."""
    if actor is None:
        raise Unauthenticated(
            "Cần đăng nhập hoặc dùng thiết bị đã đăng ký để " + RIGHT_VI[right],
            f"Log in, or use an enrolled device, to {RIGHT_EN[right]}",
        )
    if actor.is_admin:
        return actor
    if actor.grant not in GRANTS[right]:
        raise Forbidden(
            f"{_who_vi(actor)} không có quyền {RIGHT_VI[right]}",
            f"{_who_en(actor)} may not {RIGHT_EN[right]}",
        )
    if office is not None and actor.office != office:
        raise Forbidden(
            f"{_who_vi(actor)} thuộc văn phòng '{actor.office}', không được {RIGHT_VI[right]} tại văn phòng '{office}'",
            f"{_who_en(actor)} belongs to office '{actor.office}', not '{office}'",
        )
    if counter is not None and actor.type == "device" and actor.counter not in (None, counter):
        raise Forbidden(
            f"Thiết bị này thuộc quầy {actor.counter}, không phải quầy {counter}",
            f"This device belongs to counter {actor.counter}, not counter {counter}",
        )
    return actor


def _who_vi(actor: Actor) -> str:
    if actor.type == "device":
        return {"kiosk": "Kiosk", "display": "Màn hình sảnh", "tablet": "Máy tính bảng của quầy"}.get(
            actor.kind or "", "Thiết bị") + f" “{actor.name}”"
    return {"manager": "Lãnh đạo", "clerk": "Cán bộ"}.get(actor.role or "", "Tài khoản") + f" “{actor.name}”"


def _who_en(actor: Actor) -> str:
    if actor.type == "device":
        return f"The {actor.kind} device “{actor.name}”"
    return f"The {actor.role} “{actor.name}”"


def check_in_province(actor: Actor | None, right: Right, office: str, province: str | None) -> Actor:
    """`right` over `office`: as check(), or a province manager (no office of their own) over an office of their
    province."""
    if actor is not None and actor.province is not None and actor.office is None and not actor.is_admin:
        if actor.grant in GRANTS[right] and province is not None and actor.province == province:
            return actor
        raise Forbidden(
            f"{_who_vi(actor)} chỉ xem được các văn phòng của tỉnh/thành '{actor.province}'",
            f"{_who_en(actor)} sees the offices of province '{actor.province}' only",
        )
    return check(actor, right, office)


def check_may_create_user(actor: Actor | None, role: str, office: str | None, province: str | None) -> Actor:
    """Admins create any account; an office's manager creates clerks of that office only (never an admin, a manager,
    a province account, or anyone of another office)."""
    actor = check(actor, Right.CREATE_USERS)
    if actor.is_admin:
        return actor
    if role != Role.CLERK or province is not None:
        raise Forbidden(
            f"{_who_vi(actor)} chỉ được tạo tài khoản cán bộ (clerk) của văn phòng mình; "
            "tài khoản quản trị, lãnh đạo và lãnh đạo tỉnh do quản trị viên tạo",
            f"{_who_en(actor)} may create clerk accounts of their own office only; admins create admin, manager and "
            "province accounts", field="role")
    if actor.office is None or office != actor.office:
        raise Forbidden(
            f"{_who_vi(actor)} thuộc văn phòng '{actor.office or '-'}', không được tạo tài khoản cho văn phòng "
            f"'{office or '-'}'",
            f"{_who_en(actor)} belongs to office '{actor.office or '-'}', not '{office or '-'}'", field="office")
    return actor


def check_province_unchanged(actor: Actor, before: Mapping[str, str] | None, after: Mapping[str, str] | None) -> None:
    """Which province an office belongs to decides who reads its figures: only admins change it."""
    if actor.is_admin or (before or None) == (after or None):
        return
    if before is not None and after is not None and before.get("code") == after.get("code"):
        return                                   # the province's name may be corrected; its code decides who sees
    raise Forbidden(
        "Chỉ quản trị viên được đổi tỉnh/thành của văn phòng (lãnh đạo tỉnh/thành xem số liệu theo đó)",
        "Only admins change the office's province (the province's managers read its figures by it)",
        field="settings.province.code")
