"""Failure: the database goes away and comes back; nothing is lost, people get a clear answer."""
from __future__ import annotations

import asyncio
from dataclasses import replace

import aiohttp

from services.config import Settings
from services.embedded import EmbeddedPostgres, free_port
from services.system import Running, whole_system
from tests.conftest import server_home, unique


def kiosk_of(running: Running) -> dict[str, str]:
    assert running.demo is not None
    return {"Authorization": f"Bearer {running.demo.devices['kiosk']['token']}"}


async def test_database_outage_gives_503_then_recovers(infra: Settings) -> None:
    postgres = EmbeddedPostgres(server_home("own-db"), port=free_port())
    url = await asyncio.to_thread(postgres.start)
    settings = replace(infra, database_url=url, port=0, subject_prefix=unique("fail"), db_schema="motcua")
    try:
        async with whole_system(settings, demo=True, with_screens=False) as running, \
                aiohttp.ClientSession(running.base_url, headers=kiosk_of(running)) as http:
            async with http.post("/api/offices/demo/tickets", json={"service": "HT"}) as r:
                assert r.status == 201
                before = await r.json()

            await asyncio.to_thread(postgres.stop)
            async with http.post("/api/offices/demo/tickets", json={"service": "HT"}) as r:
                assert r.status == 503
                error = (await r.json())["error"]
            assert error["code"] == "unavailable" and "Cơ sở dữ liệu" in error["message"]
            async with http.get("/healthz") as r:
                assert r.status == 503 and (await r.json())["database"] is False

            await asyncio.to_thread(postgres.start)  # same port, same data
            for _ in range(50):
                async with http.post("/api/offices/demo/tickets", json={"service": "HT"}) as r:
                    if r.status == 201:
                        after = await r.json()
                        break
                await asyncio.sleep(0.2)
            else:
                raise AssertionError("ticketing did not recover after the database came back")
            assert (before["number"], after["number"]) == ("HT-001", "HT-002")
            async with http.get("/healthz") as r:
                assert r.status == 200
    finally:
        await asyncio.to_thread(postgres.stop)
