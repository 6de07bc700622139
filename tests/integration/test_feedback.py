"""Satisfaction votes against real NATS and PostgreSQL: one per served ticket, who may vote, the scale, the same day,
a retried vote, and what each vote records."""
from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp

from services import messages as m
from services.system import Running
from tests.conftest import FakeClock, unique
from tests.integration.conftest import OFFICE_SPEC, ask, bearer, connect_db, enrol, login


async def served_ticket(http: aiohttp.ClientSession, clerk: aiohttp.ClientSession, office: str,
                        counter: str = "1", procedure: str | None = None) -> dict[str, Any]:
    body = {"service": "HT", **({"procedure": procedure} if procedure else {})}
    async with http.post(f"/api/offices/{office}/tickets", json=body) as r:
        assert r.status == 201, await r.text()
        ticket = await r.json()
    async with clerk.post(f"/api/offices/{office}/counters/{counter}/call", json={"ticket_id": ticket["id"]}) as r:
        assert r.status == 200, await r.text()
    async with clerk.post(f"/api/tickets/{ticket['id']}/complete", json={"counter": counter}) as r:
        assert r.status == 200, await r.text()
    return ticket


async def vote(session: aiohttp.ClientSession, ticket_id: str, **body: Any) -> tuple[int, dict[str, Any]]:
    async with session.post(f"/api/tickets/{ticket_id}/rating", json=body) as r:
        return r.status, await r.json()


async def test_one_vote_per_served_ticket_from_the_counters_tablet(system: Running, http: aiohttp.ClientSession,
                                                                   anonymous: aiohttp.ClientSession,
                                                                   office: str) -> None:
    clerk_token = await login(system, unique("canbo"), "clerk", office)
    tablet = await enrol(system, office, "tablet", counter="1")
    other_tablet = await enrol(system, office, "tablet", counter="2")
    async with aiohttp.ClientSession(system.base_url, headers=bearer(clerk_token)) as clerk, \
            aiohttp.ClientSession(system.base_url, headers=bearer(tablet["token"])) as pad, \
            aiohttp.ClientSession(system.base_url, headers=bearer(other_tablet["token"])) as other_pad:
        ticket = await served_ticket(http, clerk, office)
        for bad in (0, 6, "5", 4.5, None, True):
            status, body = await vote(pad, ticket["id"], level=bad)
            assert status == 400, (bad, body)
            assert body["error"]["message"] and body["error"]["message_en"]
        status, body = await vote(pad, ticket["id"], level=2, reasons=["attitude", "khong-ro"])
        assert status == 400 and "khong-ro" in body["error"]["message"]
        status, body = await vote(other_pad, ticket["id"], level=5)
        assert status == 403, body                        # a tablet votes for its own counter's tickets
        status, body = await vote(clerk, ticket["id"], level=5)
        assert status == 403, body                        # staff never vote for a citizen

        vote_id = str(uuid.uuid4())
        status, first = await vote(pad, ticket["id"], level=2, reasons=["waited_too_long", "attitude",
                                                                          "attitude"], vote_id=vote_id)
        assert status == 201, first
        assert first["level"] == 2 and first["reasons"] == ["waited_too_long", "attitude"]
        assert first["via"] == "tablet" and first["counter"] == "1"
        status, again = await vote(pad, ticket["id"], level=2, reasons=["waited_too_long", "attitude"],
                                   vote_id=vote_id)
        assert status == 200 and again["vote_id"] == vote_id        # the tablet's retry after a network drop
        status, body = await vote(pad, ticket["id"], level=5)
        assert status == 409, body
        status, body = await vote(anonymous, ticket["id"], level=5)
        assert status == 409, body

        async with http.post(f"/api/offices/{office}/tickets", json={"service": "HT"}) as r:
            waiting = await r.json()
        status, body = await vote(anonymous, waiting["id"], level=4)
        assert status == 409 and "chưa được phục vụ" in body["error"]["message"], body
        status, body = await vote(anonymous, str(uuid.uuid4()), level=4)
        assert status == 404, body


async def test_the_vote_records_ticket_counter_clerk_and_procedure(system: Running, http: aiohttp.ClientSession,
                                                                   anonymous: aiohttp.ClientSession) -> None:
    office = unique("o")
    spec = {**OFFICE_SPEC, "services": [{**OFFICE_SPEC["services"][0], "procedures": [
        {"code": "khai-sinh", "name": "Đăng ký khai sinh", "icon": "birth"}]}, *OFFICE_SPEC["services"][1:]]}
    await ask(system, m.ConfigureOffice(office=office, **spec))
    clerk_name = unique("canbo")
    clerk_token = await login(system, clerk_name, "clerk", office)
    async with aiohttp.ClientSession(system.base_url, headers=bearer(clerk_token)) as clerk:
        ticket = await served_ticket(http, clerk, office, counter="2", procedure="khai-sinh")
    status, body = await vote(anonymous, ticket["id"], level=5)     # the citizen's phone page
    assert status == 201 and body["via"] == "phone", body
    conn = await connect_db(system)
    try:
        row = await conn.fetchrow("SELECT * FROM ratings WHERE ticket_id = $1", uuid.UUID(ticket["id"]))
    finally:
        await conn.close()
    assert (row["office_id"], row["counter_id"], row["clerk"], row["service_code"], row["procedure"], row["level"],
            row["scale"], row["via"]) == (office, "2", clerk_name, "HT", "khai-sinh", 5, 5, "phone")


