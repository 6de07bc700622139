"""Live streams through the office's shared feed: one consumer per office, released when unused; the counter's
list in call order; many phones each told of their own call at once, with the right place in line."""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any, AsyncIterator

import aiohttp
import pytest

from services import messages as m
from services.live import hub as hub_module
from services.screens import LIVE
from services.system import Running
from tests.conftest import unique
from tests.integration.conftest import OFFICE_SPEC, ask, bearer, enrol, login


async def sse(session: aiohttp.ClientSession, path: str, headers: dict[str, str] | None = None
              ) -> AsyncIterator[tuple[str, Any]]:
    async with session.get(path, headers=headers, timeout=aiohttp.ClientTimeout(total=None, sock_read=30)) as r:
        assert r.status == 200, await r.text()
        name = ""
        async for raw in r.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                yield name, json.loads(line[5:])


async def consumers(system: Running) -> int:
    return (await system.system_bus.js.stream_info(system.settings.stream)).state.consumer_count


async def test_one_consumer_per_office_released_after_the_last_screen(
        system: Running, office: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub_module, "RELEASE_AFTER_S", 0.3)
    hub = system_hub(system)
    display = await enrol(system, office, "display")
    async with aiohttp.ClientSession(system.base_url, headers=bearer(display["token"])) as http:
        async with http.get("/display/nowhere-office/events") as r:
            assert r.status in (403, 404)
        admin = await login(system, unique("ad"), "admin")
        before = await consumers(system)                           # other services' own consumers
        async with http.get("/display/nowhere-office/events", headers=bearer(admin)) as r:
            assert r.status == 404                                  # refused before subscribing
        assert hub.offices == [] and await consumers(system) == before

        async def board(seen: asyncio.Event) -> None:
            async for name, _ in sse(http, f"/display/{office}/events"):
                if name == "snapshot":
                    seen.set()

        opened = [asyncio.Event() for _ in range(3)]
        boards = [asyncio.create_task(board(e)) for e in opened]
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in opened)), 10)
        assert hub.offices == [office] and await consumers(system) == before + 1    # shared by the three boards
        for task in boards:
            task.cancel()
        await asyncio.gather(*boards, return_exceptions=True)
        for _ in range(100):
            if not hub.offices:
                break
            await asyncio.sleep(0.1)
        assert hub.offices == []
        for _ in range(100):                                        # the server forgets it too
            if await consumers(system) == before:
                break
            await asyncio.sleep(0.1)
        assert await consumers(system) == before


def system_hub(system: Running) -> Any:
    return system.web_app[LIVE]


async def test_the_counter_stream_sends_its_list_in_call_order(system: Running, office: str) -> None:
    clerk = await login(system, unique("cl"), "clerk", office)
    for i in range(3):
        await ask(system, m.IssueTicket(office=office, service="HT"))
    elderly = await ask(system, m.IssueTicket(office=office, service="HT", priority="elderly"))
    async with aiohttp.ClientSession(system.base_url, headers=bearer(clerk)) as http:
        stream = sse(http, f"/counter/{office}/events?counter=2")
        name, snapshot = await anext(stream)
        assert name == "snapshot" and snapshot["order"][0]["id"] == elderly["id"]
        assert snapshot["order"][0]["reason"] == "priority" and snapshot["order_total"] == 4
        async with http.post(f"/api/offices/{office}/counters/2/next") as r:
            assert (await r.json())["ticket"]["id"] == elderly["id"]           # what the list said
        async for name, data in stream:
            if name == "order":
                assert elderly["id"] not in [t["id"] for t in data["order"]] and data["total"] == 3
                break
        async with http.get(f"/counter/{office}/events?counter=99") as r:
            assert r.status == 404


async def test_many_phones_each_see_their_own_call_at_once_and_their_place(system: Running) -> None:
    office = unique("phones")
    await ask(system, m.ConfigureOffice(office=office, **OFFICE_SPEC))
    tickets = [await ask(system, m.IssueTicket(office=office, service="HT")) for _ in range(120)]
    clerk = await login(system, unique("cl"), "clerk", office)
    shown: dict[str, dict[str, Any]] = {}
    called_at: dict[str, float] = {}
    seen_called: dict[str, float] = {}

    async def phone(http: aiohttp.ClientSession, ticket: dict[str, Any], ready: asyncio.Event) -> None:
        async for name, data in sse(http, f"/t/{ticket['id']}/events"):
            if name == "ticket":
                shown[ticket["id"]] = data
                ready.set()
                if data["status"] == "called" and ticket["id"] not in seen_called:
                    seen_called[ticket["id"]] = time.monotonic()

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(system.base_url, connector=connector) as http:
        ready = [asyncio.Event() for _ in tickets]
        phones = [asyncio.create_task(phone(http, t, e)) for t, e in zip(tickets, ready)]
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in ready)), 30)
        async with aiohttp.ClientSession(system.base_url, headers=bearer(clerk)) as counter:
            serving: dict[str, str] = {}
            for _ in range(30):                                     # two counters call 30 citizens
                for desk in ("1", "2"):
                    body = {"complete": serving[desk]} if desk in serving else {}
                    async with counter.post(f"/api/offices/{office}/counters/{desk}/next", json=body) as r:
                        ticket = (await r.json())["ticket"]
                    serving[desk] = ticket["id"]
                    called_at[ticket["id"]] = time.monotonic()
        await asyncio.sleep(2.5)                                    # the coalesced places arrive within a second
        for task in phones:
            task.cancel()
        await asyncio.gather(*phones, return_exceptions=True)

    missed = [t for t in called_at if t not in seen_called]
    assert not missed, f"{len(missed)} called citizens' phones never showed it"
    lags = sorted(seen_called[t] - called_at[t] for t in called_at)
    assert lags[-1] < 2.0, lags[-5:]
    wrong = []
    for ticket in tickets:
        truth = await ask(system, m.GetTicket(ticket_id=ticket["id"]))
        if truth["status"] == "waiting" and shown[ticket["id"]]["waiting_ahead"] != truth["waiting_ahead"]:
            wrong.append((ticket["number"], shown[ticket["id"]]["waiting_ahead"], truth["waiting_ahead"]))
        assert ticket["id"] not in json.dumps([s for k, s in shown.items() if k != ticket["id"]])  # own only
    assert not wrong, wrong[:5]
    assert shown[tickets[-1]["id"]]["serving"]["1"] is not None        # "now serving" per counter
