"""Real conditions at the counter and in the relay: double presses, stale screens, two relays, the day's end."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import aiohttp

from services import messages as m
from services.store.db import create_pool
from services.store.outbox import OutboxRelay
from services.system import Running
from tests.conftest import FakeClock, unique
from tests.integration.conftest import OFFICE_SPEC, ask, bearer, login


async def issue(http: aiohttp.ClientSession, office: str, service: str = "HT", **body: object) -> dict:
    async with http.post(f"/api/offices/{office}/tickets", json={"service": service, **body}) as r:
        assert r.status == 201, await r.text()
        return await r.json()


async def test_a_tripled_complete_and_next_calls_one_citizen(system: Running, http: aiohttp.ClientSession,
                                                             office: str) -> None:
    first, second, third, fourth = [await issue(http, office) for _ in range(4)]
    async with http.post(f"/api/offices/{office}/counters/2/next") as r:
        assert (await r.json())["ticket"]["id"] == first["id"]

    async def press() -> tuple[int, dict]:
        async with http.post(f"/api/offices/{office}/counters/2/next", json={"complete": first["id"]}) as r:
            return r.status, await r.json()

    answers = await asyncio.gather(press(), press(), press())
    assert sorted(status for status, _ in answers) == [200, 409, 409]
    [ok] = [body for status, body in answers if status == 200]
    assert ok["completed"]["id"] == first["id"] and ok["ticket"]["id"] == second["id"]
    refusal = next(body for status, body in answers if status == 409)["error"]
    assert refusal["message"].startswith("Phiếu cần hoàn thành không còn là phiếu của quầy 2")
    for ticket, status in ((first, "done"), (second, "called"), (third, "waiting"), (fourth, "waiting")):
        async with http.get(f"/api/tickets/{ticket['id']}") as r:
            assert (await r.json())["status"] == status          # nobody was completed unserved

    # "Complete & next" with nobody left: the completion is saved and answered with 200, no new ticket.
    for ticket in (third, fourth):
        async with http.post(f"/api/tickets/{ticket['id']}/cancel") as r:
            assert r.status == 200
    async with http.post(f"/api/offices/{office}/counters/2/next", json={"complete": second["id"]}) as r:
        body = await r.json()
    assert r.status == 200 and body["ticket"] is None and body["completed"]["status"] == "done"


async def test_a_stale_press_is_refused_once_the_ticket_has_moved_on(http: aiohttp.ClientSession, office: str) -> None:
    ticket = await issue(http, office)
    async with http.post(f"/api/offices/{office}/counters/1/next") as r:
        called = (await r.json())["ticket"]
    seen = {"counter": "1", "version": called["version"]}
    async with http.post(f"/api/tickets/{ticket['id']}/transfer", json={"counter": "2", "from_counter": "1"}) as r:
        assert r.status == 200                     # another tab of counter 1 sent the citizen to counter 2
    for action in ("recall", "skip", "start", "complete"):
        async with http.post(f"/api/tickets/{ticket['id']}/{action}", json=seen) as r:
            assert r.status == 409, action
            assert "không còn ở quầy 1" in (await r.json())["error"]["message"]
    async with http.post(f"/api/offices/{office}/counters/2/next") as r:
        moved = (await r.json())["ticket"]
    assert moved["id"] == ticket["id"] and moved["version"] > called["version"]
    async with http.post(f"/api/tickets/{ticket['id']}/recall", json={"counter": "2", "version": moved["version"]}) as r:
        assert r.status == 200 and (await r.json())["ticket"]["version"] == moved["version"] + 1
    async with http.post(f"/api/tickets/{ticket['id']}/start", json={"counter": "2", "version": moved["version"]}) as r:
        assert r.status == 409 and "vừa thay đổi" in (await r.json())["error"]["message"]   # a double tap
    async with http.post(f"/api/offices/{office}/counters/2/next", json={"complete_current": True}) as r:
        assert r.status == 400 and '"complete"' in (await r.json())["error"]["message"]


async def test_two_relays_take_turns_and_publish_in_order(system: Running) -> None:
    """Only one relay is active per stream; when it stops, the other takes over; the stream gets each event once,
    in the order they were written."""
    schema = unique("relay_")
    pool = await create_pool(system.settings.database_url, schema, min_size=2, max_size=6)
    from services.store import outbox
    from services.store.db import migrate
    from tests.integration.test_events import stream_events

    try:
        await migrate(pool)
        office = unique("relays")
        published: list[tuple[str, str]] = []

        def publisher(name: str):  # type: ignore[no-untyped-def]
            async def publish(subject: str, data: bytes, event_id: str, after: str | None) -> None:
                published.append((name, json.loads(data)["counter"]))
                await system.system_bus.publish_event(subject, data, event_id, after)
            return publish

        first = OutboxRelay(pool, publisher("first"), stream=schema, poll_s=0.05, standby_s=0.1)
        second = OutboxRelay(pool, publisher("second"), stream=schema, poll_s=0.05, standby_s=0.1)
        tasks = [asyncio.create_task(first.run()), asyncio.create_task(second.run())]
        await asyncio.sleep(0.3)
        assert [first.active, second.active].count(True) == 1
        leader, follower = (first, second) if first.active else (second, first)

        async def write(n: int, start: int) -> None:
            for i in range(start, start + n):
                async with pool.acquire() as conn, conn.transaction():
                    await outbox.append(conn, system.settings.subject_prefix,
                                        [m.CounterPaused(office=office, counter=str(i))])

        await write(30, 0)
        await asyncio.sleep(0.5)
        leader.stop()
        await asyncio.sleep(0.5)
        assert follower.active
        await write(30, 30)
        await asyncio.sleep(0.5)
        follower.stop()
        await asyncio.gather(*tasks)
        events = await stream_events(system, office, 60)
        assert [e["counter"] for e in events] == [str(i) for i in range(60)]
        assert {name for name, _ in published} == {"first", "second"}
    finally:
        await pool.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await pool.close()


async def test_unfinished_tickets_expire_at_closing_time(system: Running, clock: FakeClock) -> None:
    from services.ticketing.closing import expire_due
    from tests.integration.test_events import stream_events

    office = unique("close")
    await ask(system, m.ConfigureOffice(office=office, **{**OFFICE_SPEC, "settings": {"closing_time": "17:30"}}))

    def at(day: int, hour: int, minute: int) -> datetime:      # local time in Ha Noi (UTC+7)
        return datetime(2026, 11, day, hour, minute, tzinfo=timezone(timedelta(hours=7)))

    clock.fixed = at(23, 16, 0)
    missed, served, waiting, late = [await ask(system, m.IssueTicket(office=office, service="HT")) for _ in range(4)]
    await ask(system, m.CallNext(office=office, counter="1"))
    await ask(system, m.CallNext(office=office, counter="2"))
    await ask(system, m.Skip(ticket_id=missed["id"]))
    await ask(system, m.Start(ticket_id=served["id"]))
    ticketing = system.ticketing
    assert ticketing is not None

    async def status(ticket: dict) -> str:
        return (await ask(system, m.GetTicket(ticket_id=ticket["id"])))["status"]

    clock.fixed = at(23, 17, 29)
    assert await expire_due(ticketing._pool, ticketing.run, clock) == 0
    clock.fixed = at(23, 17, 31)
    assert await expire_due(ticketing._pool, ticketing.run, clock) == 3          # the served one is left to its clerk
    assert [await status(t) for t in (missed, served, waiting, late)] == ["expired", "serving", "expired", "expired"]
    clock.fixed = at(24, 0, 5)                                                   # the next local day
    assert await expire_due(ticketing._pool, ticketing.run, clock) == 1
    assert await status(served) == "expired"
    events = [e for e in await stream_events(system, office, 13) if e["type"] == "ticket.expired"]
    assert sorted(e["data"]["reason"] for e in events) == ["closing", "closing", "closing", "day_ended"]
    assert (await ask(system, m.IssueTicket(office=office, service="HT")))["number"] == "HT-001"   # a new day


async def test_prefixes_are_unique_within_an_office(http: aiohttp.ClientSession) -> None:
    body = {**OFFICE_SPEC, "services": [{"code": "HT", "name": "Hộ tịch", "prefix": "A"},
                                        {"code": "CT", "name": "Chứng thực", "prefix": "A"}], "counters": []}
    async with http.put(f"/api/offices/{unique('o')}", json=body) as r:
        assert r.status == 400 and "Tiền tố số phiếu bị trùng: A" in (await r.json())["error"]["message"]


async def test_nul_bytes_and_hostile_input_are_refused_with_400(system: Running, http: aiohttp.ClientSession,
                                                                office: str) -> None:
    ticket = await issue(http, office)
    clerk = await login(system, "nul", "clerk", office)
    cases = [
        ("POST", f"/api/offices/{office}/counters/%00/next", None),
        ("POST", f"/api/tickets/{ticket['id']}/transfer", {"service": "CT\u0000"}),
        ("POST", f"/api/offices/{office}/tickets", {"service": "HT", "priority": "x\u0000"}),
        ("GET", "/kiosk/%00", None),
        ("GET", f"/api/offices/{office}/queue?x=%00", None),
        ("POST", f"/api/offices/{office}/tickets", {"service": "H" * 100_000}),
        ("POST", "/api/auth/login", {"username": "a\u0000", "password": "b"}),
        ("PUT", f"/api/offices/{office}", {**OFFICE_SPEC, "name": "x\ud800"}),
    ]
    async with aiohttp.ClientSession(system.base_url, headers=bearer(clerk)) as client:
        for method, path, body in cases:
            data = json.dumps(body, ensure_ascii=True).encode() if body is not None else None
            async with client.request(method, path, data=data, headers={"Content-Type": "application/json"}) as r:
                assert 400 <= r.status < 500, (method, path, r.status, await r.text())
