"""The feedback service: answers motcua.cmd.feedback.* and follows ticket.completed to know who served whom."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import AsyncIterator, Callable

import asyncpg

from services.bus import Bus
from services.domain.numbering import utc_now
from services.feedback import store
from services.feedback.handlers import Feedback
from services.store.projection import StreamProjection

log = logging.getLogger(__name__)

PROJECTION = "feedback.served"


@contextlib.asynccontextmanager
async def run_feedback(bus: Bus, pool: asyncpg.Pool, *, clock: Callable[[], datetime] = utc_now
                       ) -> AsyncIterator[Feedback]:
    projection = StreamProjection(bus, pool, PROJECTION, "*.ticket.completed", store.apply_completions)
    follower = asyncio.create_task(projection.run(), name="feedback-projection")
    feedback = Feedback(pool, bus.prefix, bus.request, clock, projection.wait_for)
    subscriptions = await bus.serve_commands("feedback", feedback.execute)
    log.info("feedback service ready")
    try:
        yield feedback
    finally:
        for sub in subscriptions:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
