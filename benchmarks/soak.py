"""Soak: one `motcua up` under 50 kiosks, 100 clerks, phones and boards for a chosen time, while faults are
injected at random (nats-server or PostgreSQL killed, nats-server stalled, motcua itself killed with -9 and
started again), and the invariants are checked:

- every answered ticket exists, once, with the number it was answered with;
- no ticket was handed to two clerks; numbers strictly increase per service and day;
- every event the database committed is on the stream exactly once;
- the boards converge to what the database says.

    .venv/bin/python -m benchmarks.soak [--minutes 10] [--kiosks 50] [--clerks 100] [--phones 200] [--boards 5]
                                        [--fault-every 40] [--faults "kill motcua,kill postgres"]

`--faults` replays a run that failed: its kinds in turn instead of at random. MOTCUA_BENCH_LOG_LEVEL=INFO keeps the
outbox relay's turns in the log (benchmarks.server).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import time
from collections import Counter
from typing import Any

import aiohttp

from benchmarks.server import PASSWORD, Server, cpu_model
from benchmarks.soak_checks import check_invariants, server_problems

SERVICES = ["HT", "CT", "DD", "TP"]
FAULTS = ["kill nats-server", "kill postgres", "stall nats-server", "kill motcua"]


class Soak:
    def __init__(self, server: Server, kiosks: int, clerks: int, phones: int, boards: int) -> None:
        self.server, self.kiosks, self.clerks, self.phones, self.boards = server, kiosks, clerks, phones, boards
        self.office = "soak"
        self.answered: dict[str, dict[str, Any]] = {}          # ticket id -> the answer the kiosk got
        self.handed: dict[str, list[str]] = {}                 # ticket id -> counters "next" handed it to
        self.statuses: Counter[str] = Counter()
        self.faults: list[tuple[float, str]] = []
        self.board_state: dict[int, dict[str, Any]] = {}
        self.stop = asyncio.Event()

    def base(self) -> str:
        return self.server.base

    async def setup(self) -> tuple[str, list[str], str]:
        admin = await self.server.login("admin")
        async with aiohttp.ClientSession(self.base(), headers={"Authorization": f"Bearer {admin}"}) as api:
            body = {"name": "Văn phòng chạy bền", "settings": {"opening_time": "00:00", "closing_time": "23:59"},
                    "services": [{"code": s, "name": f"Dịch vụ {s}"} for s in SERVICES],
                    "counters": [{"id": str(i), "services": SERVICES} for i in range(1, self.clerks + 1)]}
            async with api.put(f"/api/offices/{self.office}", json=body) as r:
                assert r.status == 200, await r.text()
            kiosk_tokens = []
            for i in range(self.kiosks):
                async with api.post("/api/devices", json={"office": self.office, "kind": "kiosk",
                                                          "name": f"kiosk {i}"}) as r:
                    kiosk_tokens.append((await r.json())["token"])
            async with api.post("/api/devices", json={"office": self.office, "kind": "display",
                                                      "name": "bảng"}) as r:
                display = (await r.json())["token"]
            async with api.post("/api/users", json={"username": "soakclerk", "password": PASSWORD, "role": "clerk",
                                                     "office": self.office}) as r:
                assert r.status == 201, await r.text()
        return display, kiosk_tokens, await self.server.login("soakclerk")

    # ------------------------------------------------------------ load

    async def kiosk(self, http: aiohttp.ClientSession, token: str, n: int) -> None:
        press = 0
        while not self.stop.is_set():
            press += 1
            key, body = f"soak-{n}-{press}", {"service": random.choice(SERVICES)}
            give_up = time.monotonic() + 60
            while not self.stop.is_set() and time.monotonic() < give_up:     # one press, one key, retried
                try:
                    async with http.post(f"/api/offices/{self.office}/tickets", json=body,
                                         headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                                         timeout=aiohttp.ClientTimeout(total=10)) as r:
                        self.statuses[f"issue {r.status}"] += 1
                        if r.status == 201:
                            ticket = await r.json()
                            self.answered[ticket["id"]] = ticket
                            break
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    self.statuses["issue error"] += 1
                await asyncio.sleep(1)
            await asyncio.sleep(random.uniform(1.0, 3.0))

    async def clerk(self, http: aiohttp.ClientSession, token: str, counter: str) -> None:
        serving: str | None = None
        headers = {"Authorization": f"Bearer {token}"}
        while not self.stop.is_set():
            body = {"complete": serving} if serving else {}
            try:
                async with http.post(f"/api/offices/{self.office}/counters/{counter}/next", json=body,
                                     headers=headers, timeout=aiohttp.ClientTimeout(total=10)) as r:
                    self.statuses[f"next {r.status}"] += 1
                    answer = await r.json() if r.content_type == "application/json" else {}
                if r.status == 200:
                    ticket = answer.get("ticket")
                    serving = ticket["id"] if ticket else None
                    if ticket:
                        self.handed.setdefault(ticket["id"], []).append(counter)
                    await asyncio.sleep(random.uniform(0.5, 3.0) if ticket else 2.0)
                    continue
                if r.status == 404:
                    await asyncio.sleep(2.0)
                    continue
                serving = await self.resync(http, headers, counter)    # 409, 5xx: ask what this counter holds
            except (aiohttp.ClientError, asyncio.TimeoutError):
                self.statuses["next error"] += 1
            await asyncio.sleep(1.0)

    async def resync(self, http: aiohttp.ClientSession, headers: dict[str, str], counter: str) -> str | None:
        try:
            async with http.get(f"/api/offices/{self.office}/queue", headers=headers,
                                timeout=aiohttp.ClientTimeout(total=10)) as r:
                if r.status != 200:
                    return None
                queue = await r.json()
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return None
        mine = next((c for c in queue["counters"] if c["id"] == counter), None)
        return (mine or {}).get("current", {}) and mine["current"]["id"]

    async def board(self, http: aiohttp.ClientSession, token: str, n: int) -> None:
        """A hall board, read until the end of the run (after the load stops it still has to converge)."""
        while True:
            try:
                async with http.get(f"/display/{self.office}/events", headers={"Authorization": f"Bearer {token}"},
                                    timeout=aiohttp.ClientTimeout(total=None, sock_read=20)) as r:
                    name = ""
                    async for raw in r.content:
                        line = raw.decode()
                        if line.startswith("event:"):
                            name = line[6:].strip()
                        elif line.startswith("data:"):
                            self._board(n, name, json.loads(line[5:]))
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                pass
            await asyncio.sleep(1)

    def _board(self, n: int, name: str, data: dict[str, Any]) -> None:
        if name == "snapshot":
            self.board_state[n] = {c["id"]: (c["current"] or {}).get("number") for c in data["counters"]}
            return
        ticket, state = data.get("ticket"), self.board_state.setdefault(n, {})
        if not ticket:
            return
        for counter, number in list(state.items()):
            if number == ticket["number"]:
                state[counter] = None
        if ticket["status"] in ("called", "serving") and ticket.get("counter"):
            state[ticket["counter"]] = ticket["number"]

    async def phone(self, http: aiohttp.ClientSession) -> None:
        while not self.stop.is_set():
            waiting = [t for t in self.answered.values()]
            if not waiting:
                await asyncio.sleep(1)
                continue
            ticket = random.choice(waiting[-500:])
            try:
                async with http.get(f"/t/{ticket['id']}/events",
                                    timeout=aiohttp.ClientTimeout(total=random.uniform(5, 30))) as r:
                    async for _ in r.content:
                        if self.stop.is_set():
                            return
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass

    # ------------------------------------------------------------ faults

    async def faults_forever(self, every: tuple[float, float], sequence: list[str] | None = None) -> None:
        """A fault every `every` seconds (drawn at random between the two): of a random kind, or the kinds of
        `sequence` in turn (to replay a run that failed)."""
        turn = 0
        while not self.stop.is_set():
            await asyncio.sleep(random.uniform(*every))
            if self.stop.is_set():
                return
            kind = sequence[turn % len(sequence)] if sequence else random.choice(FAULTS)
            turn += 1
            self.faults.append((time.monotonic(), kind))
            children = self.server.children()
            if kind == "kill nats-server" and "nats-server" in children:
                os.kill(children["nats-server"], signal.SIGKILL)
            elif kind == "kill postgres" and "postgres" in children:
                os.kill(children["postgres"], signal.SIGKILL)
            elif kind == "stall nats-server" and "nats-server" in children:
                os.kill(children["nats-server"], signal.SIGSTOP)
                try:
                    await asyncio.sleep(random.uniform(3, 10))
                finally:                            # also when the run ends during the stall
                    os.kill(children["nats-server"], signal.SIGCONT)
            elif kind == "kill motcua":
                await self.server.crash_and_restart()


async def run(minutes: float, kiosks: int, clerks: int, phones: int, boards: int, fault_every: float,
              faults_in_turn: list[str] | None = None) -> None:
    async with Server() as server:
        soak = Soak(server, kiosks, clerks, phones, boards)
        display, kiosk_tokens, clerk_token = await soak.setup()
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(server.base, connector=connector) as http:
            tasks = [asyncio.create_task(soak.kiosk(http, t, i)) for i, t in enumerate(kiosk_tokens)]
            tasks += [asyncio.create_task(soak.clerk(http, clerk_token, str(c))) for c in range(1, clerks + 1)]
            tasks += [asyncio.create_task(soak.board(http, display, b), name="board") for b in range(boards)]
            tasks += [asyncio.create_task(soak.phone(http)) for _ in range(phones)]
            faults = asyncio.create_task(soak.faults_forever((fault_every * 0.5, fault_every * 1.5), faults_in_turn))
            started = time.monotonic()
            await asyncio.sleep(min(60.0, minutes * 30))
            rss_warm = server.rss_mib()             # after the first minute's load, before most faults
            await asyncio.sleep(max(0.0, minutes * 60 - (time.monotonic() - started)))
            soak.stop.set()
            faults.cancel()
            await asyncio.gather(faults, return_exceptions=True)
            load = [t for t in tasks if t.get_name() != "board"]
            await asyncio.wait(load, timeout=15)   # answers in flight come back
            elapsed = time.monotonic() - started
            report = await check_invariants(server, soak, soak.board_state)   # drains the outbox first
            rss_end = server.rss_mib()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        problems = server_problems(server)
    print(f"motcua soak: {elapsed / 60:.1f} min, {kiosks} kiosks, {clerks} clerks, {phones} phones, {boards} boards "
          f"— {os.cpu_count()} cores, {cpu_model()}")
    print(f"  tickets answered {len(soak.answered)}, calls {sum(len(v) for v in soak.handed.values())}, "
          f"faults injected {len(soak.faults)}: {dict(Counter(k for _, k in soak.faults))}")
    print(f"  answers: {dict(sorted(soak.statuses.items()))}")
    for line in report:
        print(f"  {line}")
    print(f"  motcua's memory: {rss_warm:.0f} MiB after the first minute, {rss_end:.0f} MiB at the end "
          f"(a 'kill motcua' fault restarts it from scratch)")
    print(f"  server log: {problems}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--kiosks", type=int, default=50)
    parser.add_argument("--clerks", type=int, default=100)
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--boards", type=int, default=5)
    parser.add_argument("--fault-every", type=float, default=40, help="seconds between faults, on average")
    parser.add_argument("--faults", help=f"these faults in turn, comma-separated, instead of at random: {FAULTS}")
    args = parser.parse_args(argv)
    sequence = [kind.strip() for kind in args.faults.split(",")] if args.faults else None
    if sequence and not set(sequence) <= set(FAULTS):
        parser.error(f"--faults: unknown kinds {sorted(set(sequence) - set(FAULTS))}; known: {FAULTS}")
    asyncio.run(run(args.minutes, args.kiosks, args.clerks, args.phones, args.boards, args.fault_every, sequence))


if __name__ == "__main__":
    main()
