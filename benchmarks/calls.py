"""Benchmark: clerks pressing "complete & next" at queue depths from 100 to 30,000 waiting tickets, against a
real `motcua up` (its own process), each against a bare one-transaction `FOR UPDATE SKIP LOCKED` call on a
table of the same depth in the same PostgreSQL, measured in the same run.

    .venv/bin/python -m benchmarks.calls [--depths 100,30000] [--calls 600] [--clients 8]

The waiting tickets are written straight into the database (COPY), which is what "next" reads.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import time
import uuid
from datetime import datetime, timedelta, timezone

import aiohttp
import asyncpg

from benchmarks.floor import FLOOR_DONE, FLOOR_SQL
from benchmarks.server import Floor, Server, cpu_model


async def fill(conn: asyncpg.Connection, table: str, office: str, depth: int) -> None:
    now = datetime.now(timezone.utc) - timedelta(hours=1)
    today = (now + timedelta(hours=7)).date()
    rows = [(uuid.uuid4(), office, "HT", "HT", today, 100_000 + i, f"X{i}", None, "waiting",
             now + timedelta(milliseconds=i), now + timedelta(milliseconds=i)) for i in range(depth)]
    await conn.copy_records_to_table(table, records=rows, columns=[
        "id", "office_id", "service_code", "origin_service", "local_day", "seq", "number", "priority", "status",
        "issued_at", "queued_at"])
    await conn.execute(f"ANALYZE {table}")


async def rate(total: int, clients: int, call) -> float:  # type: ignore[no-untyped-def]
    done = 0

    async def worker(w: int) -> None:
        nonlocal done
        while done < total:
            done += 1
            await call(w)

    start = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(clients)))
    return total / (time.perf_counter() - start)


async def next_rows(server: Server, http: aiohttp.ClientSession, depths: list[int], calls: int,
                    clients: int, floor: Floor) -> list[str]:
    """Per depth: motcua against the bare transaction (the goal's floor), and, for information, against that same
    transaction behind the floor's HTTP handler and NATS request/reply (what the transport alone costs)."""
    state = server.state()
    db = await asyncpg.connect(state["database_url"], server_settings={"search_path": "motcua"})
    pool = await asyncpg.create_pool(state["database_url"], min_size=clients, max_size=clients,
                                     server_settings={"search_path": "motcua"})
    rows = []
    try:
        for depth in depths:
            office = f"depth{depth}"
            spec = {"name": f"Hàng chờ {depth}", "settings": {"opening_time": "00:00", "closing_time": "23:59"},
                    "services": [{"code": "HT", "name": "Hộ tịch"}],
                    "counters": [{"id": str(i), "services": ["HT"]} for i in range(1, clients + 1)]}
            async with http.put(f"/api/offices/{office}", json=spec) as r:
                assert r.status == 200, await r.text()
            await fill(db, "tickets", office, depth + 2 * calls)
            await db.execute("DROP TABLE IF EXISTS floor_tickets")
            await db.execute("CREATE TABLE floor_tickets (LIKE tickets INCLUDING ALL)")
            await fill(db, "floor_tickets", office, depth + 3 * calls)   # the bare call and the carried one
            serving: dict[int, str] = {}

            async def press(w: int) -> None:
                payload = {"complete": serving[w]} if w in serving else {}
                async with http.post(f"/api/offices/{office}/counters/{w + 1}/next", json=payload) as r:
                    assert r.status == 200, await r.text()
                    serving[w] = (await r.json())["ticket"]["id"]

            async def bare(w: int) -> None:
                async with pool.acquire() as conn, conn.transaction():
                    await conn.execute(FLOOR_DONE, str(w), office)
                    await conn.fetchval(FLOOR_SQL, str(w), office)

            async def carried(w: int) -> None:
                async with transport.post("/next", json={"office": office, "counter": str(w)}) as r:
                    assert r.status == 200
                    await r.read()

            async with aiohttp.ClientSession(floor.base, connector=aiohttp.TCPConnector(limit=clients)) as transport:
                for warm in (bare, carried, press):                # connections, caches, plans
                    await rate(min(100, calls), clients, warm)
                floor_rate = await rate(calls, clients, bare)
                ours = await rate(calls, clients, press)
                carried_rate = await rate(calls, clients, carried)
            rows.append(row(f"complete & next, {clients} clerks, {depth:,} waiting", ours, floor_rate, "/s",
                            "≥ 0.5×"))
            rows.append(row(f"  the same, against that transaction behind HTTP and NATS ({depth:,} waiting)", ours,
                            carried_rate, "/s", "(information)"))
            await db.execute("DROP TABLE floor_tickets")
    finally:
        await pool.close()
        await db.close()
    return rows


def row(name: str, ours: float, floor: float, unit: str, goal: str) -> str:
    return f"| {name} | {ours:,.2f} {unit} | {floor:,.2f} {unit} | {ours / floor:.2f} | {goal} |"


async def run(depths: list[int], calls: int, clients: int) -> None:
    async with Server() as server:
        admin = await server.login("admin")
        print(f"motcua next benchmark: {calls} calls by {clients} clerks at each depth — {platform.machine()}, "
              f"{os.cpu_count()} cores, {cpu_model()}")
        async with aiohttp.ClientSession(server.base, headers={"Authorization": f"Bearer {admin}"},
                                         connector=aiohttp.TCPConnector(limit=clients)) as http, Floor(server) as floor:
            for line in await next_rows(server, http, depths, calls, clients, floor):
                print(line)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--depths", default="100,30000")
    parser.add_argument("--calls", type=int, default=600)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args(argv)
    asyncio.run(run([int(d) for d in args.depths.split(",")], args.calls, args.clients))


if __name__ == "__main__":
    main()
