"""Benchmark: ticketing latency and throughput, as ratios against floors measured in the same run.

    .venv/bin/python -m benchmarks.ticketing [--n 2000] [--clients 16]

Uses NATS_URL / DATABASE_URL when set, else starts the embedded default in a temporary folder.
Floors: a bare NATS request/reply echo, and a bare asyncpg INSERT … RETURNING with commit.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import asyncpg

from services import messages as m
from services.config import Settings
from services.domain.access import SYSTEM
from services.system import embedded_defaults, whole_system


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def timed(n: int, call) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for i in range(n):
        start = time.perf_counter()
        await call(i)
        out.append(time.perf_counter() - start)
    return out


async def throughput(total: int, clients: int, call) -> float:  # type: ignore[no-untyped-def]
    counter = iter(range(total))

    async def worker() -> None:
        for i in counter:
            await call(i)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return total / (time.perf_counter() - start)


def line(name: str, ours: float, floor: float, unit: str, higher_is_better: bool = False) -> None:
    ratio = ours / floor if floor else float("nan")
    verdict = "× floor" if not higher_is_better else "of floor"
    print(f"  {name:<44} {ours:9.2f} {unit:<6} floor {floor:9.2f} {unit:<6} ratio {ratio:6.2f} {verdict}")


async def main(n: int, clients: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    base = Settings.from_env(os.environ, home=home, port=0, db_schema=f"bench_{uuid.uuid4().hex[:8]}",
                             subject_prefix=f"bench{uuid.uuid4().hex[:8]}")
    async with embedded_defaults(base) as infra, whole_system(infra, with_screens=False) as running:
        bus = running.system_bus
        # ---- floors
        async def respond(msg) -> None:  # type: ignore[no-untyped-def]
            await msg.respond(b"ok")

        echo = await bus.nc.subscribe("bench.echo", cb=respond)
        nats_floor = await timed(n, lambda i: bus.nc.request("bench.echo", b"x", timeout=5))
        await echo.unsubscribe()
        conn = await asyncpg.connect(infra.database_url)
        await conn.execute("CREATE TEMP TABLE floor (id bigserial primary key, v text)")
        pg_floor = await timed(n, lambda i: conn.fetchval("INSERT INTO floor (v) VALUES ($1) RETURNING id", "x"))
        await conn.close()
        pool = await asyncpg.create_pool(infra.database_url, min_size=clients, max_size=clients)
        async with pool.acquire() as c:
            await c.execute("CREATE TABLE IF NOT EXISTS bench_floor (id bigserial primary key, v text)")
        pg_rate = await throughput(n, clients,
                                   lambda i: pool.fetchval("INSERT INTO bench_floor (v) VALUES ($1) RETURNING id", "x"))
        async with pool.acquire() as c:
            await c.execute("DROP TABLE bench_floor")
        await pool.close()

        # ---- ours
        office, actor = "bench", SYSTEM.as_dict()
        await bus.request(m.ConfigureOffice(
            office=office, name="Văn phòng đo hiệu năng", actor=actor,
            settings={"opening_time": "00:00", "closing_time": "23:59"},
            services=[{"code": "HT", "name": "Hộ tịch"}, {"code": "CT", "name": "Chứng thực"}],
            counters=[{"id": str(i), "services": ["HT", "CT"]} for i in range(1, clients + 1)],
        ))
        issue = await timed(n, lambda i: bus.request(m.IssueTicket(office=office, service="HT", actor=actor)))
        current: dict[str, str] = {}

        async def call_next(counter: str) -> None:
            done = current.get(counter)
            reply = await bus.request(m.CallNext(office=office, counter=counter, complete=done, actor=actor))
            if reply["ticket"]:
                current[counter] = reply["ticket"]["id"]

        call = await timed(n, lambda i: call_next("1"))
        await bus.request(m.CreateUser(username="bench", password="mật khẩu đo hiệu năng", role="admin",
                                       actor=actor))
        reply = await bus.request(m.Login(username="bench", password="mật khẩu đo hiệu năng"))
        headers = {"Authorization": f"Bearer {reply['token']}"}
        async with aiohttp.ClientSession(running.base_url, connector=aiohttp.TCPConnector(limit=clients),
                                         headers=headers) as http:
            async def post_ticket(i: int) -> None:
                async with http.post(f"/api/offices/{office}/tickets", json={"service": "CT"}) as r:
                    assert r.status == 201
            http_rate = await throughput(n, clients, post_ticket)

            async def next_call(i: int) -> None:
                counter = str(i % clients + 1)
                body = {"complete": current[counter]} if counter in current else {}
                async with http.post(f"/api/offices/{office}/counters/{counter}/next", json=body) as r:
                    assert r.status in (200, 404, 409)
                    ticket = (await r.json()).get("ticket") if r.status == 200 else None
                    if ticket:
                        current[counter] = ticket["id"]
                    elif r.status == 200:
                        current.pop(counter, None)
            next_rate = await throughput(n, clients, next_call)

        print(f"motcua ticketing benchmark: n={n}, {clients} concurrent clients, {os.cpu_count()} cores")
        line("IssueTicket over NATS, p50", statistics.median(issue) * 1000, statistics.median(nats_floor) * 1000, "ms")
        line("IssueTicket over NATS, p99", pct(issue, 0.99), pct(nats_floor, 0.99), "ms")
        line("IssueTicket vs one asyncpg INSERT, p50", statistics.median(issue) * 1000,
             statistics.median(pg_floor) * 1000, "ms")
        line("CallNext (+complete) over NATS, p50", statistics.median(call) * 1000,
             statistics.median(nats_floor) * 1000, "ms")
        line("CallNext (+complete) over NATS, p99", pct(call, 0.99), pct(nats_floor, 0.99), "ms")
        line("HTTP POST tickets, throughput", http_rate, pg_rate, "req/s", higher_is_better=True)
        line("HTTP POST next (+complete), throughput", next_rate, pg_rate, "req/s", higher_is_better=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    asyncio.run(main(args.n, args.clients))
