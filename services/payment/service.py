"""The payment service: answers motcua.cmd.payment.* and sweeps (notices stored but not yet matched, fees past their
deadline). Its events go through the shared outbox, which the ticketing service's relay publishes (woken by the
outbox's NOTIFY on commit)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import AsyncIterator, Callable

import asyncpg

from services.bus import Bus
from services.config import Settings
from services.domain.numbering import utc_now
from services.payment.handlers import Payments
from services.store.db import DATABASE_DOWN

log = logging.getLogger(__name__)

SWEEP_EVERY_S = 15.0


@dataclass
class PaymentRuntime:
    payments: Payments
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def sweep_once(self) -> None:
        """Match the notices a stop left unprocessed, then expire overdue fees."""
        desk = self.payments.notices
        for notice_id in await desk.pending():
            try:
                outcome = await desk.process(notice_id)
                log.info("payment: notice %s processed late: %s", notice_id, outcome)
            except DATABASE_DOWN:
                raise
            except Exception:  # noqa: BLE001 - one bad notice must not stop the others; it stays for a person
                log.exception("payment: notice %s could not be processed; will retry", notice_id)
        await self.payments.expire_due()


@contextlib.asynccontextmanager
async def run_payment(bus: Bus, pool: asyncpg.Pool, settings: Settings, *,
                      clock: Callable[[], datetime] = utc_now) -> AsyncIterator[PaymentRuntime]:
    """Serve payment commands until the context exits."""
    await bus.ensure_stream()
    payments = Payments(
        pool, bus.prefix, bus.request, clock=clock, fee_expiry_min=settings.fee_expiry_min,
        fee_max_vnd=settings.fee_max_vnd,
        keys={"sepay": settings.sepay_api_key, "payos": settings.payos_checksum_key},
    )
    for gateway, key, name in (("SePay", settings.sepay_api_key, "MOTCUA_SEPAY_API_KEY"),
                               ("payOS", settings.payos_checksum_key, "MOTCUA_PAYOS_CHECKSUM_KEY")):
        if not key:
            log.warning("payment: %s is not set: every %s notice will be refused (401)", name, gateway)
    runtime = PaymentRuntime(payments)
    await runtime.sweep_once()             # what a previous stop left behind, before the first new notice
    runtime.tasks.append(asyncio.create_task(_sweep_forever(runtime), name="payment-sweep"))
    subscriptions = await bus.serve_commands("payment", payments.execute)
    log.info("payment service ready")
    try:
        yield runtime
    finally:
        for sub in subscriptions:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        for task in runtime.tasks:
            task.cancel()
        await asyncio.gather(*runtime.tasks, return_exceptions=True)


async def _sweep_forever(runtime: PaymentRuntime) -> None:
    while True:
        await asyncio.sleep(SWEEP_EVERY_S)
        try:
            await runtime.sweep_once()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            log.warning("payment: sweep failed; will retry", exc_info=True)
