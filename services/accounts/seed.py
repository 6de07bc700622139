"""Accounts made without anyone logged in: the first admin (MOTCUA_ADMIN_PASSWORD) and the demo office's people
and devices (`motcua up --demo`). These run in the process that starts the system, straight on the database."""
from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from services.accounts import store
from services.accounts.passwords import hash_password
from services.domain import accounts as rules
from services.local_secrets import read_json, secret, write_json

log = logging.getLogger(__name__)

DEMO_OFFICE = "demo"
DEMO_PROVINCE = "tinh-demo"     # the demo office's province (services/demo.py): its manager `lanhdaotinh` sees it
# (username, role, office, counter, display name, province)
DEMO_USERS = [("admin", "admin", None, None, "Quản trị viên", None),
              ("quanly", "manager", DEMO_OFFICE, None, "Lãnh đạo Demo", None),
              ("lanhdaotinh", "manager", None, None, "Lãnh đạo Tỉnh Demo", DEMO_PROVINCE)] + [
    (f"canbo{i}", "clerk", DEMO_OFFICE, str(i), f"Cán bộ quầy {i}", None) for i in range(1, 6)
]
DEMO_DEVICES = [("kiosk", "Kiosk sảnh chính", None), ("display", "Màn hình sảnh", None),
                ("tablet", "Máy đánh giá quầy 1", "1")]


@dataclass
class DemoAccess:
    password: str
    password_generated: bool
    users: list[str] = field(default_factory=list)
    devices: dict[str, dict[str, str]] = field(default_factory=dict)   # kind -> {id, token}


async def ensure_admin(pool: asyncpg.Pool, password: str, username: str = "admin") -> bool:
    """Create the admin account if it does not exist (an existing one keeps its password). True if created."""
    rules.check_password(password, username)
    async with pool.acquire() as conn:
        if await store.find_user(conn, username) is not None:
            return False
        password_hash = await asyncio.to_thread(hash_password, password)
        try:
            await store.insert_user(conn, username=username, password_hash=password_hash, role="admin", office=None,
                                    counter=None, display_name="Quản trị viên", created_by="system:env")
        except asyncpg.UniqueViolationError:
            return False
        await store.log(conn, "system", "user_created", username, None, role="admin", source="MOTCUA_ADMIN_PASSWORD")
    log.info("created the admin account '%s' from MOTCUA_ADMIN_PASSWORD", username)
    return True


async def seed_demo_access(pool: asyncpg.Pool, home: Path, password: str | None) -> DemoAccess:
    """The demo accounts (all with one password) and a demo kiosk, display and tablet whose tokens are kept in
    MOTCUA_HOME/secrets so that their links keep working across restarts."""
    generated = password is None
    if password is None:
        password = secret(home, "demo-password", lambda: secrets.token_urlsafe(9))
    access = DemoAccess(password, generated)
    fingerprint = hashlib.sha256(password.encode()).hexdigest()
    seeded = read_json(home, "demo-seeded.json") or {}
    async with pool.acquire() as conn:
        password_hash: str | None = None
        for username, role, office, counter, display_name, province in DEMO_USERS:
            access.users.append(username)
            user = await store.find_user(conn, username)
            if user is not None and seeded.get("password") == fingerprint:
                continue
            password_hash = password_hash or await asyncio.to_thread(hash_password, password)
            if user is None:
                await store.insert_user(conn, username=username, password_hash=password_hash, role=role,
                                        office=office, counter=counter, display_name=display_name,
                                        created_by="system:demo", province=province)
            elif user.office == office and user.province == province and user.role == role:
                await store.set_password_hash(conn, user.id, password_hash)
        write_json(home, "demo-seeded.json", {"password": fingerprint})
        kept = read_json(home, "demo-devices.json") or {}
        for kind, name, counter in DEMO_DEVICES:
            known = kept.get(kind) or {}
            token = known.get("token", "")
            device = await store.find_device_by_token(conn, rules.token_hash(token)) if token else None
            if device is None or device.revoked_at is not None or device.office != DEMO_OFFICE:
                token = rules.new_token(rules.DEVICE_PREFIX)
                device = await store.insert_device(conn, office=DEMO_OFFICE, kind=kind, name=name, counter=counter,
                                                   token_hash=rules.token_hash(token), created_by="system:demo")
            access.devices[kind] = {"id": device.id, "token": token}
        write_json(home, "demo-devices.json", access.devices)
    return access
