"""Benchmark: the hot paths of a real `motcua up` against their floors, measured in the same run.

    .venv/bin/python -m benchmarks.hotpath [--n 1500] [--clients 8] [--depths 100,30000] [--calls 600]

- Issuing a ticket over HTTP: latency p50/p99 (one client) and sustained rate (`--clients` at once), against the
  floor pipeline of benchmarks/floor.py (a bare aiohttp handler → NATS request/reply → one asyncpg INSERT, in two
  processes, on the same NATS and PostgreSQL).
- "Complete & next" by `--clients` clerks at each queue depth (benchmarks/calls.py), against a bare one-transaction
  FOR UPDATE SKIP LOCKED call on a table of the same depth.
- Memory: motcua's processes per 1,000 waiting tickets and per open screen stream.

Prints one table with the ratios and the machine it ran on. `--smoke` runs each part for a few seconds (the test
suite does, so the benchmark never rots).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import time
from datetime import date
from typing import Awaitable, Callable

import aiohttp

from benchmarks.calls import next_rows, rate, row
from benchmarks.server import Floor, Server, cpu_model, pct

Call = Callable[[int], Awaitable[None]]


async def latencies(n: int, call: Call) -> list[float]:
    out = []
    for i in range(n):
        start = time.perf_counter()
        await call(i)
        out.append(time.perf_counter() - start)
    return out


async def issue_rows(server: Server, http: aiohttp.ClientSession, n: int, clients: int, floor: Floor) -> list[str]:
    body = {"service": "HT"}

    async def ours(i: int) -> None:
        async with http.post("/api/offices/bench/tickets", json=body) as r:
            assert r.status == 201, await r.text()
            await r.read()

    async with aiohttp.ClientSession(floor.base, connector=aiohttp.TCPConnector(limit=clients)) as bare:
        async def base(i: int) -> None:
            async with bare.post("/issue", json={"office": "bench", "service": "HT", "i": i}) as r:
                assert r.status == 201
                await r.read()

        for warm in (base, ours):                 # connections, caches, JIT-free plans
            await latencies(50, warm)
        floor_lat, our_lat = await latencies(n, base), await latencies(n, ours)
        floor_rate = await rate(n, clients, lambda w: base(w))
        await asyncio.sleep(1)                    # the projections catch up with what came before
        before = server.cpu_seconds()
        our_rate = await rate(n, clients, ours)
        await asyncio.sleep(1)                    # and with these n tickets: their share counts too
        after = server.cpu_seconds()
    spent = sorted(((after[k] - before.get(k, 0.0)) * 1000 / n, k) for k in after)
    print(f"CPU per 1,000 tickets issued ({clients} clients): "
          + ", ".join(f"{name} {s:.2f} s" for s, name in reversed(spent)) + f"; total {sum(s for s, _ in spent):.2f} s",
          flush=True)
    return [row("issue a ticket, p50 (1 client)", statistics.median(our_lat) * 1000,
                statistics.median(floor_lat) * 1000, "ms", "≤ 1.5×"),
            row("issue a ticket, p99 (1 client)", pct(our_lat, 0.99), pct(floor_lat, 0.99), "ms", "≤ 2×"),
            row(f"issue a ticket, rate ({clients} clients)", our_rate, floor_rate, "/s", "≥ 0.5×")]


async def memory_rows(server: Server, http: aiohttp.ClientSession, streams: int) -> list[str]:
    """motcua's resident memory per 1,000 more waiting tickets (issued through the API) and per open stream."""
    spec = {"name": "Bộ nhớ", "settings": {"opening_time": "00:00", "closing_time": "23:59"},
            "services": [{"code": "HT", "name": "Hộ tịch"}], "counters": [{"id": "1", "services": ["HT"]}]}
    async with http.put("/api/offices/memory", json=spec) as r:
        assert r.status == 200
    before = server.rss_mib()

    async def issue(i: int) -> None:
        async with http.post("/api/offices/memory/tickets", json={"service": "HT"}) as r:
            assert r.status == 201
    await rate(1000, 8, issue)
    async with http.get("/api/offices/memory/queue") as r:
        assert r.status == 200
    per_thousand = server.rss_mib() - before
    before = server.rss_mib()
    async with aiohttp.ClientSession(server.base, connector=aiohttp.TCPConnector(limit=0)) as phones:
        opened = []
        for _ in range(streams):
            response = await phones.get("/display/memory/events", headers=dict(http.headers))
            assert response.status == 200
            await response.content.readline()
            opened.append(response)
        await asyncio.sleep(1)
        per_stream = (server.rss_mib() - before) * 1024 / streams
        for response in opened:
            response.close()
    return [f"| memory per 1,000 waiting tickets | {per_thousand:,.1f} MiB | | | printed |",
            f"| memory per open screen stream ({streams} open) | {per_stream:,.1f} KiB | | | printed |"]


async def run(n: int, clients: int, depths: list[int], calls: int, streams: int) -> None:
    async with Server() as server:
        admin = await server.login("admin")
        async with aiohttp.ClientSession(server.base, headers={"Authorization": f"Bearer {admin}"},
                                         connector=aiohttp.TCPConnector(limit=max(clients, 8))) as http:
            spec = {"name": "Đo hiệu năng", "settings": {"opening_time": "00:00", "closing_time": "23:59"},
                    "services": [{"code": "HT", "name": "Hộ tịch"}],
                    "counters": [{"id": "1", "services": ["HT"]}]}
            async with http.put("/api/offices/bench", json=spec) as r:
                assert r.status == 200, await r.text()
            async with Floor(server) as floor:
                rows = await issue_rows(server, http, n, clients, floor)
                rows += await next_rows(server, http, depths, calls, clients, floor)
            rows += await memory_rows(server, http, streams)
            workers = json.loads((server.home / "run" / "state.json").read_text()).get("children", {})
    print(f"motcua hot paths, {date.today().isoformat()}: {platform.machine()}, {os.cpu_count()} cores, {cpu_model()}, "
          f"Python {platform.python_version()}; motcua up processes: {', '.join(workers) or 'one'}")
    print("| path | motcua | floor | ratio | goal |")
    print("|---|---|---|---|---|")
    for line in rows:
        print(line)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1500)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--depths", default="100,30000")
    parser.add_argument("--calls", type=int, default=600)
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--smoke", action="store_true", help="a few seconds of each part (the test suite)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.n, args.depths, args.calls, args.streams = 60, "100", 40, 20
    asyncio.run(run(args.n, args.clients, [int(d) for d in args.depths.split(",")], args.calls, args.streams))


if __name__ == "__main__":
    main()
