"""A projection of the event stream into PostgreSQL tables, exactly once.

Each projection remembers, in the `projections` table, the last stream sequence it applied; a batch of events and
that sequence are written in one transaction. It reads the stream through an ephemeral pull consumer that starts
after that sequence, so a restart (of the service, NATS or the database) carries on where it stopped, a batch
never applies twice, and `rebuild` (the tables emptied and the sequence set back to 0 in one transaction) replays
the stream from its first event and comes out the same.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Awaitable, Callable, Sequence

import asyncpg
import nats.errors
from nats.js import api

from services import messages as m
from services.bus import Bus
from services.store.db import DATABASE_DOWN

log = logging.getLogger(__name__)

# apply(conn, [(stream_seq, event)]) inside the batch's transaction.
Apply = Callable[[asyncpg.Connection, Sequence[tuple[int, m.Event]]], Awaitable[None]]

BATCH = 500
IDLE_FETCH_S = 2.0         # how long one fetch waits for new events when the projection is up to date
RETRY_S = (0.2, 0.5, 1.0, 2.0, 5.0)
# After applying a batch, a projection lets this long go by before it fetches again: under a steady stream of events
# each transaction (BEGIN, the position's lock, the writes, the new position, COMMIT) then carries a dozen events
# instead of two or three. Measured with 8 clients (benchmarks.hotpath's paths, one run each way): CPU per 1,000
# tickets issued 2.12 -> 1.85 s (the services' process 0.28 -> 0.13 s), per 1,000 "complete & next" 4.13 -> 3.69 s.
# What reads a projection (the dashboard, the satisfaction tablet) sees an event at most this much later.
GATHER_S = 0.020


class _Restart(Exception):
    pass


async def position(conn: asyncpg.Connection, name: str) -> int:
    return await conn.fetchval("SELECT stream_seq FROM projections WHERE name = $1", name) or 0


class StreamProjection:
    def __init__(self, bus: Bus, pool: asyncpg.Pool, name: str, subject: str, apply: Apply,
                 *, after_batch: Callable[[], Awaitable[None]] | None = None, gather_s: float = GATHER_S) -> None:
        """`subject`: one filter under the event prefix, e.g. ">" or "*.ticket.completed" (one, not several:
        nats-server 2.9 takes a single filter per consumer). `gather_s`: see GATHER_S."""
        self._bus = bus
        self._pool = pool
        self.name = name
        self._subject = f"{bus.prefix}.evt.{subject}"
        self._apply = apply
        self._after_batch = after_batch
        self._gather_s = gather_s
        self._sub: Any = None
        self._applied = asyncio.Condition()
        self.seq = 0                      # the last sequence applied (as this process knows it)
        self.caught_up = asyncio.Event()  # set once a fetch found nothing newer

    async def run(self) -> None:
        """Apply the stream forever; survives NATS and database outages. Cancelled, it unsubscribes (a pull
        subscription left behind would hold the connection's drain at shutdown)."""
        try:
            await self._run_forever()
        finally:
            await self._drop_consumer()

    async def _run_forever(self) -> None:
        failures = 0
        while True:
            _raise_if_cancelled()
            try:
                await self._run_once()
                failures = 0
            except asyncio.CancelledError:
                raise
            except (*DATABASE_DOWN, nats.errors.Error, asyncpg.PostgresError) as exc:
                wait = RETRY_S[min(failures, len(RETRY_S) - 1)]
                failures += 1
                log.warning("projection %s: %s: %s; retrying in %.1f s", self.name, type(exc).__name__, exc, wait)
                await self._drop_consumer()
                await asyncio.sleep(wait)

    async def _run_once(self) -> None:
        async with self._pool.acquire() as conn:
            self.seq = await position(conn, self.name)
        if self._sub is None:                   # (the stream is the publishers' to create: until then, retried)
            config = api.ConsumerConfig(
                deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=self.seq + 1,
                ack_policy=api.AckPolicy.NONE, inactive_threshold=60.0)
            self._sub = await self._bus.js.pull_subscribe(self._subject, stream=self._bus.settings.stream,
                                                          config=config)
        try:
            await self._follow()
        except _Restart:
            await self._drop_consumer()         # the projection was reset (rebuild): start again from there

    async def _follow(self) -> None:
        while True:
            _raise_if_cancelled()
            try:
                msgs = await self._sub.fetch(BATCH, timeout=IDLE_FETCH_S)
            except asyncio.TimeoutError:   # nats.errors.TimeoutError, or the bare one nats-py's fetch also raises
                self.caught_up.set()
                await self._check_not_reset()
                continue
            batch: list[tuple[int, m.Event]] = []
            last = self.seq
            for msg in msgs:
                seq = msg.metadata.sequence.stream
                last = max(last, seq)
                if seq <= self.seq:
                    continue
                try:
                    batch.append((seq, m.event_from_subject(self._bus.prefix, msg.subject, msg.data)))
                except m.InvalidMessage:
                    log.warning("projection %s: ignoring malformed event #%d on %s", self.name, seq, msg.subject)
            if last > self.seq:
                await self._commit(batch, last)
                if self._gather_s > 0:
                    await asyncio.sleep(self._gather_s)

    async def _check_not_reset(self) -> None:
        """While idle: a rebuild elsewhere (another replica's handler) set the position back; start again from it."""
        async with self._pool.acquire() as conn:
            if await position(conn, self.name) < self.seq:
                raise _Restart()

    async def _commit(self, batch: list[tuple[int, m.Event]], last: int) -> None:
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                # The row lock also stops two replicas of a service from applying the same batch twice.
                stored = await conn.fetchval(
                    "INSERT INTO projections (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name"
                    " RETURNING stream_seq", self.name)
                if stored < self.seq:
                    raise _Restart()       # reset by a rebuild since this process last applied
                if stored >= last:
                    self.seq = stored      # another replica got there first
                    return
                todo = [(seq, event) for seq, event in batch if seq > stored]
                if todo:
                    await self._apply(conn, todo)
                await conn.execute("UPDATE projections SET stream_seq = $2, updated_at = now() WHERE name = $1",
                                   self.name, last)
        self.seq = last
        if self._after_batch is not None:
            await self._after_batch()
        async with self._applied:
            self._applied.notify_all()

    async def wait_for(self, condition: Callable[[], Awaitable[bool]], timeout: float) -> bool:
        """Wait (at most `timeout`) until `condition()` holds, re-checking after each applied batch."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not await condition():
            left = deadline - loop.time()
            if left <= 0:
                return False
            async with self._applied:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._applied.wait(), min(left, 0.25))
        return True

    async def _drop_consumer(self) -> None:
        sub, self._sub = self._sub, None
        if sub is not None:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()


def _raise_if_cancelled() -> None:
    """Python 3.11's asyncio.wait_for (inside nats-py's fetch) may swallow a cancellation that lands as its timeout
    fires; the task still counts the request, so honour it here rather than loop on."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError()


async def reset(conn: asyncpg.Connection, name: str, tables: Sequence[str]) -> None:
    """Empty a projection's tables and start it again from the first event, in the caller's transaction (the
    running projection notices at its next batch or idle fetch: StreamProjection._commit, _check_not_reset)."""
    await conn.execute(f"TRUNCATE {', '.join(tables)}")
    await conn.execute("INSERT INTO projections (name, stream_seq) VALUES ($1, 0)"
                       " ON CONFLICT (name) DO UPDATE SET stream_seq = 0, updated_at = now()", name)
