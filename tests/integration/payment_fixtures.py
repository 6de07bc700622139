"""Fixtures of the payment tests, loaded with `pytest_plugins = ["tests.integration.payment_fixtures"]`: a system
with the gateways' keys, an office with a bank account, its clerk, an admin, and the gateway (no credentials)."""
from __future__ import annotations

from typing import Any, AsyncIterator

import aiohttp
import pytest

from services.system import Running
from tests.conftest import FakeClock, unique
from tests.integration.conftest import bearer, login
from tests.integration.payment_support import new_office, payment_system


@pytest.fixture
async def paysystem(infra: Any, clock: FakeClock) -> AsyncIterator[Running]:
    async with payment_system(infra, clock) as running:
        yield running


@pytest.fixture
async def pay_office(paysystem: Running) -> str:
    return await new_office(paysystem)


@pytest.fixture
async def clerk(paysystem: Running, pay_office: str) -> AsyncIterator[aiohttp.ClientSession]:
    token = await login(paysystem, unique("cb"), "clerk", pay_office, "1")
    async with aiohttp.ClientSession(paysystem.base_url, headers=bearer(token)) as session:
        yield session


@pytest.fixture
async def admin(paysystem: Running) -> AsyncIterator[aiohttp.ClientSession]:
    token = await login(paysystem, unique("ad"), "admin")
    async with aiohttp.ClientSession(paysystem.base_url, headers=bearer(token)) as session:
        yield session


@pytest.fixture
async def gateway(paysystem: Running) -> AsyncIterator[aiohttp.ClientSession]:
    """The bank's gateway: no staff credentials."""
    async with aiohttp.ClientSession(paysystem.base_url) as session:
        yield session
