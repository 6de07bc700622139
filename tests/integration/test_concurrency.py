"""Correctness under concurrency, with real concurrent HTTP clients through NATS to PostgreSQL."""
from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import aiohttp

from services import messages as m
from services.system import Running
from tests.conftest import unique
from tests.integration.conftest import ask, connect_db

CLERKS = 50
TICKETS = 300


async def make_office(system: Running, counters: int) -> str:
    office = unique("busy")
    await ask(system, m.ConfigureOffice(
        office=office, name="Trung tâm đông người",
        services=[{"code": "HT", "name": "Hộ tịch"}, {"code": "CT", "name": "Chứng thực"}],
        counters=[{"id": str(i), "services": ["HT", "CT"]} for i in range(1, counters + 1)],
    ))
    return office


async def test_many_kiosks_issuing_at_once_never_duplicate_a_number(system: Running,
                                                                    http: aiohttp.ClientSession) -> None:
    office = await make_office(system, 1)

    async def take(i: int) -> dict:
        body = {"service": "HT" if i % 3 else "CT", "priority": "elderly" if i % 7 == 0 else None}
        async with http.post(f"/api/offices/{office}/tickets", json=body) as r:
            assert r.status == 201, await r.text()
            return await r.json()

    tickets = await asyncio.gather(*(take(i) for i in range(TICKETS)))
    numbers = [t["number"] for t in tickets]
    assert len(set(numbers)) == TICKETS, [n for n, c in Counter(numbers).items() if c > 1]
    for service in ("HT", "CT"):
        seqs = sorted(int(t["number"].split("-")[1]) for t in tickets if t["service"] == service)
        assert seqs == list(range(1, len(seqs) + 1))  # gapless: nothing burnt, nothing reused


async def test_fifty_clerks_pressing_next_at_once_get_different_tickets(system: Running,
                                                                          http: aiohttp.ClientSession) -> None:
    office = await make_office(system, CLERKS)
    for i in range(TICKETS):
        await ask(system, m.IssueTicket(office=office, service="HT" if i % 2 else "CT"))

    handed: list[str] = []

    async def clerk(counter: int) -> None:
        serving = None
        while True:
            async with http.post(f"/api/offices/{office}/counters/{counter}/next",
                                 json={"complete": serving} if serving else {}) as r:
                body = await r.json()
                if r.status == 404 or (r.status == 200 and body["ticket"] is None):
                    return
                assert r.status == 200, body
                serving = body["ticket"]["id"]
                handed.append(serving)

    await asyncio.gather(*(clerk(c) for c in range(1, CLERKS + 1)))
    assert len(handed) == TICKETS
    assert len(set(handed)) == TICKETS, "a ticket was handed to two clerks"


async def test_the_same_counter_in_two_tabs_cannot_hold_two_tickets(system: Running,
                                                                    http: aiohttp.ClientSession) -> None:
    office = await make_office(system, 1)
    for _ in range(10):
        await ask(system, m.IssueTicket(office=office, service="HT"))

    async def press() -> int:
        async with http.post(f"/api/offices/{office}/counters/1/next") as r:
            return r.status

    statuses = await asyncio.gather(*(press() for _ in range(10)))
    assert sorted(statuses) == [200] + [409] * 9


async def test_a_press_that_waited_for_the_counter_sees_what_the_other_press_committed(system: Running) -> None:
    """"Next" reads the counter's current ticket and the queue heads in the statement that locks the counter
    (repository.open_counter): a press that waited for that lock must see the ticket the first press called and the
    heads as they are after it, not the snapshot its statement started with."""
    from services.store import repository as repo

    office = await make_office(system, 1)
    one, two = [await ask(system, m.IssueTicket(office=office, service="HT")) for _ in range(2)]
    first, second = await connect_db(system), await connect_db(system)

    async def complete_one_and_next() -> repo.OpenCounter:
        async with second.transaction():
            return await repo.open_counter(second, office, "1", one["id"])
    try:
        async with first.transaction():
            opened = await repo.open_counter(first, office, "1", None)
            assert opened.current is None and opened.heads is not None and list(opened.heads) == [one["id"]]
            waiting = asyncio.create_task(complete_one_and_next())
            await asyncio.sleep(0.3)
            assert not waiting.done()                                   # it waits for the counter's lock
            await first.execute("UPDATE tickets SET status = 'called', counter_id = '1', called_at = now()"
                                " WHERE id = $1", uuid.UUID(one["id"]))
        seen = await waiting
        assert seen.current is not None and seen.current.id == one["id"]
        assert seen.heads is not None and list(seen.heads) == [two["id"]]
    finally:
        await first.close()
        await second.close()


