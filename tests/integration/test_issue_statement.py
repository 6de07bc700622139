"""Issuing in one statement (services.store.issuing): PostgreSQL's twins of the Python rules it replaces give the same
text, and what a kiosk is told is what the event says and what is stored, under concurrent issuers too."""
from __future__ import annotations

import asyncio
import json
import random
import uuid
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest

from services import messages as m
from services.domain.access import SYSTEM
from services.domain.errors import InvalidInput, NotFound
from services.domain.numbering import NumberFormat
from services.system import Running
from services.ticketing.handlers import Ticketing
from tests.conftest import unique
from tests.integration.conftest import ask, connect_db


async def test_the_label_of_a_number_is_the_same_in_postgresql_and_python(system: Running) -> None:
    rng = random.Random(12)
    formats = [NumberFormat(prefix=p, width=w, start=s) for p in (None, "A", "HT", "CCCD01") for w in (1, 3, 6)
               for s in (0, 1000, 99_000_000)]
    seqs = [1, 9, 10, 99, 100, 999, 1000, 99_999, 100_000, 999_999, 1_000_000, 2_147_483_647,
            *(rng.randint(1, 5_000_000) for _ in range(40))]
    conn = await connect_db(system)
    try:
        for f in formats:
            rows = await conn.fetch("SELECT s, ticket_label($1, $2, $3, s) AS label FROM unnest($4::int[]) AS s",
                                    f.prefix, f.width, f.start, seqs)
            assert {r["s"]: r["label"] for r in rows} == {s: f.label(s) for s in seqs}, f
    finally:
        await conn.close()


async def test_a_time_is_written_in_postgresql_as_python_writes_it(system: Running) -> None:
    rng = random.Random(7)
    base = datetime(2026, 12, 5, 6, 30, tzinfo=timezone.utc)
    times = [base, base.replace(microsecond=1), base.replace(microsecond=120_000), base.replace(microsecond=999_999),
             datetime(2026, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=7))),
             datetime(2000, 2, 29, 0, 0, tzinfo=timezone.utc),
             *(base + timedelta(microseconds=rng.randint(0, 10**12)) for _ in range(200))]
    conn = await connect_db(system)
    try:
        rows = await conn.fetch(
            "SELECT i, iso_utc(t) AS text FROM unnest($1::timestamptz[]) WITH ORDINALITY AS u(t, i)", times)
        for row in rows:
            t = times[row["i"] - 1]
            assert row["text"] == t.astimezone(timezone.utc).isoformat()
            assert datetime.fromisoformat(row["text"]) == t
    finally:
        await conn.close()


async def test_what_a_kiosk_is_told_is_what_is_stored_and_published(system: Running,
                                                                    http: aiohttp.ClientSession) -> None:
    office = unique("one")
    await ask(system, m.ConfigureOffice(
        office=office, name="Một câu lệnh",
        services=[{"code": "HT", "name": "Hộ tịch", "prefix": "HT", "width": 2},
                  {"code": "CT", "name": "Chứng thực", "prefix": None, "start": 5000}],
        counters=[{"id": "1", "services": ["HT", "CT"]}],
    ))

    async def take(i: int) -> dict:
        body = {"service": "HT" if i % 2 else "CT", "priority": "elderly" if i % 5 == 0 else None}
        async with http.post(f"/api/offices/{office}/tickets", json=body) as r:
            assert r.status == 201, await r.text()
            return await r.json()

    told = await asyncio.gather(*(take(i) for i in range(120)))
    conn = await connect_db(system)
    try:
        events = {json.loads(r["payload"])["ticket"]["id"]: json.loads(r["payload"]) for r in await conn.fetch(
            "SELECT payload::text FROM outbox WHERE subject LIKE '%.ticket.issued' AND payload->>'office' = $1",
            office)}
        stored = {str(r["id"]): r for r in await conn.fetch(
            "SELECT id, seq, number, issued_at, queued_at FROM tickets WHERE office_id = $1", office)}
    finally:
        await conn.close()
    assert len(events) == len(stored) == len(told) == 120
    for reply in told:
        event, row = events[reply["id"]], stored[reply["id"]]
        assert event["ticket"] == {k: reply[k] for k in event["ticket"]}, (event["ticket"], reply)
        assert (row["seq"], row["number"]) == (reply["seq"], reply["number"])
        assert row["issued_at"] == row["queued_at"] == datetime.fromisoformat(reply["issued_at"])
        assert isinstance(event["txid"], int)
    for service, first in (("HT", "HT-01"), ("CT", "5001")):
        mine = sorted((t for t in told if t["service"] == service), key=lambda t: t["seq"])
        assert mine[0]["number"] == first
        assert [t["seq"] for t in mine] == list(range(1, len(mine) + 1))     # gapless
        issued = [datetime.fromisoformat(t["issued_at"]) for t in mine]
        assert issued == sorted(issued)                                      # issue times follow the numbers
        # Its place, as told, counts every ticket numbered before it (nobody was called): a priority ticket goes
        # after the priority ones only. Read after the number is taken, not from the statement's older snapshot.
        for t in mine:
            before = [o for o in mine if o["seq"] < t["seq"] and (o["priority"] or not t["priority"])]
            assert t["waiting_ahead"] == len(before), (t["number"], t["priority"], t["waiting_ahead"], len(before))


