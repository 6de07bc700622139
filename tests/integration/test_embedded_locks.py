"""The embedded default is locked: nats-server and PostgreSQL refuse a local process without the credentials
generated into MOTCUA_HOME (owner-only), and on NATS each service may use its own subjects only."""
from __future__ import annotations

import asyncio
import shutil
import stat
from typing import Any, AsyncIterator

import asyncpg
import nats
import nats.errors
import pytest

from services.embedded import EmbeddedNats, EmbeddedPostgres
from tests.conftest import server_home


@pytest.fixture
async def servers() -> AsyncIterator[tuple[EmbeddedNats, EmbeddedPostgres]]:
    home = server_home("locks")
    nats_server, postgres = EmbeddedNats(home), EmbeddedPostgres(home)
    try:
        await asyncio.to_thread(nats_server.start)
        await asyncio.to_thread(postgres.start)
        yield nats_server, postgres
    finally:
        await asyncio.to_thread(postgres.stop)
        await asyncio.to_thread(nats_server.stop)
        shutil.rmtree(home, ignore_errors=True)


async def test_secrets_are_owner_only(servers: tuple[EmbeddedNats, EmbeddedPostgres]) -> None:
    folder = servers[0].home / "secrets"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in [*folder.iterdir(), servers[0].store / "nats.conf"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


async def test_nats_refuses_a_connection_without_the_right_credentials(
        servers: tuple[EmbeddedNats, EmbeddedPostgres]) -> None:
    url = servers[0].url
    for credentials in ({}, {"user": "web", "password": "đoán-bừa"}, {"user": "nobody", "password": "x"}):
        with pytest.raises(nats.errors.Error, match="Authorization Violation"):
            await nats.connect(url, allow_reconnect=False, connect_timeout=2, max_reconnect_attempts=0,
                               **credentials)
    nc = await nats.connect(url, user="web", password=servers[0].passwords["web"], allow_reconnect=False)
    await nc.close()


async def test_each_service_uses_only_its_own_subjects(servers: tuple[EmbeddedNats, EmbeddedPostgres]) -> None:
    nats_server = servers[0]
    errors: list[str] = []

    async def collect(exc: Exception) -> None:
        errors.append(str(exc))

    async def connect(user: str) -> Any:
        return await nats.connect(nats_server.url, user=user, password=nats_server.passwords[user], error_cb=collect,
                                  allow_reconnect=False, inbox_prefix=f"_INBOX.{user}")

    web, accounts = await connect("web"), await connect("accounts")
    try:
        await web.subscribe("motcua.cmd.ticketing.issue_ticket")      # impersonating the ticketing service
        await web.publish("motcua.evt.demo.ticket.called", b"{}")       # forging an event
        await accounts.subscribe("_INBOX.web.>")                         # reading the web front's replies
        await accounts.publish("motcua.evt.demo.ticket.called", b"{}")
        await web.flush()
        await accounts.flush()
        await asyncio.sleep(0.3)
    finally:
        await web.close()
        await accounts.close()
    assert sum("permissions violation" in e.lower() for e in errors) == 4, errors


async def test_postgres_refuses_a_connection_without_the_password(
        servers: tuple[EmbeddedNats, EmbeddedPostgres]) -> None:
    postgres = servers[1]
    without = f"postgresql://postgres@{postgres.host}:{postgres.port}/postgres"
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(without)
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(without, password="postgres")
    conn = await asyncpg.connect(postgres.url)
    try:
        rules = await conn.fetch("SELECT auth_method FROM pg_hba_file_rules WHERE error IS NULL")
    finally:
        await conn.close()
    assert {r["auth_method"] for r in rules} == {"scram-sha-256"}


async def test_an_older_trusting_data_folder_is_locked_at_the_next_start() -> None:
    home = server_home("upgrade")
    postgres = EmbeddedPostgres(home)
    try:
        await asyncio.to_thread(postgres.start)
        await asyncio.to_thread(postgres.stop)
        hba = postgres.data / "pg_hba.conf"                                   # as an older motcua made it
        hba.write_text(hba.read_text().replace("scram-sha-256", "trust"))
        await asyncio.to_thread(postgres.start)
        with pytest.raises(asyncpg.InvalidPasswordError):
            await asyncpg.connect(f"postgresql://postgres@{postgres.host}:{postgres.port}/postgres")
        conn = await asyncpg.connect(postgres.url)
        await conn.close()
    finally:
        await asyncio.to_thread(postgres.stop)
        shutil.rmtree(home, ignore_errors=True)
