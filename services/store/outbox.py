"""Transactional outbox: events are written with the state change, then relayed to JetStream."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from typing import Awaitable, Callable, Iterable, Sequence

import asyncpg

from services import deadlines
from services.messages import Event, event_json, event_subject

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "motcua_outbox"

# After a pass that published something, the relay lets this long go by before the next: events committed
# meanwhile go out together (one read, one mark, and the screens' and projections' work in one batch each) instead
# of one pass per event competing with the commands still coming in. The first event after a quiet spell goes out at
# once. Measured (benchmarks.hotpath's issue path, 3 alternating runs each): p50 of one kiosk issuing back to back
# 1.28-1.37x its floor with 10 ms, 1.75-1.94x with none; the rate of 8 kiosks did not move (0.43-0.50x).
GATHER_S = 0.010

# publish(subject, payload, event_id, after): one event to JetStream, its id as Nats-Msg-Id; `after`, when given, the
# event id the stream's last message must have (Nats-Expected-Last-Msg-Id), else the stream refuses it.
Publish = Callable[[str, bytes, str, str | None], Awaitable[None]]


Statement = tuple[str, tuple[object, ...]]   # a data-modifying statement ending in RETURNING; $1 its first argument


async def append(conn: asyncpg.Connection, prefix: str, events: Iterable[Event], *,
                 along: Sequence[Statement] = (), notify: bool = True) -> list[int]:
    """Write events in the caller's transaction; NOTIFY wakes relays in other processes on commit. Called right
    before the commit of every change that has events: refused once the caller's deadline has passed.

    `along`: the change itself (INSERTs, UPDATEs, each ending in RETURNING), sent with the events in the same round
    trip; returns how many rows each of them wrote, for the caller to check. `notify=False`: the caller wakes the
    active relay itself (it runs in the caller's process), and spares PostgreSQL the NOTIFY (see `notifying`)."""
    deadlines.check()
    rows = [(event.event_id, event_subject(prefix, event), event_json(event).decode()) for event in events]
    if not rows and not along:
        return []
    ids, subjects, payloads = zip(*rows) if rows else ((), (), ())
    # One round trip: the change, the rows, and a NOTIFY delivered to listening relays when the transaction
    # commits. Each event carries its transaction's id ("txid"): a read model built from a snapshot (GetQueue's
    # "snapshot") skips the events that snapshot already shows. A data-modifying WITH runs to completion.
    changes, args, counts = [], [list(ids), list(subjects), list(payloads)], []
    for i, (sql, statement_args) in enumerate(along):
        changes.append(f"change_{i} AS ({_shift_placeholders(sql, len(args))}), ")
        counts.append(f"(SELECT count(*) FROM change_{i})")
        args += statement_args
    row = await conn.fetchrow(
        f"WITH {''.join(changes)}written AS (INSERT INTO outbox (event_id, subject, payload)"
        " SELECT e, s, jsonb_set(p::jsonb, '{txid}', to_jsonb(pg_current_xact_id()::text::bigint))"
        " FROM unnest($1::uuid[], $2::text[], $3::text[]) AS u(e, s, p) RETURNING 1)"
        f" SELECT {notifying('count(*)::text', when='count(*) > 0') if notify else 'NULL'},"
        f" ARRAY[{', '.join(counts) or 'NULL'}]::bigint[] AS changed FROM written",
        *args,
    )
    return [int(n) for n in row["changed"]] if along else []


def notifying(payload: str, *, when: str = "true") -> str:
    """The SQL that NOTIFYs relays when its transaction commits. Not free: PostgreSQL lets one notifying
    transaction commit at a time (a database-wide lock held through the commit) and delivers each notice to every
    listening connection; a change made where the active relay runs wakes it in-process instead."""
    return f"CASE WHEN {when} THEN pg_notify('{NOTIFY_CHANNEL}', {payload}) END"


def _shift_placeholders(sql: str, by: int) -> str:
    """$1 → $4 (by 3): `sql` placed after `by` arguments already given. (The statements given here are the
    project's own: no placeholder-like text inside string literals.)"""
    return re.sub(r"\$(\d+)", lambda found: f"${int(found.group(1)) + by}", sql)


async def _leave_clean(conn: asyncpg.Connection) -> None:
    """The relay's lock and listener are session state, and pooled connections are not reset on release
    (services.store.db.light_reset): drop them here, or drop the connection."""
    try:
        await conn.execute("SELECT pg_advisory_unlock_all(); UNLISTEN *")
    except Exception:  # noqa: BLE001 - a broken connection: the pool replaces it, and the lock goes with it
        conn.terminate()


class OutboxRelay:
    """Publishes unpublished outbox rows in id order and marks them sent.

    One relay per stream is active at a time: it holds a PostgreSQL advisory lock on its own connection, and the
    others wait. When the active one dies its connection closes, the lock is released and another takes over
    within `standby_s`. So events are never published by two relays at once, out of order: each ticket's events
    (whose transactions take turns on the ticket's row lock) reach the stream in the order they were committed.
    The JetStream message id (the event id) makes a re-publish after a crash a no-op. Published rows are pruned
    after `retention_s`. After a pass that published, the next waits `gather_s` (see GATHER_S).

    What an acknowledged event survives: JetStream acknowledges a write before its file store syncs to disk (every
    second on the embedded server: services.embedded.nats), so a process crash loses nothing but a power cut may
    lose the last second of the stream. Each relay that becomes active therefore publishes the last `replay_s` of
    events again, in order; JetStream's duplicate window (longer than that) drops those it still has.
    """

    def __init__(self, pool: asyncpg.Pool, publish: Publish, *, stream: str = "MOTCUA_EVENTS", batch: int = 200,
                 poll_s: float = 1.0, standby_s: float = 2.0, retention_s: float = 7 * 86_400,
                 replay_s: float = 120.0, gather_s: float = GATHER_S) -> None:
        self._pool = pool
        self._gather_s = gather_s
        self._publish = publish
        self._lock_key = f"motcua-outbox:{stream}"
        self._batch = batch
        self._poll_s = poll_s
        self._standby_s = standby_s
        self._retention_s = retention_s
        self._replay_s = replay_s
        self._wake = asyncio.Event()
        self._stopping = False
        self._pruned_at = 0.0
        self.active = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Ask `run` to return after its current batch. A flag, not only a cancellation: libraries
        awaited inside (asyncio.wait_for in 3.11) can swallow a cancel that lands at the wrong moment."""
        self._stopping = True
        self._wake.set()

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def relay_once(self, conn: asyncpg.Connection | None = None) -> int:
        """Publish one batch; return how many rows were sent. Stops at the first failure, keeping the order.

        The active relay passes the connection that holds its advisory lock: no other relay publishes meanwhile,
        so it reads and marks the rows without a transaction (two round trips a batch, not four). Called without
        a connection (a one-off, the tests), the rows are locked while they are published."""
        if conn is None:
            async with self._pool.acquire() as own, own.transaction():
                return await self._relay_batch(own, " FOR UPDATE")
        return await self._relay_batch(conn, "")

    async def _relay_batch(self, conn: asyncpg.Connection, locking: str) -> int:
        rows = await conn.fetch(
            "SELECT id, event_id, subject, payload::text AS payload FROM outbox WHERE published_at IS NULL"
            f" ORDER BY id LIMIT $1{locking}", self._batch,
        )
        # All of the batch at once, without waiting for each acknowledgement: the NATS client writes them in this
        # order, in one go. Each but the first names its predecessor as the stream's last message, so after a
        # failure the stream refuses every later one and the order holds: the next pass starts again from the
        # first that failed (JetStream drops a copy of one it already has, by its Msg-Id).
        publishing = [asyncio.ensure_future(self._publish(
            row["subject"], row["payload"].encode(),      # PostgreSQL's own JSON text: not decoded and encoded again
            str(row["event_id"]), str(rows[i - 1]["event_id"]) if i else None)) for i, row in enumerate(rows)]
        sent = []
        for row, outcome in zip(rows, await asyncio.gather(*publishing, return_exceptions=True)):
            if isinstance(outcome, BaseException):        # keep order: stop at the first failure, retry later
                log.warning("outbox: publish failed, will retry", exc_info=outcome)
                break
            sent.append(row["id"])
        if sent:
            await conn.execute("UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])", sent)
        return len(sent)

    async def run(self) -> None:
        """Until stopped: wait to become the active relay, then relay, woken in-process, by NOTIFY or by the timer."""
        while not self._stopping:
            try:
                async with self._pool.acquire() as conn:
                    if await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", self._lock_key):
                        try:
                            await self._lead(conn)
                        finally:
                            self.active = False
                            await _leave_clean(conn)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                log.warning("outbox: database unavailable, will retry", exc_info=True)
            if not self._stopping:
                await self._sleep(self._standby_s)

    async def replay(self, conn: asyncpg.Connection) -> int:
        """Publish again the events of the last `replay_s`, in order (see the class's note on power cuts)."""
        rows = await conn.fetch(
            "SELECT event_id, subject, payload::text AS payload FROM outbox"
            " WHERE published_at >= now() - make_interval(secs => $1) ORDER BY id", self._replay_s)
        for row in rows:
            await self._publish(row["subject"], row["payload"].encode(), str(row["event_id"]), None)
        return len(rows)

    async def _lead(self, conn: asyncpg.Connection) -> None:
        self.active = True
        log.info("outbox relay active for %s", self._lock_key)
        if self._replay_s > 0:
            try:
                replayed = await self.replay(conn)
                if replayed:
                    log.info("outbox: published again the %d events of the last %.0f s", replayed, self._replay_s)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                raise                       # the database: run() waits and tries again
            except Exception:  # noqa: BLE001 - the bus is not there yet: nothing is lost, relaying goes on
                log.warning("outbox: replay failed; continuing", exc_info=True)
        await conn.add_listener(NOTIFY_CHANNEL, self._on_notify)
        try:
            while not self._stopping:
                self._wake.clear()
                sent = await self.relay_once(conn)
                while sent >= self._batch:
                    sent = await self.relay_once(conn)
                await self._prune(conn)
                if sent and self._gather_s > 0:
                    await asyncio.sleep(self._gather_s)
                await self._sleep(self._poll_s)
        finally:
            with contextlib.suppress(Exception):
                await conn.remove_listener(NOTIFY_CHANNEL, self._on_notify)

    async def _sleep(self, seconds: float) -> None:
        # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancellation
        # that lands as the event fires, leaving this loop running after shutdown.
        try:
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        except TimeoutError:
            pass

    async def _prune(self, conn: asyncpg.Connection) -> None:
        now = time.monotonic()
        if now - self._pruned_at < 3600:
            return
        self._pruned_at = now
        done = await conn.execute("DELETE FROM outbox WHERE published_at < now() - make_interval(secs => $1)",
                                  self._retention_s)
        log.info("outbox: pruned published rows older than %.0f h (%s)", self._retention_s / 3600, done)


async def backlog(conn: asyncpg.Connection) -> dict[str, float]:
    """How many events wait to be published, and for how long the oldest has waited (seconds)."""
    row = await conn.fetchrow("SELECT count(*) AS n, extract(epoch FROM now() - min(created_at)) AS age"
                              " FROM outbox WHERE published_at IS NULL")
    return {"backlog": row["n"], "oldest_s": round(row["age"] or 0.0, 3)}
