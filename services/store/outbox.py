"""Transactional outbox: events are written with the state change, then relayed to JetStream."""
from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import asdict
from typing import Awaitable, Callable, Iterable

import asyncpg

from services.messages import Event, event_subject

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "motcua_outbox"

Publish = Callable[[str, bytes, str], Awaitable[None]]


async def append(conn: asyncpg.Connection, prefix: str, events: Iterable[Event]) -> None:
    """Write events in the caller's transaction; NOTIFY wakes relays in other processes on commit."""
    rows = [
        (event.event_id, event_subject(prefix, event), json.dumps({**asdict(event), "type": event.type},
                                                                  ensure_ascii=False))
        for event in events
    ]
    if not rows:
        return
    ids, subjects, payloads = zip(*rows)
    # One round trip: the rows, and a NOTIFY delivered to listening relays when the transaction commits.
    await conn.execute(
        "WITH written AS (INSERT INTO outbox (event_id, subject, payload)"
        " SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]::jsonb[]) RETURNING 1)"
        f" SELECT pg_notify('{NOTIFY_CHANNEL}', count(*)::text) FROM written",
        list(ids), list(subjects), list(payloads),
    )


class OutboxRelay:
    """Publishes unpublished outbox rows in order and marks them sent.

    Several relays may run: FOR UPDATE SKIP LOCKED hands each row to one of them, and
    the JetStream message id (the event id) makes a re-publish after a crash a no-op.
    """

    def __init__(self, pool: asyncpg.Pool, publish: Publish, *, batch: int = 200, poll_s: float = 1.0) -> None:
        self._pool = pool
        self._publish = publish
        self._batch = batch
        self._poll_s = poll_s
        self._wake = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Ask `run` to return after its current batch. A flag, not only a cancellation: libraries
        awaited inside (asyncio.wait_for in 3.11) can swallow a cancel that lands at the wrong moment."""
        self._stopping = True
        self._wake.set()

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def relay_once(self) -> int:
        """Publish one batch; return how many rows were sent."""
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                rows = await conn.fetch(
                    "SELECT id, event_id, subject, payload FROM outbox WHERE published_at IS NULL"
                    " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                    self._batch,
                )
                sent = []
                for row in rows:
                    data = json.dumps(row["payload"], ensure_ascii=False).encode()
                    try:
                        await self._publish(row["subject"], data, str(row["event_id"]))
                    except Exception:  # noqa: BLE001 - keep order: stop at the first failure, retry later
                        log.warning("outbox: publish failed, will retry", exc_info=True)
                        break
                    sent.append(row["id"])
                if sent:
                    await conn.execute("UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])", sent)
                return len(sent)

    async def run(self) -> None:
        """Relay until cancelled: woken in-process, by NOTIFY, or by the poll timer."""
        try:
            self._listener = await self._pool.acquire()
            await self._listener.add_listener(NOTIFY_CHANNEL, self._on_notify)
        except (OSError, asyncpg.PostgresError):
            log.warning("outbox: LISTEN unavailable, polling only", exc_info=True)
        try:
            while not self._stopping:
                self._wake.clear()
                try:
                    while await self.relay_once() >= self._batch:
                        pass
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                    log.warning("outbox: database unavailable, will retry", exc_info=True)
                # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancellation
                # that lands as the event fires, leaving this loop running after shutdown.
                try:
                    async with asyncio.timeout(self._poll_s):
                        await self._wake.wait()
                except TimeoutError:
                    pass
        finally:
            if self._listener is not None:
                try:
                    await self._listener.remove_listener(NOTIFY_CHANNEL, self._on_notify)
                    await self._pool.release(self._listener)
                except Exception:  # noqa: BLE001 - pool may be closing
                    pass
