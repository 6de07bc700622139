"""Benchmark: many phones and hall boards following one office while its counters call, against a real
`motcua up` (its own process, embedded NATS and PostgreSQL).

    .venv/bin/python -m benchmarks.live [--phones 10000] [--boards 200] [--rate 15] [--seconds 20]

Prints called→phone and call→board latency percentiles, calls a phone never showed, phones whose place in line
differs from the database's, and the server's memory per open stream. The floor for latencies is a bare HTTP
round trip to /healthz measured in the same run.
"""
from __future__ import annotations

import argparse
from collections import Counter
import asyncio
import json
import os
import platform
import resource
import time
from typing import Any

import aiohttp

from benchmarks.server import Server, cpu_model, pct

RELEASE_WAIT_S = 40.0    # the hub frees an office feed 30 s after its last stream (services/live/hub.py)
OFFICE = {"name": "Văn phòng đo tải", "settings": {"opening_time": "00:00", "closing_time": "23:59"},
          "services": [{"code": "HT", "name": "Hộ tịch"}, {"code": "CT", "name": "Chứng thực"}],
          "counters": [{"id": str(i), "name": f"Quầy {i}", "services": ["HT", "CT"]} for i in range(1, 4)]}


async def follow(http: aiohttp.ClientSession, path: str, headers: dict[str, str], on_event: Any,
                 ready: asyncio.Event) -> None:
    async with http.get(path, headers=headers, timeout=aiohttp.ClientTimeout(total=None, sock_read=60)) as r:
        if r.status != 200:
            on_event("refused", str(r.status))
            ready.set()
            return
        name = ""
        async for raw in r.content:
            line = raw.decode()
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                on_event(name, line[5:])
                ready.set()


