"""Accounts commands: log in, authenticate a token, log out; users; devices. Each checks who asks."""
from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

import asyncpg

from services import messages as m
from services.accounts import store
from services.accounts.passwords import hash_password, needs_rehash, verify_password
from services.domain import accounts as rules
from services.domain.access import SYSTEM, Actor, DeviceKind, Right, Role, check, check_may_create_user
from services.domain.errors import Conflict, Forbidden, InvalidInput, TooManyAttempts, Unauthenticated
from services.domain.numbering import utc_now
from services.domain.office import check_id
from services.store.db import RoutedCommands
from services.store.db import health as db_health

log = logging.getLogger(__name__)

Revoked = Callable[[list[bytes]], Awaitable[None]]

_BAD_LOGIN = ("Sai tên đăng nhập hoặc mật khẩu", "Wrong user name or password")


class Accounts(RoutedCommands):
    def __init__(self, pool: asyncpg.Pool, *, session_ttl_s: int = 12 * 3600,
                 lockout: rules.LockoutRule = rules.LockoutRule(), clock: Callable[[], datetime] = utc_now,
                 on_revoked: Revoked | None = None) -> None:
        self._pool = pool
        self._ttl = timedelta(seconds=session_ttl_s)
        self._lockout = lockout
        self._clock = clock
        self._on_revoked = on_revoked
        self._routes: dict[type[m.Command], Callable[[Any], Awaitable[Any]]] = {
            m.Login: self.login, m.Authenticate: self.authenticate, m.Logout: self.logout,
            m.CreateUser: self.create_user, m.SetUserDisabled: self.set_user_disabled,
            m.SetPassword: self.set_password, m.ListUsers: self.list_users, m.EnrolDevice: self.enrol_device,
            m.RevokeDevice: self.revoke_device, m.ListDevices: self.list_devices,
            m.AccountsHealth: lambda _: db_health(self._pool),
        }

    async def _revoked(self, hashes: list[bytes]) -> None:
        if hashes and self._on_revoked is not None:
            await self._on_revoked(hashes)

    # ------------------------------------------------------------ logging in

    async def login(self, cmd: m.Login) -> dict[str, Any]:
        username = cmd.username.strip().lower()[:100]
        if not username or not cmd.password or len(cmd.password) > rules.MAX_PASSWORD:
            raise Unauthenticated(*_BAD_LOGIN)
        now = self._clock()
        async with self._pool.acquire() as conn:
            # Taking turns per user name and address, then counting this attempt as failed until proven
            # otherwise, so that a burst of parallel guesses cannot slip past the lock-out.
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext('login:' || $1)),"
                                   " pg_advisory_xact_lock(hashtext('login-from:' || $2))", username, cmd.address)
                since = now - timedelta(seconds=self._lockout.window_s + self._lockout.lock_s)
                by_name, by_address = await store.recent_failures(conn, username, cmd.address, since)
                wait = max(rules.locked_for_s(by_name, now, self._lockout),
                           rules.locked_for_s(by_address, now, self._lockout))
                if wait:
                    await store.log(conn, f"address:{cmd.address}", "login_locked", username, retry_after_s=wait)
                    log.warning("login refused for %r from %s: locked for %d s", username, cmd.address, wait)
                    minutes = max(1, round(wait / 60))
                    raise TooManyAttempts(
                        f"Đăng nhập sai quá nhiều lần; vui lòng thử lại sau khoảng {minutes} phút",
                        f"Too many failed logins; try again in about {minutes} min", retry_after_s=wait)
                attempt = await conn.fetchval(
                    "INSERT INTO login_attempts (username, address, at, ok) VALUES ($1, $2, $3, false) RETURNING id",
                    username, cmd.address[:100], now)
            user = await store.find_user(conn, username)
            ok = await asyncio.to_thread(verify_password, user.password_hash if user else None, cmd.password)
            if not ok or user is None or user.disabled:
                reason = "disabled" if ok and user is not None else "bad_password"
                await store.log(conn, f"address:{cmd.address}", "login_failed", username, reason=reason)
                log.warning("login failed for %r from %s (%s)", username, cmd.address, reason)
                if reason == "disabled":
                    raise Unauthenticated("Tài khoản này đã bị khoá; liên hệ quản trị viên",
                                          "This account is disabled; ask the administrator")
                raise Unauthenticated(*_BAD_LOGIN)
            token, csrf = rules.new_token(rules.SESSION_PREFIX), secrets.token_urlsafe(24)
            expires_at = now + self._ttl
            async with conn.transaction():
                await conn.execute("UPDATE login_attempts SET ok = true WHERE id = $1", attempt)
                await store.insert_session(conn, rules.token_hash(token), user.id, csrf, cmd.address,
                                           cmd.user_agent, expires_at)
                if needs_rehash(user.password_hash):
                    await store.set_password_hash(conn, user.id, await asyncio.to_thread(hash_password, cmd.password))
        log.info("login: %s (%s@%s) from %s", user.username, user.role, user.office or "*", cmd.address)
        return {"token": token, "csrf": csrf, "role": user.role, "office": user.office, "counter": user.counter,
                "province": user.province,
                "user_id": user.id, "username": user.username, "display_name": user.display_name,
                "expires_at": expires_at.isoformat()}

    async def authenticate(self, cmd: m.Authenticate) -> dict[str, Any]:
        try:
            digest = bytes.fromhex(cmd.token_hash)
        except ValueError as exc:
            raise Unauthenticated("Mã truy cập không hợp lệ", "Invalid token", reason="unknown") from exc
        async with self._pool.acquire() as conn:
            session = await store.find_session(conn, digest)
            if session is not None:
                user = store.session_user(session)
                if session["revoked_at"] is not None:
                    raise Unauthenticated("Phiên đăng nhập đã kết thúc; vui lòng đăng nhập lại",
                                          "This session was ended; please log in again", reason="revoked")
                if session["expires_at"] <= self._clock():
                    raise Unauthenticated("Phiên đăng nhập đã hết hạn; vui lòng đăng nhập lại",
                                          "The session has expired; please log in again", reason="expired")
                if user.disabled:
                    raise Unauthenticated("Tài khoản này đã bị khoá", "This account is disabled", reason="disabled")
                return {"actor": user.actor().as_dict(), "csrf": session["csrf"],
                        "expires_at": session["expires_at"].isoformat()}
            device = await store.find_device_by_token(conn, digest)
        if device is not None:
            if device.revoked_at is not None:
                raise Unauthenticated("Thiết bị này đã bị thu hồi; cần đăng ký lại",
                                      "This device was revoked; it must be enrolled again", reason="revoked")
            return {"actor": device.actor().as_dict(), "csrf": None, "expires_at": None}
        raise Unauthenticated("Mã truy cập không đúng", "Unknown token", reason="unknown")

    async def logout(self, cmd: m.Logout) -> dict[str, Any]:
        async with self._pool.acquire() as conn:
            ended = await store.revoke_session(conn, bytes.fromhex(cmd.token_hash))
        if ended:
            await self._revoked([bytes.fromhex(cmd.token_hash)])
        return {"logged_out": True}

    # ------------------------------------------------------------ users

    async def create_user(self, cmd: m.CreateUser) -> dict[str, Any]:
        actor = check_may_create_user(Actor.from_dict(cmd.actor), cmd.role, cmd.office, cmd.province)
        username = rules.check_username(cmd.username)
        password = rules.check_password(cmd.password, username)
        role = rules.check_role(cmd.role)
        office, province = rules.check_scope(role, cmd.office, cmd.province)
        counter = check_id("quầy", "counter", cmd.counter) if cmd.counter and role is Role.CLERK else None
        display_name = (cmd.display_name or "").strip()[:100]
        password_hash = await asyncio.to_thread(hash_password, password)
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                try:
                    user = await store.insert_user(conn, username=username, password_hash=password_hash, role=role,
                                                   office=office, counter=counter, display_name=display_name,
                                                   created_by=actor.describe(), province=province)
                except asyncpg.UniqueViolationError as exc:
                    raise Conflict(f"Tên đăng nhập '{username}' đã có", f"User name '{username}' is taken",
                                   field="username") from exc
                await store.log(conn, actor.describe(), "user_created", username, office, role=role,
                                **({"province": province} if province else {}))
        return user.public()

    async def set_user_disabled(self, cmd: m.SetUserDisabled) -> dict[str, Any]:
        actor = Actor.from_dict(cmd.actor)
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                user = await store.get_user(conn, cmd.user, lock=True)
                self._may_manage(actor, user)
                if actor is not None and actor.id == user.id and cmd.disabled:
                    raise InvalidInput("Không thể tự khoá tài khoản của chính mình", "You cannot disable yourself")
                await store.set_disabled(conn, user.id, cmd.disabled)
                revoked = await store.revoke_user_sessions(conn, user.id) if cmd.disabled else []
                await store.log(conn, _describe(actor), "user_disabled" if cmd.disabled else "user_enabled",
                                user.username, user.office)
        await self._revoked(revoked)
        return {**user.public(), "disabled": cmd.disabled}

    async def set_password(self, cmd: m.SetPassword) -> dict[str, Any]:
        actor = Actor.from_dict(cmd.actor)
        async with self._pool.acquire() as conn:
            user = await store.get_user(conn, cmd.user)
            password = rules.check_password(cmd.password, user.username)
            if actor is not None and actor.type == "user" and actor.id == user.id and not actor.is_admin:
                if not await asyncio.to_thread(verify_password, user.password_hash, cmd.old_password or ""):
                    raise Unauthenticated("Mật khẩu hiện tại không đúng", "The current password is wrong")
            else:
                self._may_manage(actor, user)
            password_hash = await asyncio.to_thread(hash_password, password)
            async with conn.transaction():
                await store.set_password_hash(conn, user.id, password_hash)
                revoked = await store.revoke_user_sessions(conn, user.id)
                await store.log(conn, _describe(actor), "password_set", user.username, user.office)
        await self._revoked(revoked)
        return user.public()

    async def list_users(self, cmd: m.ListUsers) -> list[dict[str, Any]]:
        actor = check(Actor.from_dict(cmd.actor), Right.MANAGE_USERS, cmd.office)
        office = cmd.office if cmd.office is not None or actor.is_admin else _own_office(actor)
        async with self._pool.acquire() as conn:
            return [u.public() for u in await store.list_users(conn, office)]

    @staticmethod
    def _may_manage(actor: Actor | None, user: store.User) -> None:
        check(actor, Right.MANAGE_USERS, user.office or "")
        assert actor is not None
        if user.role == Role.ADMIN and not actor.is_admin:
            raise Forbidden("Chỉ quản trị viên được thay đổi tài khoản quản trị", "Only admins may change an admin")

    # ------------------------------------------------------------ devices

    async def enrol_device(self, cmd: m.EnrolDevice) -> dict[str, Any]:
        office = check_id("văn phòng", "office", cmd.office)
        actor = check(Actor.from_dict(cmd.actor), Right.ENROL_DEVICES, office)
        kind = rules.check_device_kind(cmd.kind)
        name = (cmd.name or "").strip()
        if not 1 <= len(name) <= 80:
            raise InvalidInput("Thiết bị cần có tên (1–80 ký tự)", "The device needs a name (1–80 characters)",
                               field="name")
        if cmd.counter is not None and kind is not DeviceKind.TABLET:
            raise InvalidInput("Chỉ máy tính bảng đánh giá mới gắn với một quầy",
                               "Only a rating tablet belongs to a counter", field="counter")
        counter = check_id("quầy", "counter", cmd.counter) if cmd.counter is not None else None
        token = rules.new_token(rules.DEVICE_PREFIX)
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                device = await store.insert_device(conn, office=office, kind=kind, name=name, counter=counter,
                                                   token_hash=rules.token_hash(token), created_by=actor.describe())
                await store.log(conn, actor.describe(), "device_enrolled", device.id, office, kind=kind, name=name)
        return {**device.public(), "token": token}

    async def revoke_device(self, cmd: m.RevokeDevice) -> dict[str, Any]:
        actor = Actor.from_dict(cmd.actor)
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                device = await store.get_device(conn, cmd.device, lock=True)
                check(actor, Right.MANAGE_DEVICES, device.office)
                token_hash = await store.revoke_device(conn, device.id, _describe(actor))
                if token_hash is not None:
                    await store.log(conn, _describe(actor), "device_revoked", device.id, device.office)
                device = await store.get_device(conn, device.id)
        if token_hash is not None:
            await self._revoked([token_hash])
        return device.public()

    async def list_devices(self, cmd: m.ListDevices) -> list[dict[str, Any]]:
        actor = check(Actor.from_dict(cmd.actor), Right.MANAGE_DEVICES, cmd.office)
        office = cmd.office if cmd.office is not None or actor.is_admin else _own_office(actor)
        async with self._pool.acquire() as conn:
            return [d.public() for d in await store.list_devices(conn, office)]


def _own_office(actor: Actor) -> str:
    """The office a listing without one is about: the caller's (a province manager has none: nothing to list)."""
    if actor.office is None:
        raise Forbidden("Tài khoản lãnh đạo tỉnh/thành không quản lý tài khoản hay thiết bị của văn phòng",
                        "A province manager does not manage an office's accounts or devices")
    return actor.office


def _describe(actor: Actor | None) -> str:
    return (actor or SYSTEM).describe()
