"""Composing the parts: embedded servers, database, bus, services and the web front."""
from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import secrets
from dataclasses import dataclass, replace
from typing import AsyncIterator

import asyncpg
from aiohttp import web

from services.accounts.seed import DemoAccess, seed_demo_access
from services.accounts.service import run_accounts
from services.bus import Bus
from services.api.connections import Guard
from services.config import ConfigError, Settings
from services.domain.numbering import utc_now
from services.embedded import EmbeddedNats, EmbeddedPostgres
from services.embedded.supervisor import home_lock, supervise
from services.local_secrets import secret
from services.feedback.service import run_feedback
from services.payment.service import run_payment
from services.stats.service import run_stats
from services.store.db import create_pool, migrate
from services.identity.service import run_identity
from services.ticketing.handlers import Clock, Ticketing
from services.ticketing.service import run_ticketing
from services.web import build_web_app

log = logging.getLogger(__name__)


def new_identity_key() -> str:
    return secrets.token_hex(32)


@contextlib.asynccontextmanager
async def embedded_defaults(settings: Settings, *, nats: bool = True) -> AsyncIterator[Settings]:
    """Start nats-server and/or PostgreSQL for whichever URL is unset, supervise them (restarted when they die),
    and stop them on exit. One motcua per MOTCUA_HOME: the home is locked while they run."""
    wanted_nats = nats and not settings.nats_url
    if not wanted_nats and settings.database_url:
        yield settings
        return
    stack = contextlib.ExitStack()
    servers: list[EmbeddedNats | EmbeddedPostgres] = []
    watcher: asyncio.Task[None] | None = None
    try:
        stack.enter_context(home_lock(settings.home))
        if wanted_nats:
            nats_server = EmbeddedNats(settings.home)
            stack.callback(nats_server.stop)
            url = await asyncio.to_thread(nats_server.start)
            servers.append(nats_server)
            settings = replace(settings, nats_url=url, nats_passwords=nats_server.passwords)
            log.info("embedded NATS at %s", url)
        if not settings.database_url:
            postgres = EmbeddedPostgres(settings.home)
            stack.callback(postgres.stop)
            url = await asyncio.to_thread(postgres.start)
            servers.append(postgres)
            settings = replace(settings, database_url=url)
            if not settings.identity_key:
                # Beside the embedded database's files but not in them: a copy of the data holds no key.
                settings = replace(settings, identity_key=secret(settings.home, "identity-key", new_identity_key))
            log.info("embedded PostgreSQL at %s:%s (password in %s)", postgres.host, postgres.port,
                     settings.home / "secrets")
        watcher = asyncio.create_task(supervise(servers), name="embedded-supervisor")
        yield settings
    finally:
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
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
async def web_server(app: web.Application, host: str, port: int, settings: Settings | None = None
                     ) -> AsyncIterator[int]:
    """Serve `app` behind the connection guard; yields the bound port (useful with port 0)."""
    settings = settings or Settings()
    # Screens keep event streams open; they reconnect by themselves, so do not wait long for them at shutdown.
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=3.0, keepalive_timeout=15)
    await runner.setup()
    guard = Guard(per_address=settings.max_connections_per_address, header_timeout_s=settings.header_timeout_s,
                  trusted=settings.trusted_proxies)
    assert runner.server is not None
    try:
        server = await asyncio.get_running_loop().create_server(
            guard.wrap(runner.server), host, port, backlog=1024, reuse_address=True,  # a hall of phones reconnecting
            reuse_port=settings.web_reuse_port or None)                               # `motcua up`'s web workers
    except OSError as exc:
        await runner.cleanup()
        vi, en = (("cổng đang được một chương trình khác dùng", "the port is in use by another program")
                  if exc.errno == errno.EADDRINUSE else (str(exc.strerror), str(exc.strerror)))
        raise ConfigError(f"Không mở được {host}:{port}: {vi}; chọn cổng khác bằng --port hoặc MOTCUA_PORT / "
                          f"cannot listen on {host}:{port}: {en}; choose another with --port or MOTCUA_PORT") from exc
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await runner.cleanup()


@dataclass
class Running:
    settings: Settings
    bus: Bus                          # the web front's connection
    system_bus: Bus                   # maintenance: seeding, tests (every permission)
    port: int
    demo: DemoAccess | None = None
    ticketing: Ticketing | None = None      # this process's ticketing handlers (maintenance and tests)
    web_app: web.Application | None = None
    face_problem: tuple[str, str] | None = None   # why face recognition is off (vi, en), None when it works

    @property
    def base_url(self) -> str:
        return f"http://{self.settings.host}:{self.port}"


@contextlib.asynccontextmanager
async def whole_system(settings: Settings, *, demo: bool = False, clock: Clock = utc_now,
                       with_screens: bool = True, probe_faces: bool = False,
                       payment: bool = True) -> AsyncIterator[Running]:
    """Everything in one process for one site; the parts still talk over NATS. `probe_faces` (motcua up) imports
    face_recognition in a child process at start, to tell a broken install at once, and loads the face workers.
    `payment=False` leaves the payment service out (a test then runs, stops and restarts it itself)."""
    async with contextlib.AsyncExitStack() as stack:
        settings = await stack.enter_async_context(embedded_defaults(settings))
        pool = await stack.enter_async_context(database(settings))
        service_bus = await stack.enter_async_context(bus_connection(settings, "ticketing"))
        ticketing = await stack.enter_async_context(run_ticketing(service_bus, pool, clock=clock))
        accounts_bus = await stack.enter_async_context(bus_connection(settings, "accounts"))
        await stack.enter_async_context(run_accounts(accounts_bus, pool, settings))
        identity_bus = await stack.enter_async_context(bus_connection(settings, "identity"))
        identity = await stack.enter_async_context(run_identity(identity_bus, pool, settings, probe=probe_faces,
                                                                warm_up=probe_faces))
        if payment:
            payment_bus = await stack.enter_async_context(bus_connection(settings, "payment"))
            await stack.enter_async_context(run_payment(payment_bus, pool, settings, clock=clock))
        feedback_bus = await stack.enter_async_context(bus_connection(settings, "feedback"))
        await stack.enter_async_context(run_feedback(feedback_bus, pool, clock=clock))
        stats_bus = await stack.enter_async_context(bus_connection(settings, "stats"))
        await stack.enter_async_context(run_stats(stats_bus, pool, clock=clock))
        web_bus = await stack.enter_async_context(bus_connection(settings, "web"))
        system_bus = await stack.enter_async_context(bus_connection(settings, "system"))
        access = None
        if demo:
            from services.demo import seed_demo
            if await seed_demo(system_bus):
                log.info("demo office seeded")
            access = await seed_demo_access(pool, settings.home, settings.demo_password)
        app = build_web_app(web_bus, with_screens=with_screens)
        port = await stack.enter_async_context(web_server(app, settings.host, settings.port, settings))
        yield Running(settings, web_bus, system_bus, port, access, ticketing.ticketing, app,
                      identity.faces.problem)
