"""Shared fixtures. Real NATS and PostgreSQL: the machine's when NATS_URL / DATABASE_URL point at them,
otherwise the embedded default started once for the session (the path a fresh machine takes)."""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone
from typing import AsyncIterator

import pytest

from services.config import Settings


class FakeClock:
    """A settable clock for the ticketing service (local-midnight tests)."""

    def __init__(self) -> None:
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or datetime.now(timezone.utc)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
async def infra(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Settings]:
    """Settings with both URLs set: from the environment, or embedded servers started here."""
    from services.system import embedded_defaults

    base = Settings.from_env(os.environ, home=tmp_path_factory.mktemp("motcua-home"))
    async with embedded_defaults(base) as settings:
        yield settings


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API leaves an event loop running in the process,
    which would break the asyncio tests collected after it."""
    items.sort(key=lambda item: "/e2e/" in str(item.fspath))
