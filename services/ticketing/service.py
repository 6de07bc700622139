"""The ticketing service: answers commands over NATS and relays its outbox to JetStream."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import AsyncIterator

import asyncpg

from services.bus import Bus
from services.domain.numbering import utc_now
from services.store.outbox import OutboxRelay
from services.ticketing.closing import expire_forever
from services.ticketing.handlers import Clock, Ticketing

log = logging.getLogger(__name__)


@dataclass
class TicketingRuntime:
    ticketing: Ticketing
    relay: OutboxRelay
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


@contextlib.asynccontextmanager
async def run_ticketing(bus: Bus, pool: asyncpg.Pool, *, clock: Clock = utc_now) -> AsyncIterator[TicketingRuntime]:
    """Serve ticketing commands until the context exits."""
    await bus.ensure_stream()
    relay = OutboxRelay(pool, bus.publish_event, stream=bus.settings.stream,
                        retention_s=bus.settings.outbox_retention_days * 86_400)
    ticketing = Ticketing(pool, bus.prefix, clock=clock, on_commit=relay.wake, relay_here=lambda: relay.active)
    runtime = TicketingRuntime(ticketing, relay)
    runtime.tasks.append(asyncio.create_task(relay.run(), name="outbox-relay"))
    expiry = asyncio.create_task(expire_forever(pool, ticketing.run, clock), name="closing-expiry")
    subscriptions = await bus.serve_commands("ticketing", ticketing.execute)
    log.info("ticketing service ready")
    try:
        yield runtime
    finally:
        for sub in subscriptions:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        relay.stop()
        expiry.cancel()                   # it only sleeps between rounds; a round is one transaction per office
        runtime.tasks.append(expiry)
        _, pending = await asyncio.wait(runtime.tasks, timeout=5)
        while pending:
            for task in pending:
                task.cancel()
            _, pending = await asyncio.wait(pending, timeout=1)
