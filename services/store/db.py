"""Connection pool and numbered SQL migrations."""
from __future__ import annotations

import asyncio
import json
import logging
from importlib import resources
from typing import Any, Awaitable, Callable

import asyncpg

from services.messages import ServiceError

log = logging.getLogger(__name__)

MIGRATIONS_LOCK = 727_001  # pg_advisory_xact_lock key: one migrator at a time

# The database cannot be reached (as opposed to a query it refused). InternalClientError: a connection broken
# mid-query can fail its reset on the way back to the pool ("cannot switch to state …"); the pool drops it.
DATABASE_DOWN = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError, asyncpg.CannotConnectNowError,
                 asyncpg.AdminShutdownError, asyncpg.InternalClientError)


def database_unavailable() -> ServiceError:
    return ServiceError(
        "unavailable", "Cơ sở dữ liệu tạm thời không truy cập được; vui lòng thử lại sau giây lát",
        "The database is unreachable for the moment; please try again shortly", {"part": "database"},
    )


class RoutedCommands:
    """A service's command handlers, by command type (`_routes`, set by the service); `execute` (what
    Bus.serve_commands calls) runs one, and a database that cannot be reached answers "unavailable" (503)."""

    _routes: dict[type, Callable[[Any], Awaitable[Any]]]

    async def execute(self, command: Any) -> Any:
        try:
            return await self._routes[type(command)](command)
        except DATABASE_DOWN as exc:
            log.warning("%s: database unavailable: %s", type(self).__name__, exc)
            raise database_unavailable() from exc


async def _init_connection(conn: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(
            kind, encoder=lambda v: json.dumps(v, ensure_ascii=False), decoder=json.loads, schema="pg_catalog"
        )


async def create_pool(dsn: str, schema: str, *, min_size: int = 2, max_size: int = 10,
                      connect_timeout_s: float = 30.0) -> asyncpg.Pool:
    """A pool whose connections use `schema`; waits for a starting server for a while."""
    await ensure_schema(dsn, schema, connect_timeout_s)
    return await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection, reset=light_reset,
        # No JIT: every query here is short; compiling one (up to a second) costs more than it ever saves.
        server_settings={"search_path": schema, "application_name": "motcua", "timezone": "UTC", "jit": "off"},
    )


async def light_reset(conn: asyncpg.Connection) -> None:
    """On release to the pool: end a transaction left open, and nothing more. asyncpg's default also runs
    `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` on every release, one more round trip for each
    command; here only the outbox relay holds session state (a lock and a listener) and it drops them itself."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


async def connect_with_retry(dsn: str, timeout_s: float, **kwargs: object) -> asyncpg.Connection:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        try:
            return await asyncpg.connect(dsn, **kwargs)
        except (OSError, asyncpg.CannotConnectNowError, asyncpg.TooManyConnectionsError) as exc:
            if asyncio.get_running_loop().time() > deadline:
                raise ConnectionError(
                    f"Không kết nối được PostgreSQL ({exc}); kiểm tra DATABASE_URL / "
                    f"cannot reach PostgreSQL ({exc}); check DATABASE_URL"
                ) from exc
            await asyncio.sleep(0.2)


async def ensure_schema(dsn: str, schema: str, timeout_s: float = 30.0) -> None:
    conn = await connect_with_retry(dsn, timeout_s)
    try:
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    except asyncpg.UniqueViolationError:
        pass  # another process created it at the same moment
    finally:
        await conn.close()


def _migration_files() -> list[tuple[int, str, str]]:
    folder = resources.files("services.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


async def migrate(pool: asyncpg.Pool) -> list[str]:
    """Apply pending migrations in order, all in one transaction under a lock; return their names."""
    applied: list[str] = []
    async with pool.acquire() as conn:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATIONS_LOCK)
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            for version, name, sql in _migration_files():
                if version in done:
                    continue
                await conn.execute(sql)
                await conn.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", version, name)
                log.info("applied migration %s", name)
                applied.append(name)
    return applied


async def health(pool: asyncpg.Pool) -> dict[str, bool]:
    """A service's own answer to `health`: it runs, and its database answers."""
    async with pool.acquire() as conn:
        await conn.fetchval("SELECT 1")
    return {"database": True}
