"""The accounts service: answers motcua.cmd.accounts.* and broadcasts revoked credentials at once."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import AsyncIterator

import asyncpg

from services.accounts import store
from services.accounts.handlers import Accounts
from services.accounts.seed import ensure_admin
from services.bus import Bus
from services.config import Settings
from services.domain.accounts import LockoutRule
from services.domain.numbering import utc_now
from services.messages import revocations_subject

log = logging.getLogger(__name__)

PRUNE_EVERY_S = 3600


@contextlib.asynccontextmanager
async def run_accounts(bus: Bus, pool: asyncpg.Pool, settings: Settings) -> AsyncIterator[Accounts]:
    async def revoked(hashes: list[bytes]) -> None:
        await bus.broadcast(revocations_subject(bus.prefix), {"token_hashes": [h.hex() for h in hashes]})

    accounts = Accounts(
        pool, session_ttl_s=settings.session_ttl_s, on_revoked=revoked,
        lockout=LockoutRule(settings.login_max_failures, settings.login_window_s, settings.login_lock_s),
    )
    if settings.admin_password:
        await ensure_admin(pool, settings.admin_password)
    subscriptions = await bus.serve_commands("accounts", accounts.execute)
    pruner = asyncio.create_task(_prune_forever(pool), name="accounts-prune")
    log.info("accounts service ready")
    try:
        yield accounts
    finally:
        pruner.cancel()
        for sub in subscriptions:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        with contextlib.suppress(asyncio.CancelledError):
            await pruner


async def _prune_forever(pool: asyncpg.Pool) -> None:
    while True:
        try:
            async with pool.acquire() as conn:
                await store.prune(conn, utc_now())
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            log.warning("accounts: pruning failed; will retry", exc_info=True)
        await asyncio.sleep(PRUNE_EVERY_S)
