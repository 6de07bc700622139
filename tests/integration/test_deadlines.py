"""A request the web front gave up on is not carried out later; slow or greedy clients cannot starve the hall."""
from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import AsyncIterator

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from services import messages as m
from services.api.connections import Guard
from services.config import Settings
from services.system import Running, whole_system
from tests.conftest import unique
from tests.integration.conftest import OFFICE_SPEC, ask, bearer, login


@pytest.fixture
async def impatient(infra: Settings) -> AsyncIterator[Running]:
    """A system whose web front waits 1 s for an answer."""
    settings = replace(infra, db_schema=unique("t_"), subject_prefix=unique("t"), port=0, request_timeout_s=1.0)
    async with whole_system(settings) as running:
        yield running
        await running.system_bus.js.delete_stream(settings.stream)


async def test_a_command_that_overran_its_deadline_is_not_committed(impatient: Running) -> None:
    office = unique("late")
    await ask(impatient, m.ConfigureOffice(office=office, **OFFICE_SPEC))
    clerk = await login(impatient, unique("cl"), "clerk", office)
    waiting = await ask(impatient, m.IssueTicket(office=office, service="HT"))
    blocker = await asyncpg.connect(impatient.settings.database_url,
                                    server_settings={"search_path": impatient.settings.db_schema})
    try:
        # Another transaction holds counter 1's row (a stalled database, as far as "next" there can tell).
        stalled = blocker.transaction()
        await stalled.start()
        await blocker.execute("SELECT 1 FROM counters WHERE office_id = $1 AND id = '1' FOR UPDATE", office)
        async with aiohttp.ClientSession(impatient.base_url, headers=bearer(clerk)) as http:
            started = time.monotonic()
            async with http.post(f"/api/offices/{office}/counters/1/next") as r:
                assert r.status == 504 and time.monotonic() - started < 2.5
            async with http.post(f"/api/offices/{office}/tickets", json={"service": "CT"}) as r:
                assert r.status in (201, 504)              # issuing does not need the counter's row
            await asyncio.sleep(0.5)
            await stalled.rollback()                       # the stall ends; the late command goes on, and stops
            await asyncio.sleep(1.0)
        ticket = await ask(impatient, m.GetTicket(ticket_id=waiting["id"]))
        assert ticket["status"] == "waiting", "a call the clerk was told had failed was carried out"
        queue = await ask(impatient, m.GetQueue(office=office))
        assert all(c["current"] is None for c in queue["counters"])
    finally:
        await blocker.close()


async def test_a_command_whose_deadline_passed_on_the_way_is_dropped(system: Running, office: str) -> None:
    with pytest.raises(m.ServiceError) as refused:
        await system.system_bus.request(m.IssueTicket(office=office, service="HT", deadline=time.time() - 1,
                                                      actor={"type": "system", "id": "system", "name": "system",
                                                             "role": "admin"}))
    assert refused.value.code == "timeout" and refused.value.details["reason"] == "deadline"
    assert (await ask(system, m.GetQueue(office=office)))["services"][0]["waiting"] == 0


async def test_slow_and_greedy_connections_cannot_starve_the_hall() -> None:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="xin chào")

    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app, keepalive_timeout=5)
    await runner.setup()
    guard = Guard(per_address=5, header_timeout_s=1.0, exempt_loopback=False)
    server = await asyncio.get_running_loop().create_server(guard.wrap(runner.server), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    slow = []
    try:
        for _ in range(20):                                # one address opens twenty, sending a byte at a time
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET / HT")
            slow.append((reader, writer))
        await asyncio.sleep(0.2)
        refused = 0
        for reader, _ in slow[5:]:
            head = await asyncio.wait_for(reader.read(200), 2)
            refused += head.startswith(b"HTTP/1.1 429")
        assert refused == 15 and guard.open["127.0.0.1"] == 5
        await asyncio.sleep(1.3)                           # the five slow ones are closed after the header time
        for reader, _ in slow[:5]:
            assert await asyncio.wait_for(reader.read(100), 2) == b""
        assert guard.open.get("127.0.0.1", 0) == 0
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/") as r:
            assert r.status == 200 and await r.text() == "xin chào"   # a normal client is served
    finally:
        for _, writer in slow:
            writer.close()
        server.close()
        await runner.cleanup()
