"""Under a stream of events the outbox relay and the projections gather: after a pass that did something, each lets
its gathering time go by before the next, so what came meanwhile goes in one batch. After a quiet spell the first
event goes at once. (Their figures: services.store.outbox.GATHER_S, services.store.projection.GATHER_S.)"""
from __future__ import annotations

import asyncio
import json
from typing import Awaitable, Callable

import asyncpg

from services import messages as m
from services.store import outbox
from services.store.db import create_pool, migrate
from services.store.outbox import OutboxRelay
from services.store.projection import StreamProjection
from services.system import Running
from tests.conftest import unique

GATHER_S = 1.5     # long enough to tell "at once" (well under it) from "gathered" (a pass of its own after it)


async def first_at_once_then_gathered(send: Callable[[str], Awaitable[None]], seen: Callable[[], int]) -> None:
    """Send "1", which must arrive before the gathering time is out; then "2", "3", "4" while it gathers."""
    async def until(n: int, within: float) -> None:
        async with asyncio.timeout(within):
            while seen() < n:
                await asyncio.sleep(0.01)

    await send("1")
    await until(1, within=GATHER_S * 2 / 3)     # not held back: nothing came before it
    for counter in ("2", "3", "4"):              # while the pass that sent "1" gathers
        await send(counter)
    await until(4, within=10)


async def test_the_relay_sends_the_first_event_at_once_and_gathers_those_that_follow(system: Running) -> None:
    schema, office = unique("gather_"), unique("gather")
    pool = await create_pool(system.settings.database_url, schema, min_size=2, max_size=4)
    published: list[str] = []
    passes: list[int] = []

    async def publish(subject: str, data: bytes, event_id: str, after: str | None) -> None:
        published.append(json.loads(data)["counter"])

    async def write(counter: str) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await outbox.append(conn, system.settings.subject_prefix, [m.CounterPaused(office=office, counter=counter)])

    try:
        await migrate(pool)
        relay = OutboxRelay(pool, publish, stream=schema, poll_s=30, standby_s=0.1, gather_s=GATHER_S, replay_s=0)
        relay_once = relay.relay_once

        async def counted(conn: asyncpg.Connection | None = None) -> int:
            passes.append(await relay_once(conn))
            return passes[-1]
        relay.relay_once = counted  # type: ignore[method-assign]
        task = asyncio.create_task(relay.run())
        async with asyncio.timeout(5):
            while not relay.active:
                await asyncio.sleep(0.01)
        await first_at_once_then_gathered(write, lambda: len(published))
        relay.stop()
        await task
        assert published == ["1", "2", "3", "4"]
        assert [n for n in passes if n] == [1, 3]
    finally:
        await pool.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await pool.close()


async def test_a_projection_applies_the_first_event_at_once_and_gathers_those_that_follow(system: Running) -> None:
    schema, office = unique("proj_"), unique("proj")
    pool = await create_pool(system.settings.database_url, schema, min_size=1, max_size=3)
    bus = system.system_bus
    batches: list[list[str]] = []

    seqs: list[int] = []

    async def apply(conn: asyncpg.Connection, events: list[tuple[int, m.Event]]) -> None:
        batches.append([event.counter for _, event in events])   # type: ignore[attr-defined]
        seqs.extend(seq for seq, _ in events)

    async def publish(counter: str) -> None:
        event = m.CounterPaused(office=office, counter=counter)
        await bus.publish_event(m.event_subject(bus.prefix, event), m.event_json(event), event.event_id)

    try:
        await migrate(pool)
        projection = StreamProjection(bus, pool, "test.gather", f"{office}.>", apply, gather_s=GATHER_S)
        task = asyncio.create_task(projection.run())
        await first_at_once_then_gathered(publish, lambda: sum(map(len, batches)))
        async with asyncio.timeout(5):           # applied is not committed yet: wait for the batch's commit
            while projection.seq < seqs[-1]:
                await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert batches == [["1"], ["2", "3", "4"]]
        async with pool.acquire() as conn:       # its position moved on with the batches
            assert await conn.fetchval("SELECT stream_seq FROM projections WHERE name = 'test.gather'") == seqs[-1]
    finally:
        await pool.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await pool.close()
