"""Shared fixtures. Real NATS and PostgreSQL: the machine's when NATS_URL / DATABASE_URL point at them,
otherwise the embedded default started once for the session (the path a fresh machine takes)."""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path
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


def server_home(prefix: str) -> Path:
    """A folder for an embedded server's data, outside pytest's own temporary tree: as root, PostgreSQL runs as an
    unprivileged user who must traverse to it, and pytest locks its tree (0700) whenever a session starts."""
    return Path(tempfile.mkdtemp(prefix=f"motcua-{prefix}-"))


@pytest.fixture(scope="session")
async def infra() -> AsyncIterator[Settings]:
    """Settings with both URLs set: from the environment, or embedded servers started here."""
    from services.system import embedded_defaults

    home = server_home("test")
    base = Settings.from_env(os.environ, home=home)
    try:
        async with embedded_defaults(base) as settings:
            yield settings
    finally:
        shutil.rmtree(home, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API leaves an event loop running in the process,
    which would break the asyncio tests collected after it."""
    items.sort(key=lambda item: "/e2e/" in str(item.fspath))
