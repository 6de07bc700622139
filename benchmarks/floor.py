"""The floor pipeline: a bare aiohttp handler → NATS request/reply → a responder doing one asyncpg INSERT, in two
processes like motcua's web front and ticketing service, on the same NATS and PostgreSQL. `POST /next` does the same
for "complete & next": the responder runs the bare one-transaction call of benchmarks.calls on its `floor_tickets`.

    python -m benchmarks.floor web  PORT          (NATS_URL, NATS_USER, NATS_PASSWORD in the environment)
    python -m benchmarks.floor db                 (and DATABASE_URL)

Nothing of motcua is imported here: it is what the hot path would cost with no rules, rights, outbox or events.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

import asyncpg
import nats
from aiohttp import web

SUBJECT = "floor.issue"
NEXT_SUBJECT = "floor.next"

# What "complete & next" does, bare: one transaction that completes the counter's ticket and takes the oldest
# waiting one with SKIP LOCKED ($1 counter, $2 office), on a table with the same indexes and depth (benchmarks.calls).
FLOOR_DONE = "UPDATE floor_tickets SET status = 'done' WHERE office_id = $2 AND counter_id = $1 AND status = 'called'"
FLOOR_SQL = ("UPDATE floor_tickets SET status = 'called', counter_id = $1 WHERE id = (SELECT id FROM floor_tickets"
             " WHERE office_id = $2 AND status = 'waiting' ORDER BY queued_at, seq LIMIT 1 FOR UPDATE SKIP LOCKED)"
             " RETURNING id")


async def _connect() -> nats.NATS:
    return await nats.connect(os.environ["NATS_URL"], user=os.environ.get("NATS_USER"),
                              password=os.environ.get("NATS_PASSWORD"))


async def _until_stopped() -> None:
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()


async def serve_web(port: int) -> None:
    nc = await _connect()

    async def issue(request: web.Request) -> web.Response:
        body = await request.read()
        reply = await nc.request(SUBJECT, body, timeout=5)
        return web.Response(body=reply.data, status=201, content_type="application/json")

    async def call_next(request: web.Request) -> web.Response:
        body = await request.read()
        reply = await nc.request(NEXT_SUBJECT, body, timeout=5)
        return web.Response(body=reply.data, status=200, content_type="application/json")

    app = web.Application()
    app.router.add_post("/issue", issue)
    app.router.add_post("/next", call_next)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=1024).start()
    print("floor web ready", flush=True)
    await _until_stopped()
    await runner.cleanup()
    await nc.close()


async def serve_db() -> None:
    nc = await _connect()
    # FLOOR_SEARCH_PATH: the schema where benchmarks.calls makes its floor_tickets (motcua's own)
    pool = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=4, max_size=16, server_settings={
        "search_path": os.environ.get("FLOOR_SEARCH_PATH", "public")})
    await pool.execute("CREATE TABLE IF NOT EXISTS floor_issue (id bigserial PRIMARY KEY, body jsonb NOT NULL)")

    async def handle(msg) -> None:  # type: ignore[no-untyped-def]
        row_id = await pool.fetchval("INSERT INTO floor_issue (body) VALUES ($1::jsonb) RETURNING id",
                                     msg.data.decode())
        await msg.respond(json.dumps({"id": row_id}).encode())

    async def handle_next(msg) -> None:  # type: ignore[no-untyped-def]
        asked = json.loads(msg.data)
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(FLOOR_DONE, asked["counter"], asked["office"])
            row_id = await conn.fetchval(FLOOR_SQL, asked["counter"], asked["office"])
        await msg.respond(json.dumps({"id": str(row_id)}).encode())

    def spawn(handler):  # type: ignore[no-untyped-def]
        async def on_message(msg) -> None:  # type: ignore[no-untyped-def]
            asyncio.get_running_loop().create_task(handler(msg))
        return on_message

    await nc.subscribe(SUBJECT, queue="floor", cb=spawn(handle))
    await nc.subscribe(NEXT_SUBJECT, queue="floor", cb=spawn(handle_next))
    # "Ready" once the server routes requests here (see services.bus.until_server_has_all_sent: nats-py's flush()
    # sends its PING ahead of the SUB still in its buffer).
    await nc._flush_pending(force_flush=True)
    await nc.flush()
    print("floor db ready", flush=True)
    await _until_stopped()
    await pool.execute("DROP TABLE IF EXISTS floor_issue")
    await pool.close()
    await nc.close()


if __name__ == "__main__":
    if sys.argv[1] == "web":
        asyncio.run(serve_web(int(sys.argv[2])))
    else:
        asyncio.run(serve_db())
