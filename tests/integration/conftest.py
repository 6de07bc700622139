from __future__ import annotations

from dataclasses import replace
from typing import AsyncIterator

import aiohttp
import asyncpg
import pytest

from services.config import Settings
from services.system import Running, whole_system
from tests.conftest import FakeClock, unique


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def system(infra: Settings, clock: FakeClock) -> AsyncIterator[Running]:
    """The whole system on port 0 with this test's own schema and subject prefix."""
    settings = replace(infra, db_schema=unique("t_"), subject_prefix=unique("t"), port=0)
    async with whole_system(settings, clock=clock, with_screens=False) as running:
        yield running
        # Leave a shared server as we found it: drop this test's stream and schema.
        try:
            await running.bus.js.delete_stream(settings.stream)
        except Exception:  # noqa: BLE001 - a test may have deleted it already
            pass
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{settings.db_schema}" CASCADE')
    finally:
        await conn.close()


@pytest.fixture
async def http(system: Running) -> AsyncIterator[aiohttp.ClientSession]:
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(system.base_url, connector=connector) as session:
        yield session


OFFICE_SPEC = {
    "name": "UBND xã Đông Hòa – Bộ phận Một cửa",
    "timezone": "Asia/Ho_Chi_Minh",
    "settings": {"no_show_grace_s": 600},
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
    from services import messages as m

    office_id = unique("o")
    await system.bus.request(m.ConfigureOffice(office=office_id, **OFFICE_SPEC))
    return office_id