async def run(phones: int, boards: int, rate: float, seconds: float) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    async with Server() as server:
        admin = await server.login("admin")
        office = "bench"
        async with aiohttp.ClientSession(server.base, headers={"Authorization": f"Bearer {admin}"}) as api:
            async with api.put(f"/api/offices/{office}", json=OFFICE) as r:
                assert r.status == 200, await r.text()
            async with api.post("/api/devices", json={"office": office, "kind": "display", "name": "bảng đo"}) as r:
                display = (await r.json())["token"]
            sem = asyncio.Semaphore(32)

            async def issue(i: int) -> dict[str, Any]:
                async with sem, api.post(f"/api/offices/{office}/tickets",
                                         json={"service": "HT" if i % 2 else "CT"}) as r:
                    return await r.json()

            tickets = await asyncio.gather(*(issue(i) for i in range(phones)))
            floor = []
            for _ in range(200):
                start = time.perf_counter()
                async with api.get("/healthz") as r:
                    await r.read()
                floor.append(time.perf_counter() - start)

        called_at: dict[str, float] = {}          # number -> when the counter's call returned
        phone_seen: dict[str, float] = {}
        board_lags: list[float] = []
        shown: dict[str, dict[str, Any]] = {}
        by_number = {t["number"]: t for t in tickets}

        refused: list[str] = []

        def on_phone(name: str, data: str) -> None:
            if name == "refused":
                refused.append(data)
            if name != "ticket":
                return
            ticket = json.loads(data)
            shown[ticket["id"]] = ticket
            if ticket["status"] == "called" and ticket["number"] not in phone_seen:
                phone_seen[ticket["number"]] = time.perf_counter()

        def on_board(name: str, data: str) -> None:
            if name == "ticket.called":
                number = json.loads(data)["ticket"]["number"]
                if number in called_at:
                    board_lags.append(time.perf_counter() - called_at[number])

        rss_before = server.rss_mib()
        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        async with aiohttp.ClientSession(server.base, connector=connector) as http:
            readies = []
            tasks = []
            for t in tickets:
                ready = asyncio.Event()
                readies.append(ready)
                tasks.append(asyncio.create_task(follow(http, f"/t/{t['id']}/events", {}, on_phone, ready)))
            for _ in range(boards):
                ready = asyncio.Event()
                readies.append(ready)
                tasks.append(asyncio.create_task(follow(http, f"/display/{office}/events",
                                                        {"Authorization": f"Bearer {display}"}, on_board, ready)))
            opened = time.perf_counter()
            await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 600)
            open_s = time.perf_counter() - opened
            await asyncio.sleep(2)
            rss_open = server.rss_mib()

            clerk = await server.login("admin")
            serving: dict[str, str] = {}
            async with aiohttp.ClientSession(server.base, headers={"Authorization": f"Bearer {clerk}"}) as desk:
                deadline = time.perf_counter() + seconds
                n = 0
                while time.perf_counter() < deadline:
                    counter = str(n % 3 + 1)
                    body = {"complete": serving[counter]} if counter in serving else {}
                    async with desk.post(f"/api/offices/{office}/counters/{counter}/next", json=body) as r:
                        ticket = (await r.json()).get("ticket")
                    if ticket is None:
                        break
                    serving[counter] = ticket["id"]
                    called_at[ticket["number"]] = time.perf_counter()
                    n += 1
                    await asyncio.sleep(max(0.0, n / rate - (time.perf_counter() - (deadline - seconds))))
            await asyncio.sleep(3)                    # late phones, and the coalesced places
            wrong = 0
            waiting = [t for t in tickets if shown.get(t["id"], {}).get("status") == "waiting"]
            async with aiohttp.ClientSession(server.base) as check:
                for t in waiting[:: max(1, len(waiting) // 400)]:
                    async with check.get(f"/api/tickets/{t['id']}") as r:
                        truth = await r.json()
                    if truth["status"] == "waiting" and truth["waiting_ahead"] != shown[t["id"]]["waiting_ahead"]:
                        wrong += 1
            checked = len(waiting[:: max(1, len(waiting) // 400)])
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        # Streams closed: the server keeps an office's feed for a grace period, then frees it.
        await asyncio.sleep(RELEASE_WAIT_S)
        rss_closed = server.rss_mib()

    phone_lags = [phone_seen[n] - at for n, at in called_at.items() if n in phone_seen]
    missed = [n for n in called_at if n not in phone_seen and n in by_number]
    streams = phones + boards
    print(f"motcua live benchmark: {phones} phones, {boards} boards, {len(called_at)} calls at {rate}/s "
          f"over {seconds:.0f} s — {platform.machine()}, {os.cpu_count()} cores, {cpu_model()}")
    print(f"  floor: HTTP GET /healthz p50 {pct(floor, 0.5):.2f} ms, p99 {pct(floor, 0.99):.2f} ms")
    for name, lags in (("call → phone shows it", phone_lags), ("call → board shows it", board_lags)):
        if lags:
            print(f"  {name:<26} p50 {pct(lags, 0.5):8.1f} ms  p99 {pct(lags, 0.99):8.1f} ms  "
                  f"max {max(lags) * 1000:8.1f} ms  ({pct(lags, 0.99) / pct(floor, 0.99):.0f}× floor p99)")
    print(f"  calls a called citizen's phone never showed: {len(missed)} of {len(called_at)}; "
          f"phone streams refused: {len(refused)} {dict(Counter(refused))}")
    print(f"  phones with a wrong place in line: {wrong} of {checked} checked against the database")
    print(f"  {streams} streams opened in {open_s:.1f} s; server memory {rss_before:.0f} → {rss_open:.0f} MiB: "
          f"{(rss_open - rss_before) * 1024 / streams:.1f} KiB per open stream")
    print(f"  {RELEASE_WAIT_S:.0f} s after they closed: {rss_closed:.0f} MiB "
          f"({rss_closed - rss_before:+.0f} MiB against before they opened, "
          f"{(rss_open - rss_closed) / max(rss_open - rss_before, 0.001):.0%} of what they took returned)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phones", type=int, default=10_000)
    parser.add_argument("--boards", type=int, default=200)
    parser.add_argument("--rate", type=float, default=15.0, help="calls per second, over three counters")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args(argv)
    asyncio.run(run(args.phones, args.boards, args.rate, args.seconds))


if __name__ == "__main__":
    main()
