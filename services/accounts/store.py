"""SQL for users, sessions, devices, login attempts and the security log. Functions take a connection."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from services.domain.access import Actor
from services.domain.errors import NotFound


@dataclass(frozen=True)
class User:
    id: str
    username: str
    display_name: str
    role: str
    office: str | None
    counter: str | None
    disabled: bool
    password_hash: str
    created_at: datetime
    province: str | None = None     # a province manager (no office): reads the figures of the province's offices

    def actor(self) -> Actor:
        return Actor(type="user", id=self.id, name=self.username, role=self.role, office=self.office,
                     counter=self.counter, province=self.province)

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "display_name": self.display_name, "role": self.role,
                "office": self.office, "counter": self.counter, "province": self.province, "disabled": self.disabled,
                "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class Device:
    id: str
    office: str
    kind: str
    name: str
    counter: str | None
    created_at: datetime
    revoked_at: datetime | None

    def actor(self) -> Actor:
        return Actor(type="device", id=self.id, name=self.name, kind=self.kind, office=self.office,
                     counter=self.counter)

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "office": self.office, "kind": self.kind, "name": self.name, "counter": self.counter,
                "created_at": self.created_at.isoformat(),
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None}


_USER_COLUMNS = ("id, username, display_name, role, office_id, counter_id, disabled_at, password_hash, created_at,"
                 " province")


def _user(row: asyncpg.Record) -> User:
    return User(str(row["id"]), row["username"], row["display_name"], row["role"], row["office_id"],
                row["counter_id"], row["disabled_at"] is not None, row["password_hash"], row["created_at"],
                row["province"])


def _device(row: asyncpg.Record) -> Device:
    return Device(str(row["id"]), row["office_id"], row["kind"], row["name"], row["counter_id"], row["created_at"],
                  row["revoked_at"])


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return None


async def find_user(conn: asyncpg.Connection, ref: str, *, lock: bool = False) -> User | None:
    """A user by id or by user name."""
    ident = _as_uuid(ref)
    where = "id = $1" if ident else "username = lower($1)"
    row = await conn.fetchrow(f"SELECT {_USER_COLUMNS} FROM users WHERE {where}" + (" FOR UPDATE" if lock else ""),
                              ident or ref)
    return _user(row) if row else None


async def get_user(conn: asyncpg.Connection, ref: str, *, lock: bool = False) -> User:
    user = await find_user(conn, ref, lock=lock)
    if user is None:
        raise NotFound(f"Không có tài khoản '{ref}'", f"No user '{ref}'")
    return user


async def insert_user(conn: asyncpg.Connection, *, username: str, password_hash: str, role: str, office: str | None,
                      counter: str | None, display_name: str, created_by: str, province: str | None = None) -> User:
    row = await conn.fetchrow(
        f"INSERT INTO users (id, username, display_name, password_hash, role, office_id, counter_id, created_by,"
        f" province) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {_USER_COLUMNS}",
        uuid.uuid4(), username, display_name, password_hash, role, office, counter, created_by, province,
    )
    return _user(row)


async def set_disabled(conn: asyncpg.Connection, user_id: str, disabled: bool) -> None:
    await conn.execute("UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END"
                       " WHERE id = $1", uuid.UUID(user_id), disabled)


async def set_password_hash(conn: asyncpg.Connection, user_id: str, password_hash: str) -> None:
    await conn.execute("UPDATE users SET password_hash = $2 WHERE id = $1", uuid.UUID(user_id), password_hash)


async def list_users(conn: asyncpg.Connection, office: str | None) -> list[User]:
    rows = await conn.fetch(f"SELECT {_USER_COLUMNS} FROM users WHERE $1::text IS NULL OR office_id = $1"
                            " ORDER BY office_id NULLS FIRST, username", office)
    return [_user(r) for r in rows]


# ------------------------------------------------------------ sessions

async def insert_session(conn: asyncpg.Connection, token_hash: bytes, user_id: str, csrf: str, address: str,
                         user_agent: str, expires_at: datetime) -> None:
    await conn.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf, address, user_agent, expires_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        token_hash, uuid.UUID(user_id), csrf, address[:100], user_agent[:300], expires_at,
    )


async def find_session(conn: asyncpg.Connection, token_hash: bytes) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT s.csrf, s.expires_at, s.revoked_at, {', '.join('u.' + c for c in _USER_COLUMNS.split(', '))}"
        " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1", token_hash,
    )


def session_user(row: asyncpg.Record) -> User:
    return _user(row)


async def revoke_session(conn: asyncpg.Connection, token_hash: bytes) -> bool:
    done = await conn.execute("UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL",
                              token_hash)
    return done.endswith(" 1")


async def revoke_user_sessions(conn: asyncpg.Connection, user_id: str) -> list[bytes]:
    rows = await conn.fetch("UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL"
                            " RETURNING token_hash", uuid.UUID(user_id))
    return [r["token_hash"] for r in rows]


# ------------------------------------------------------------ devices

_DEVICE_COLUMNS = "id, office_id, kind, name, counter_id, created_at, revoked_at"


async def insert_device(conn: asyncpg.Connection, *, office: str, kind: str, name: str, counter: str | None,
                        token_hash: bytes, created_by: str) -> Device:
    row = await conn.fetchrow(
        f"INSERT INTO devices (id, office_id, kind, name, counter_id, token_hash, created_by)"
        f" VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {_DEVICE_COLUMNS}",
        uuid.uuid4(), office, kind, name, counter, token_hash, created_by,
    )
    return _device(row)


async def find_device_by_token(conn: asyncpg.Connection, token_hash: bytes) -> Device | None:
    row = await conn.fetchrow(f"SELECT {_DEVICE_COLUMNS} FROM devices WHERE token_hash = $1", token_hash)
    return _device(row) if row else None


async def get_device(conn: asyncpg.Connection, device_id: str, *, lock: bool = False) -> Device:
    ident = _as_uuid(device_id)
    row = ident and await conn.fetchrow(
        f"SELECT {_DEVICE_COLUMNS} FROM devices WHERE id = $1" + (" FOR UPDATE" if lock else ""), ident)
    if not row:
        raise NotFound(f"Không có thiết bị '{device_id}'", f"No device '{device_id}'")
    return _device(row)


async def revoke_device(conn: asyncpg.Connection, device_id: str, by: str) -> bytes | None:
    return await conn.fetchval("UPDATE devices SET revoked_at = now(), revoked_by = $2"
                               " WHERE id = $1 AND revoked_at IS NULL RETURNING token_hash", uuid.UUID(device_id), by)


async def list_devices(conn: asyncpg.Connection, office: str | None) -> list[Device]:
    rows = await conn.fetch(f"SELECT {_DEVICE_COLUMNS} FROM devices WHERE $1::text IS NULL OR office_id = $1"
                            " ORDER BY office_id, revoked_at NULLS FIRST, kind, name", office)
    return [_device(r) for r in rows]


# ------------------------------------------------------------ login attempts and the security log

async def record_attempt(conn: asyncpg.Connection, username: str, address: str, at: datetime, ok: bool) -> None:
    await conn.execute("INSERT INTO login_attempts (username, address, at, ok) VALUES ($1, $2, $3, $4)",
                       username[:100], address[:100], at, ok)


async def recent_failures(conn: asyncpg.Connection, username: str, address: str,
                          since: datetime) -> tuple[list[datetime], list[datetime]]:
    """Failed attempts since `since`: for this user name (after its last successful login), and from this address."""
    rows = await conn.fetch(
        "SELECT at, username = $1 AND at > coalesce((SELECT max(at) FROM login_attempts WHERE username = $1 AND ok),"
        " '-infinity') AS by_name, address = $2 AS by_address FROM login_attempts"
        " WHERE NOT ok AND at >= $3 AND (username = $1 OR address = $2)", username[:100], address[:100], since,
    )
    return [r["at"] for r in rows if r["by_name"]], [r["at"] for r in rows if r["by_address"] and address]


async def log(conn: asyncpg.Connection, actor: str, action: str, target: str = "", office: str | None = None,
              **detail: Any) -> None:
    await conn.execute("INSERT INTO security_log (actor, action, target, office_id, detail) VALUES ($1, $2, $3, $4, $5)",
                       actor, action, target, office, detail)


async def prune(conn: asyncpg.Connection, now: datetime) -> None:
    """Forget login attempts after a week and dead sessions after a month."""
    await conn.execute("DELETE FROM login_attempts WHERE at < $1", now - timedelta(days=7))
    await conn.execute("DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1", now - timedelta(days=30))
