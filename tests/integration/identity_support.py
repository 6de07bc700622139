"""Shared parts of the identity tests: a system that surely has an identity key, the people on the test photos as
ID cards, a frame with two people, and small HTTP helpers. Transformed frames come from tests/unit/test_faces.py."""
from __future__ import annotations

import base64
import contextlib
import secrets
from dataclasses import replace
from typing import Any, AsyncIterator

import aiohttp
import asyncpg
import pytest
from PIL import Image

from services.config import Settings
from services.system import Running, whole_system
from tests.conftest import FakeClock, unique
from tests.unit.face_support import encoded, face_lib, photos, small_photos  # noqa: F401  (fixtures)

# The people on the shared photos, as the QR text of their (made-up) ID cards.
OBAMA_QR = "001061000001||Barack Obama|04081961|Nam|Hà Nội|01012022"
BIDEN_QR = "001042000002||Joe Biden|20111942|Nam|TP. Hồ Chí Minh|01012022"
VALID_1 = "001090123456|123456789|NGUYEN VAN A|01011990|Nam|Hà Nội|15102021"
VALID_2 = "079305000123||Trần Thị B|12032005|Nữ|TP. Hồ Chí Minh|20062021"


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    return encoded(image.convert("RGB"), "JPEG", quality=quality)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def two_people(left: Image.Image, right: Image.Image) -> bytes:
    """Two comparable faces side by side, as a PNG (as in tests/unit/test_faces.py)."""
    canvas = Image.new("RGB", (left.width + right.width, max(left.height, right.height)), "white")
    canvas.paste(left, (0, 0))
    canvas.paste(right, (left.width, 0))
    return encoded(canvas, "PNG")


@contextlib.asynccontextmanager
async def started(infra: Settings, clock: FakeClock | None = None, **overrides: Any) -> AsyncIterator[Running]:
    """The whole system as in tests/integration/conftest.py, with its own schema and prefix, dropped afterwards."""
    settings = replace(infra, db_schema=unique("t_"), subject_prefix=unique("t"), port=0, face_workers=1,
                       **overrides)
    async with whole_system(settings, **({"clock": clock} if clock else {})) as running:
        yield running
        try:
            await running.system_bus.js.delete_stream(settings.stream)
        except Exception:  # noqa: BLE001 - a test may have deleted it already
            pass
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{settings.db_schema}" CASCADE')
    finally:
        await conn.close()


@pytest.fixture
async def system(infra: Settings, clock: FakeClock) -> AsyncIterator[Running]:
    """Always with an identity key (on a machine's own PostgreSQL none is generated) and one face worker."""
    async with started(infra, clock, identity_key=infra.identity_key or secrets.token_hex(32)) as running:
        yield running


async def database(system: Running) -> asyncpg.Connection:
    """A direct connection to the test's schema: what an operator with psql would see."""
    settings = system.settings
    return await asyncpg.connect(settings.database_url, server_settings={"search_path": settings.db_schema})


async def call(session: aiohttp.ClientSession, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    async with session.request(method, path, **kwargs) as r:
        return r.status, await r.json()


async def enrol(session: aiohttp.ClientSession, qr: str, photo: bytes | None = None, *,
                consent: bool = True) -> tuple[int, Any]:
    body: dict[str, Any] = {"cccd": qr, "consent": consent}
    if photo is not None:
        body["photo"] = b64(photo)
    return await call(session, "POST", "/api/citizens", json=body)


async def identify(session: aiohttp.ClientSession, office: str, frame: bytes,
                   content_type: str = "image/jpeg") -> tuple[int, Any]:
    return await call(session, "POST", f"/api/offices/{office}/identify", data=frame,
                      headers={"Content-Type": content_type})
