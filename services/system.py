"""Composing the parts: embedded servers, database, bus, services and the web front."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, replace
from typing import AsyncIterator

import asyncpg
from aiohttp import web

from services.bus import Bus
from services.config import Settings
from services.domain.numbering import utc_now
from services.embedded import EmbeddedNats, EmbeddedPostgres
from services.store.db import create_pool, migrate
from services.ticketing.handlers import Clock
from services.ticketing.service import run_ticketing
from services.web import build_web_app

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def embedded_defaults(settings: Settings) -> AsyncIterator[Settings]:
    """Start nats-server and/or PostgreSQL for whichever URL is unset; stop them on exit."""
    stack = contextlib.ExitStack()
    try:
        if not settings.nats_url:
            nats_server = EmbeddedNats(settings.home)
            url = await asyncio.to_thread(nats_server.start)
            stack.callback(nats_server.stop)
            settings = replace(settings, nats_url=url)
            log.info("embedded NATS at %s", url)
        if not settings.database_url:
            postgres = EmbeddedPostgres(settings.home)
            stack.callback(postgres.stop)
            url = await asyncio.to_thread(postgres.start)
            settings = replace(settings, database_url=url)
            log.info("embedded PostgreSQL at %s", url)
        yield settings
    finally:
        await asyncio.to_thread(stack.close)


@contextlib.asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    assert settings.database_url
    pool = await create_pool(settings.database_url, settings.db_schema)
    try:
        applied = await migrate(pool)
        if applied:
            log.info("migrations applied: %s", ", ".join(applied))
        yield pool
    finally:
        try:
            await asyncio.wait_for(pool.close(), 10)
        except asyncio.TimeoutError:
            log.warning("database pool did not close in 10 s (a connection still in use); terminating it")
            pool.terminate()


@contextlib.asynccontextmanager
async def bus_connection(settings: Settings, name: str) -> AsyncIterator[Bus]:
    bus = await Bus.connect(settings, name)
    try:
        yield bus
    finally:
        await bus.close()


@contextlib.asynccontextmanager
async def web_server(app: web.Application, host: str, port: int) -> AsyncIterator[int]:
    """Serve `app`; yields the bound port (useful with port 0)."""
    # Screens keep event streams open; they reconnect by themselves, so do not wait long for them.
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=3.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    try:
        bound = site._server.sockets[0].getsockname()[1] if site._server else port  # type: ignore[union-attr]
        yield bound
    finally:
        await runner.cleanup()


@dataclass
class Running:
    settings: Settings
    bus: Bus
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{self.settings.host}:{self.port}"


@contextlib.asynccontextmanager
async def whole_system(settings: Settings, *, demo: bool = False, clock: Clock = utc_now,
                       with_screens: bool = True) -> AsyncIterator[Running]:
    """Everything in one process for one site; the parts still talk over NATS."""
    async with contextlib.AsyncExitStack() as stack:
        settings = await stack.enter_async_context(embedded_defaults(settings))
        pool = await stack.enter_async_context(database(settings))
        service_bus = await stack.enter_async_context(bus_connection(settings, "ticketing"))
        await stack.enter_async_context(run_ticketing(service_bus, pool, clock=clock))
        web_bus = await stack.enter_async_context(bus_connection(settings, "web"))
        if demo:
            from services.demo import seed_demo
            if await seed_demo(web_bus):
                log.info("demo office seeded")
        app = build_web_app(web_bus, with_screens=with_screens)
        port = await stack.enter_async_context(web_server(app, settings.host, settings.port))
        yield Running(settings, web_bus, port)
