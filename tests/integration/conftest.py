from __future__ import annotations

from dataclasses import replace
from typing import Any, AsyncIterator

import aiohttp
import asyncpg
import pytest

from services import messages as m
from services.config import Settings
from services.domain.access import SYSTEM
from services.system import Running, whole_system
from tests.conftest import FakeClock, unique

PASSWORD = "mật-khẩu-thử-nghiệm"   # a real passphrase, with diacritics


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def system(infra: Settings, clock: FakeClock) -> AsyncIterator[Running]:
    """The whole system on port 0 with this test's own schema and subject prefix."""
    settings = replace(infra, db_schema=unique("t_"), subject_prefix=unique("t"), port=0)
    async with whole_system(settings, clock=clock) as running:
        yield running
        # Leave a shared server as we found it: drop this test's stream and schema.
        try:
            await running.system_bus.js.delete_stream(settings.stream)
        except Exception:  # noqa: BLE001 - a test may have deleted it already
            pass
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{settings.db_schema}" CASCADE')
    finally:
        await conn.close()


async def ask(system: Running, command: m.Command) -> Any:
    """Send a command over the bus as the system itself (what seeding and maintenance do)."""
    return await system.system_bus.request(replace(command, actor=SYSTEM.as_dict()))


async def login(system: Running, username: str, role: str, office: str | None = None,
                counter: str | None = None) -> str:
    """Create a staff account and log it in over HTTP; returns its bearer token."""
    await ask(system, m.CreateUser(username=username, password=PASSWORD, role=role, office=office, counter=counter))
    async with aiohttp.ClientSession(system.base_url) as s, \
            s.post("/api/auth/login", json={"username": username, "password": PASSWORD}) as r:
        assert r.status == 200, await r.text()
        return (await r.json())["token"]


async def enrol(system: Running, office: str, kind: str, counter: str | None = None) -> dict[str, Any]:
    """Enrol a device; returns {"id", "token", ...}."""
    return await ask(system, m.EnrolDevice(office=office, kind=kind, name=f"{kind} {unique('')}", counter=counter))


async def as_device(system: Running, office: str, kind: str, counter: str | None = None) -> dict[str, str]:
    """The headers of a newly enrolled device."""
    return bearer((await enrol(system, office, kind, counter))["token"])


async def connect_db(system: Running) -> asyncpg.Connection:
    """A connection of the test's own to the system's database and schema (UTC, to compare times as stored)."""
    return await asyncpg.connect(system.settings.database_url,
                                 server_settings={"search_path": system.settings.db_schema, "timezone": "UTC"})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def admin_token(system: Running) -> str:
    return await login(system, "quantri", "admin")


@pytest.fixture
async def http(system: Running, admin_token: str) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client logged in as an admin (who may do everything); tests of rights use their own clients."""
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(system.base_url, connector=connector, headers=bearer(admin_token)) as session:
        yield session


@pytest.fixture
async def anonymous(system: Running) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(system.base_url) as session:
        yield session


OFFICE_SPEC = {
    "name": "UBND xã Đông Hòa – Bộ phận Một cửa",
    "timezone": "Asia/Ho_Chi_Minh",
    "settings": {"no_show_grace_s": 600, "opening_time": "00:00", "closing_time": "23:59"},
    "services": [
        {"code": "HT", "name": "Hộ tịch", "name_en": "Civil status", "field": "Hộ tịch"},
        {"code": "CT", "name": "Chứng thực", "name_en": "Certification", "field": "Chứng thực"},
        {"code": "DD", "name": "Đất đai", "name_en": "Land", "prefix": None, "start": 1000},
    ],
    "counters": [
        {"id": "1", "name": "Quầy 1", "services": ["HT", "CT"]},
        {"id": "2", "name": "Quầy 2", "services": ["HT"]},
        {"id": "3", "name": "Quầy 3", "services": ["DD"]},
    ],
}


@pytest.fixture
async def office(system: Running) -> str:
    """A fresh office configured over the bus, like an administrator would."""
    office_id = unique("o")
    await ask(system, m.ConfigureOffice(office=office_id, **OFFICE_SPEC))
    return office_id
