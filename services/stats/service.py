"""The stats service: projects the event stream into figures, rolls the changed days up, and answers
motcua.cmd.stats.*."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any, AsyncIterator, Callable

import asyncpg

from services.bus import Bus
from services.domain.numbering import utc_now
from services.stats import projector
from services.stats.handlers import Stats
from services.stats.rollup import roll_up
from services.store import projection
from services.store.db import DATABASE_DOWN

log = logging.getLogger(__name__)

ROLLUP_EVERY_S = 5.0


@contextlib.asynccontextmanager
async def run_stats(bus: Bus, pool: asyncpg.Pool, *, clock: Callable[[], datetime] = utc_now
                    ) -> AsyncIterator[Stats]:
    follower = projection.StreamProjection(bus, pool, projector.NAME, ">", projector.StatsProjector().apply)

    async def progress() -> dict[str, Any]:
        async with pool.acquire() as conn:
            applied = await projection.position(conn, projector.NAME)
        try:
            last = (await bus.js.stream_info(bus.settings.stream)).state.last_seq
        except Exception:  # noqa: BLE001 - NATS away: say what is known
            last = None
        return {"applied": applied, "stream_last": last,
                "behind": None if last is None else max(0, last - applied)}

    stats = Stats(pool, bus.request, clock, progress)
    tasks = [asyncio.create_task(follower.run(), name="stats-projection"),
             asyncio.create_task(_roll_up_forever(pool), name="stats-rollup")]
    subscriptions = await bus.serve_commands("stats", stats.execute)
    log.info("stats service ready")
    try:
        yield stats
    finally:
        for sub in subscriptions:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _roll_up_forever(pool: asyncpg.Pool) -> None:
    while True:
        await asyncio.sleep(ROLLUP_EVERY_S)
        try:
            await roll_up(pool)
        except (*DATABASE_DOWN, asyncpg.PostgresError):
            log.warning("stats: rollup failed; will retry", exc_info=True)
