"""Benchmark: face identification over HTTP, the whole way (web front → NATS → identity service → worker process →
index → PostgreSQL audit → reply), against the same frame encoded in-process measured in the same run; and what
four identifications at once do to /healthz and a ticket issue.

    .venv/bin/python -m benchmarks.faces --system            # starts an embedded system of its own
    .venv/bin/python -m benchmarks.faces --url http://127.0.0.1:8080 --token <kiosk or staff token> --office demo
"""
from __future__ import annotations

import asyncio
import base64
import secrets
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Awaitable, Callable

import aiohttp

from services import messages as m
from services.config import Settings
from services.domain.access import SYSTEM
from services.identity.faces import encode_image_bytes

FOUR = 4


async def _timed(call: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await call()
    return (time.perf_counter() - start) * 1000


async def _request(session: aiohttp.ClientSession, method: str, path: str, expect: tuple[int, ...],
                   **kwargs: Any) -> Any:
    async with session.request(method, path, **kwargs) as r:
        body = await r.json()
        if r.status not in expect:
            raise RuntimeError(f"{method} {path}: {r.status} {body}")
        return body


async def round_trips(session: aiohttp.ClientSession, office: str, frame: bytes, repeats: int, *,
                      show: bool = True) -> list[float]:
    async def once() -> Any:
        return await _request(session, "POST", f"/api/offices/{office}/identify", (200,), data=frame,
                              headers={"Content-Type": "image/jpeg"})
    if show:
        first = await once()
        print(f"  answer: {first.get('match') or first.get('reason')}")
    return [await _timed(once) for _ in range(repeats)]


async def paired(session: aiohttp.ClientSession, office: str, frame: bytes, repeats: int) -> tuple[float, float]:
    """Medians of the HTTP round trip and of the in-process encoding of the same frame, timed alternately so that
    load from other processes hits both alike."""
    await round_trips(session, office, frame, 0)
    encode_image_bytes(frame)
    ours, floor = [], []
    for _ in range(repeats):
        ours += await round_trips(session, office, frame, 1, show=False)
        start = time.perf_counter()
        encode_image_bytes(frame)
        floor.append((time.perf_counter() - start) * 1000)
    return statistics.median(ours), statistics.median(floor)


async def bench_running(url: str, token: str, office: str, frame: bytes, repeats: int) -> None:
    """Only the round trip (nothing is changed on the running system besides its audit log)."""
    async with aiohttp.ClientSession(url, headers={"Authorization": f"Bearer {token}"}) as session:
        _line("HTTP identify, 640×480 JPEG", *await paired(session, office, frame, repeats))


def _line(name: str, ours: float, floor: float) -> None:
    from benchmarks.faces import line
    line(name, ours, floor, "ms")


async def bench_system(enrol_photo: bytes, frame: bytes, repeats: int) -> None:
    """An embedded system of its own: enrol one citizen, then time identifications and the rest meanwhile."""
    from services.system import whole_system

    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as home:
        settings = replace(Settings.from_env(), home=Path(home), port=0, db_schema="bench",
                           subject_prefix="bench")
        async with whole_system(settings) as running:
            password = secrets.token_urlsafe(12)
            await running.system_bus.request(m.CreateUser(username="bench", password=password, role="admin",
                                                          actor=SYSTEM.as_dict()))
            await running.system_bus.request(m.ConfigureOffice(
                office="bench", name="Benchmark", actor=SYSTEM.as_dict(),
                services=[{"code": "HT", "name": "Hộ tịch"}],
                counters=[{"id": "1", "name": "Quầy 1", "services": ["HT"]}]))
            async with aiohttp.ClientSession(running.base_url) as anonymous:
                token = (await _request(anonymous, "POST", "/api/auth/login", (200,),
                                        json={"username": "bench", "password": password}))["token"]
            async with aiohttp.ClientSession(running.base_url, headers={"Authorization": f"Bearer {token}"}) as s:
                await _request(s, "POST", "/api/citizens", (200, 201), json={
                    "cccd": "001061000001||Barack Obama|04081961|Nam|Hà Nội|01012022", "consent": True,
                    "photo": base64.b64encode(enrol_photo).decode()})
                await _measure(s, frame, repeats)


async def _measure(session: aiohttp.ClientSession, frame: bytes, repeats: int) -> None:
    _line("HTTP identify, 640×480 JPEG (one at a time)", *await paired(session, "bench", frame, repeats))

    async def healthz() -> Any:
        return await _request(session, "GET", "/healthz", (200,))

    async def ticket() -> Any:
        return await _request(session, "POST", "/api/offices/bench/tickets", (201,), json={"service": "HT"})

    idle = {"healthz": [await _timed(healthz) for _ in range(20)], "ticket": [await _timed(ticket) for _ in range(20)]}
    during: dict[str, list[float]] = {"healthz": [], "ticket": []}
    start = time.perf_counter()
    faces = [asyncio.create_task(round_trips(session, "bench", frame, 1, show=False)) for _ in range(FOUR)]
    while not all(task.done() for task in faces):
        during["healthz"].append(await _timed(healthz))
        during["ticket"].append(await _timed(ticket))
        await asyncio.sleep(0.05)      # a busy office, not a flood: the face workers run at a lower priority
    answered = [times[0] for times in await asyncio.gather(*faces)]
    print(f"  {FOUR} identifications at once: all answered in {(time.perf_counter() - start) * 1000:.0f} ms "
          f"(each {min(answered):.0f}–{max(answered):.0f} ms); {len(during['healthz'])} probes meanwhile")
    for kind in ("healthz", "ticket"):
        name = "/healthz" if kind == "healthz" else "ticket issue"
        _line(f"{name} during them (median; worst {max(during[kind]):.1f} ms)", statistics.median(during[kind]),
              statistics.median(idle[kind]))