async def test_a_three_level_office_refuses_level_four(system: Running, http: aiohttp.ClientSession,
                                                       anonymous: aiohttp.ClientSession) -> None:
    office = unique("o")
    await ask(system, m.ConfigureOffice(office=office, **{**OFFICE_SPEC, "settings": {
        **OFFICE_SPEC["settings"], "rating_scale": 3}}))
    clerk_token = await login(system, unique("canbo"), "clerk", office)
    async with aiohttp.ClientSession(system.base_url, headers=bearer(clerk_token)) as clerk:
        ticket = await served_ticket(http, clerk, office)
    status, body = await vote(anonymous, ticket["id"], level=4)
    assert status == 400 and body["error"]["details"]["scale"] == 3, body
    status, body = await vote(anonymous, ticket["id"], level=3)
    assert status == 201 and body["scale"] == 3, body


async def test_a_vote_is_taken_on_the_day_of_service_only(system: Running, http: aiohttp.ClientSession,
                                                          anonymous: aiohttp.ClientSession, office: str,
                                                          clock: FakeClock) -> None:
    clerk_token = await login(system, unique("canbo"), "clerk", office)
    clock.fixed = datetime.now(timezone.utc).replace(hour=3, minute=0)        # 10:00 in Viet Nam
    async with aiohttp.ClientSession(system.base_url, headers=bearer(clerk_token)) as clerk:
        ticket = await served_ticket(http, clerk, office)
    clock.fixed += timedelta(days=1)
    status, body = await vote(anonymous, ticket["id"], level=5)
    assert status == 409 and "trong ngày" in body["error"]["message"], body


async def test_simultaneous_votes_for_one_ticket_record_one(system: Running, http: aiohttp.ClientSession,
                                                            anonymous: aiohttp.ClientSession, office: str) -> None:
    clerk_token = await login(system, unique("canbo"), "clerk", office)
    async with aiohttp.ClientSession(system.base_url, headers=bearer(clerk_token)) as clerk:
        ticket = await served_ticket(http, clerk, office)
    results = await asyncio.gather(*(vote(anonymous, ticket["id"], level=1 + i % 5) for i in range(20)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 19, statuses


async def test_the_counters_tablet_asks_for_a_vote_when_the_clerk_completes(
        system: Running, http: aiohttp.ClientSession, office: str) -> None:
    from tests.integration.test_live import sse

    clerk_token = await login(system, unique("canbo"), "clerk", office)
    tablet = await enrol(system, office, "tablet", counter="1")
    other = await enrol(system, office, "tablet", counter="2")
    async with aiohttp.ClientSession(system.base_url, headers=bearer(clerk_token)) as clerk, \
            aiohttp.ClientSession(system.base_url, headers=bearer(tablet["token"])) as pad:
        for token, status in ((clerk_token, 403), (other["token"], 403), (None, 401)):
            async with aiohttp.ClientSession(system.base_url, headers=bearer(token) if token else {}) as s, \
                    s.get(f"/counter/{office}/1/rate/events") as r:
                assert r.status == status
        stream = sse(pad, f"/counter/{office}/1/rate/events")
        name, snapshot = await anext(stream)
        assert name == "snapshot" and snapshot["ask"] is None and snapshot["counter"]["name"] == "Quầy 1"
        served = await served_ticket(http, clerk, office, counter="1")
        async with asyncio.timeout(10):
            async for name, data in stream:
                if name == "ask":
                    break
        assert data["ticket_id"] == served["id"] and data["number"] == served["number"]
        assert set(data) == {"ticket_id", "number", "service", "procedure", "finished_at"}   # nothing personal
        status, _ = await vote(pad, served["id"], level=4)
        assert status == 201
        async with asyncio.timeout(10):
            async for name, data in stream:
                if name == "rated":
                    break
        assert data == {"ticket_id": served["id"]}
        # A tablet that reconnects just after a completion (once the hall's screens have it) still asks.
        again = await served_ticket(http, clerk, office, counter="1")
        async with asyncio.timeout(10):
            async for name, data in stream:
                if name == "ask" and data["ticket_id"] == again["id"]:
                    break
        await stream.aclose()
        reconnected = sse(pad, f"/counter/{office}/1/rate/events")
        name, snapshot = await anext(reconnected)
        assert snapshot["ask"]["ticket_id"] == again["id"]
        await reconnected.aclose()
        async with pad.get(f"/counter/{office}/1/rate") as r:
            page = await r.text()
            assert r.status == 200 and "Rất hài lòng" in page and "waited_too_long" in page