async def test_a_new_waiting_ticket_locks_no_more_than_its_own_rows(system: Running) -> None:
    """Two offices issue at once without waiting for each other: the waiting counts' trigger takes no table lock
    (migration 032's did, until each transaction ended)."""
    insert = ("INSERT INTO tickets (id, office_id, service_code, origin_service, local_day, seq, number, status,"
              " issued_at, queued_at) VALUES ($1, $2, 'HT', 'HT', current_date, 1, 'HT-001', 'waiting', now(), now())")
    offices = unique("a"), unique("b")
    first, second = await connect_db(system), await connect_db(system)
    try:
        async with first.transaction():
            await first.execute(insert, uuid.uuid4(), offices[0])        # still open: its locks are held
            await second.execute("SET lock_timeout = '500ms'")
            await second.execute(insert, uuid.uuid4(), offices[1])       # lock_timeout would refuse a wait
        counts = await second.fetch("SELECT office_id, waiting FROM waiting_counts WHERE office_id = ANY($1)",
                                    list(offices))
        assert sorted((r["office_id"], r["waiting"]) for r in counts) == sorted((o, 1) for o in offices)
    finally:
        await first.close()
        await second.close()


async def test_clerks_calling_from_one_queue_do_not_wait_for_each_other(system: Running) -> None:
    """Two counters take tickets from the same queue at once: each count goes on its counter's row (migration 034),
    not on one row of the queue that every clerk's transaction held until it committed."""
    office = unique("clerks")
    insert = ("INSERT INTO tickets (id, office_id, service_code, origin_service, local_day, seq, number, status,"
              " issued_at, queued_at) VALUES ($1, $2, 'HT', 'HT', current_date, $3, $4, 'waiting', now(), now())")
    call = "UPDATE tickets SET status = 'called', counter_id = $2, called_at = now() WHERE id = $1"
    ids = [uuid.uuid4() for _ in range(3)]
    first, second = await connect_db(system), await connect_db(system)
    try:
        for seq, ticket in enumerate(ids, 1):
            await first.execute(insert, ticket, office, seq, f"HT-{seq:03}")
        async with first.transaction():
            await first.execute(call, ids[0], "1")                       # still open: its locks are held
            await second.execute("SET lock_timeout = '500ms'")
            await second.execute(call, ids[1], "2")                      # lock_timeout would refuse a wait
        counts = await second.fetch("SELECT shard, waiting FROM waiting_counts WHERE office_id = $1", office)
        assert sum(r["waiting"] for r in counts) == 1
        assert {r["shard"]: r["waiting"] for r in counts} == {"": 3, "1": -1, "2": -1}
        await second.execute("DELETE FROM tickets WHERE id = $1", ids[2])  # gone from the queue, no counter
        assert await second.fetchval("SELECT waiting_ahead($1, 'HT', false)", office) == 0
    finally:
        await first.close()
        await second.close()


async def test_issuing_follows_a_configuration_changed_by_another_ticketing_process(system: Running) -> None:
    """Ticketing issues from its copy of the office while that copy is current: a change made through another
    replica (its own process in production) is seen by the very next ticket."""
    assert system.ticketing is not None
    here = system.ticketing
    there = Ticketing(here._pool, here._prefix)                    # a second replica on the same database
    office = unique("copy")
    actor = SYSTEM.as_dict()

    def configure(services: list[dict]) -> m.ConfigureOffice:
        return m.ConfigureOffice(office=office, name="Bản sao", services=services,
                                 counters=[{"id": "1", "services": [s["code"] for s in services]}], actor=actor)

    await there.configure_office(configure([{"code": "HT", "name": "Hộ tịch"}, {"code": "CT", "name": "Chứng thực"}]))
    first = await here.issue(m.IssueTicket(office=office, service="HT", actor=actor))
    assert (first["number"], first["service_name"], first["waiting_ahead"]) == ("HT-001", "Hộ tịch", 0)
    await there.configure_office(configure([{"code": "HT", "name": "Hộ tịch (mới)", "prefix": "H", "width": 4}]))
    second = await here.issue(m.IssueTicket(office=office, service="HT", actor=actor))
    assert (second["number"], second["service_name"], second["waiting_ahead"]) == ("H-0002", "Hộ tịch (mới)", 1)
    with pytest.raises(NotFound):                                  # CT was closed by the other replica
        await here.issue(m.IssueTicket(office=office, service="CT", actor=actor))
    await there.configure_office(configure([{"code": "HT", "name": "Hộ tịch", "procedures": [
        {"code": "KS", "name": "Khai sinh"}]}]))
    with pytest.raises(InvalidInput):                              # a procedure the office does not offer
        await here.issue(m.IssueTicket(office=office, service="HT", procedure="XX", actor=actor))
    third = await here.issue(m.IssueTicket(office=office, service="HT", procedure="KS", actor=actor))
    assert (third["number"], third["procedure"]) == ("HT-003", "KS")