async def test_retried_issue_requests_racing_each_other_make_one_ticket(system: Running,
                                                                         http: aiohttp.ClientSession) -> None:
    office = await make_office(system, 1)

    async def press(key: str) -> str:
        async with http.post(f"/api/offices/{office}/tickets", json={"service": "HT"},
                             headers={"Idempotency-Key": key}) as r:
            assert r.status == 201, await r.text()
            return (await r.json())["id"]

    ids = await asyncio.gather(*(press(f"press-{i % 5}") for i in range(50)))
    assert len(set(ids)) == 5
    queue = await ask(system, m.GetQueue(office=office))
    assert len(queue["waiting"]) == 5


async def test_as_many_clerks_as_waiting_citizens_pressing_at_once_each_get_one(system: Running,
                                                                                http: aiohttp.ClientSession) -> None:
    """Clerks pick at the same time (each locks the heads of its queues, skipping the heads another clerk holds):
    none is told that nobody waits while a citizen still does, and none gets a citizen another clerk got."""
    clerks = 20
    office = await make_office(system, clerks)
    waiting = [await ask(system, m.IssueTicket(office=office, service="HT" if i % 2 else "CT",
                                               priority="elderly" if i % 5 == 0 else None))
               for i in range(clerks)]

    async def press(counter: int) -> dict:
        async with http.post(f"/api/offices/{office}/counters/{counter}/next", json={}) as r:
            assert r.status == 200, await r.text()
            return (await r.json())["ticket"]

    handed = await asyncio.gather(*(press(c) for c in range(1, clerks + 1)))
    assert all(t is not None for t in handed), "a clerk was told nobody waits while citizens did"
    assert sorted(t["id"] for t in handed) == sorted(t["id"] for t in waiting)


async def test_the_queue_counts_stay_exact_through_every_kind_of_change_at_once(system: Running,
                                                                                 http: aiohttp.ClientSession) -> None:
    """Issuing reads a new ticket's place from counts kept by triggers (migration 032), not from a count of the
    queue: kiosks issue while clerks call, complete, skip, return, transfer and cancel, all at once; afterwards
    every count equals the waiting tickets themselves."""
    clerks, issued = 8, 160
    office = await make_office(system, clerks)

    async def kiosk(k: int) -> None:
        for i in range(k, issued, 4):
            body = {"service": "HT" if i % 3 else "CT", "priority": "elderly" if i % 5 == 0 else None}
            async with http.post(f"/api/offices/{office}/tickets", json=body) as r:
                assert r.status == 201, await r.text()
                assert (await r.json())["waiting_ahead"] >= 0

    async def act(ticket: dict, action: str, body: dict | None = None) -> None:
        async with http.post(f"/api/tickets/{ticket['id']}/{action}", json=body or {}) as r:
            assert r.status in (200, 409), (action, r.status, await r.text())

    async def clerk(counter: int) -> None:
        for turn in range(30):
            async with http.post(f"/api/offices/{office}/counters/{counter}/next", json={}) as r:
                assert r.status in (200, 404, 409), await r.text()      # 404: nobody waits at this moment
                ticket = (await r.json()).get("ticket") if r.status == 200 else None
            if ticket is None:
                await asyncio.sleep(0.02)
                continue
            kind = (counter + turn) % 5
            if kind == 0:
                await act(ticket, "transfer", {"service": "CT" if ticket["service"] == "HT" else "HT"})
            elif kind == 1:
                await act(ticket, "skip")
                await act(ticket, "return")                # back in the queue
            elif kind == 2:
                await act(ticket, "cancel")
            elif kind == 3:
                await act(ticket, "return")
            else:
                await act(ticket, "complete")
            current = await queue()
            mine = next(c for c in current["counters"] if c["id"] == str(counter))["current"]
            if mine is not None:                            # left with the counter (a refused action): finish it
                await act(mine, "complete")

    async def queue() -> dict:
        async with http.get(f"/api/offices/{office}/queue") as r:
            assert r.status == 200
            return await r.json()

    await asyncio.gather(*(kiosk(k) for k in range(4)), *(clerk(c) for c in range(1, clerks + 1)))
    after = await queue()
    waiting = after["waiting"]
    assert len(waiting) < 500                               # the list is whole: it can be counted
    for service in after["services"]:
        mine = [t for t in waiting if t["service"] == service["code"]]
        assert service["waiting"] == len(mine), service
        assert service["priority_waiting"] == sum(1 for t in mine if t["priority"]), service
    async with http.post(f"/api/offices/{office}/tickets", json={"service": "HT"}) as r:
        assert (await r.json())["waiting_ahead"] == sum(1 for t in waiting if t["service"] == "HT")
