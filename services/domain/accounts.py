"""Rules for staff accounts and credentials: user names, passwords, tokens, and the login lock-out."""
from __future__ import annotations

import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

from .access import DeviceKind, Role
from .errors import InvalidInput
from .office import check_id

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD, MAX_PASSWORD = 8, 256

SESSION_PREFIX = "mcs_"   # a staff login: expires
DEVICE_PREFIX = "mcd_"    # an enrolled device: lives until revoked


def check_username(raw: object) -> str:
    """Lower-cased user name of 2–40 plain characters (letters without accents, digits, . _ -)."""
    name = raw.strip().lower() if isinstance(raw, str) else raw
    if not isinstance(name, str) or not _USERNAME.match(name):
        raise InvalidInput(
            f"Tên đăng nhập không hợp lệ: {raw!r} (2–40 ký tự: chữ không dấu, số, '.', '_' hoặc '-')",
            f"Invalid user name: {raw!r} (2–40 characters: letters without accents, digits, '.', '_' or '-')",
            field="username",
        )
    return name


def check_password(password: object, username: str) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(
            f"Mật khẩu phải dài từ {MIN_PASSWORD} đến {MAX_PASSWORD} ký tự",
            f"The password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long", field="password",
        )
    if password.lower() == username.lower() or len(set(password)) < 3:
        raise InvalidInput("Mật khẩu quá dễ đoán", "The password is too easy to guess", field="password")
    return password


def check_role(raw: object) -> Role:
    try:
        return Role(raw)
    except ValueError as exc:
        raise InvalidInput(
            f"Vai trò không hợp lệ: {raw!r} (admin, manager hoặc clerk)",
            f"Invalid role: {raw!r} (admin, manager or clerk)", field="role",
        ) from exc


def check_scope(role: Role, office: object, province: object) -> tuple[str | None, str | None]:
    """(office, province) of a new account: admins have neither; clerks and managers an office; a province manager
    (role manager) a province and no office."""
    if role is Role.ADMIN:
        return None, None
    if province is not None:
        if role is not Role.MANAGER or office is not None:
            raise InvalidInput("Chỉ tài khoản lãnh đạo không thuộc văn phòng nào mới gắn với một tỉnh/thành",
                               "Only a manager without an office belongs to a province", field="province")
        try:
            return None, check_id("tỉnh/thành", "province", province)
        except InvalidInput as exc:
            exc.details["field"] = "province"
            raise
    try:
        return check_id("văn phòng", "office", office), None
    except InvalidInput as exc:
        exc.details["field"] = "office"
        raise


def check_device_kind(raw: object) -> DeviceKind:
    try:
        return DeviceKind(raw)
    except ValueError as exc:
        raise InvalidInput(
            f"Loại thiết bị không hợp lệ: {raw!r} (kiosk, display hoặc tablet)",
            f"Invalid device kind: {raw!r} (kiosk, display or tablet)", field="kind",
        ) from exc


def new_token(prefix: str) -> str:
    """An unguessable bearer token (256 bits); only its hash is ever stored."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def looks_like_token(token: str) -> bool:
    return token.startswith((SESSION_PREFIX, DEVICE_PREFIX)) and 20 <= len(token) <= 200 and token.isascii()


@dataclass(frozen=True)
class LockoutRule:
    """After `max_failures` failed logins within `window_s`, further attempts wait `lock_s` from the last one."""

    max_failures: int = 5
    window_s: int = 300
    lock_s: int = 300


def locked_for_s(failures: Sequence[datetime], now: datetime, rule: LockoutRule = LockoutRule()) -> int:
    """Seconds the caller must wait before trying again (0: not locked). `failures` are the times of
    failed attempts for one user name or one address, in any order."""
    recent = sorted(f for f in failures if now - f <= timedelta(seconds=rule.window_s + rule.lock_s))
    # Locked when some run of max_failures failures fits in the window, until lock_s after the last of them.
    for i in range(len(recent) - rule.max_failures + 1):
        first, last = recent[i], recent[i + rule.max_failures - 1]
        if (last - first).total_seconds() <= rule.window_s:
            until = recent[-1] + timedelta(seconds=rule.lock_s)
            if until > now:
                return max(1, math.ceil((until - now).total_seconds()))
    return 0
