"""Coming back by itself: `motcua up` killed with -9, embedded servers killed under it, leftovers of an earlier
crash, a second motcua on the same home, and a power cut of everything at once. Real processes, bounded in time.
(Not run against the machine's NATS/PostgreSQL: these are about the embedded default.)"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import server_home
from tests.integration.test_motcua_up import PASSWORD, free_port, http
from tests.integration.test_motcua_up import wait_healthy as wait_healthy_piped

pytestmark = pytest.mark.timeout(300)


def start(home: Path, port: int) -> subprocess.Popen[str]:
    """`motcua up --demo`, its output in a file beside the home (a pipe nobody reads would fill and block it)."""
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL")}
    env.update(MOTCUA_HOME=str(home), PYTHONUNBUFFERED="1", MOTCUA_DEMO_PASSWORD=PASSWORD)
    with (home.parent / "up.log").open("a") as log:
        process = subprocess.Popen([sys.executable, "-m", "services.cli", "up", "--demo", "--port", str(port)],
                                   env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    _logs[process.pid] = home.parent / "up.log"
    return process


_logs: dict[int, Path] = {}     # where each started motcua writes (to show it when one exits early)


def output(home: Path) -> str:
    return (home.parent / "up.log").read_text()


def wait_healthy(process: subprocess.Popen[str], base: str) -> None:
    wait_healthy_piped(process, base, _logs[process.pid])


def children(pid: int) -> dict[str, int]:
    out = subprocess.run(["ps", "-o", "pid=,comm=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    found = {}
    for row in out.splitlines():
        child, _, name = row.strip().partition(" ")
        if name.strip() in ("nats-server", "postgres"):
            found[name.strip()] = int(child)
    return found


def gone(pid: int, within_s: float = 15) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return True
        if "zombie" in status.lower():
            return True
        time.sleep(0.1)
    return False


def session(base: str) -> dict[str, str]:
    status, body = http("POST", f"{base}/api/auth/login", {"username": "admin", "password": PASSWORD})
    assert status == 200, body
    return body


def issue(base: str, token: str) -> dict:
    status, ticket = http("POST", f"{base}/api/offices/demo/tickets", {"service": "HT"}, token)
    assert status == 201, ticket
    return ticket


def test_kill_9_of_motcua_up_leaves_no_orphan_and_the_next_start_recovers() -> None:
    home, port = server_home("kill9") / "home", free_port()
    base = f"http://127.0.0.1:{port}"
    process = start(home, port)
    wait_healthy(process, base)
    token = session(base)["token"]
    first = issue(base, token)
    servers = children(process.pid)
    assert set(servers) == {"nats-server", "postgres"}
    process.kill()                                     # a crash, the OOM killer, a power supply that trips
    process.wait()
    assert all(gone(pid) for pid in servers.values()), "an embedded server outlived motcua"

    process = start(home, port)                        # what a supervisor or the next boot does
    try:
        wait_healthy(process, base)
        token = session(base)["token"]
        assert issue(base, token)["number"] == f"HT-{int(first['number'][3:]) + 1:03d}"   # numbering continues
    finally:
        process.terminate()
        process.wait(60)


def test_a_leftover_server_of_this_home_is_stopped_then_started_once() -> None:
    """What an earlier motcua left running (here: started by hand on its stores, as if its parent-death signal had
    not come) is stopped before the new start; never two servers on one store."""
    home, port = server_home("leftover") / "home", free_port()
    base = f"http://127.0.0.1:{port}"
    process = start(home, port)
    wait_healthy(process, base)
    process.terminate()
    process.wait(60)

    from services.embedded import EmbeddedPostgres, nats_server_binary
    orphans = [subprocess.Popen([nats_server_binary(), "-c", str(home / "nats" / "nats.conf")],
                                start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    pg = EmbeddedPostgres(home)
    pg._prepare_user()
    orphans.append(subprocess.Popen([pg._bin("postgres"), "-D", str(pg.data), "-h", "127.0.0.1", "-p",
                                     str(free_port()), "-k", ""], start_new_session=True, **pg._as_user(),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    time.sleep(2)
    assert all(o.poll() is None for o in orphans)

    process = start(home, port)
    try:
        wait_healthy(process, base)
        for orphan in orphans:
            orphan.wait(30)                             # stopped by the new start
        servers = children(process.pid)
        nats = subprocess.run(["pgrep", "-f", str(home / "nats" / "nats.conf")], capture_output=True, text=True)
        assert nats.stdout.split() == [str(servers["nats-server"])]     # one nats-server on this store
        assert issue(base, session(base)["token"])["number"] == "HT-001"
    finally:
        process.terminate()
        process.wait(60)


def test_a_second_motcua_on_the_same_home_is_refused_and_the_first_goes_on() -> None:
    home, port = server_home("twice") / "home", free_port()
    base = f"http://127.0.0.1:{port}"
    process = start(home, port)
    try:
        wait_healthy(process, base)
        second = start(home, free_port())
        second.wait(60)
        assert second.returncode == 2 and "đang chạy" in output(home) and f"pid {process.pid}" in output(home)
        assert http("GET", f"{base}/healthz")[0] == 200
    finally:
        process.terminate()
        process.wait(60)


def test_embedded_servers_that_die_are_restarted_and_requests_fail_fast_meanwhile() -> None:
    home, port = server_home("restart") / "home", free_port()
    base = f"http://127.0.0.1:{port}"
    process = start(home, port)
    try:
        wait_healthy(process, base)
        token = session(base)["token"]
        issue(base, token)
        for name in ("nats-server", "postgres"):
            pid = children(process.pid)[name]
            os.kill(pid, signal.SIGKILL)
            assert gone(pid, 5)
            started = time.monotonic()
            status, body = http("POST", f"{base}/api/offices/demo/tickets", {"service": "HT"}, token)
            assert status == 503 and time.monotonic() - started < 2.5, (name, status, body)   # at once, not a 5 s wait
            deadline = time.monotonic() + 60
            while http("GET", f"{base}/healthz")[0] != 200:
                assert time.monotonic() < deadline, f"{name} was not restarted"
                time.sleep(0.3)
            assert children(process.pid)[name] != pid
            issue(base, token)
    finally:
        process.terminate()
        process.wait(60)
    log = output(home)
    assert "nats-server stopped unexpectedly" in log and "PostgreSQL stopped unexpectedly" in log
    assert log.count("restarted") >= 2


def test_a_power_cut_loses_nothing_and_repeats_nothing() -> None:
    """Every process of motcua killed at the same moment; then started again."""
    home, port = server_home("powercut") / "home", free_port()
    base = f"http://127.0.0.1:{port}"
    process = start(home, port)
    wait_healthy(process, base)
    token = session(base)["token"]
    tickets = [issue(base, token) for _ in range(8)]
    for _ in range(3):
        status, _ = http("POST", f"{base}/api/offices/demo/counters/1/next", {}, token)
        http("POST", f"{base}/api/offices/demo/counters/1/pause", {}, token)
        http("POST", f"{base}/api/offices/demo/counters/1/resume", {}, token)
    queue_before = http("GET", f"{base}/api/offices/demo/queue", token=token)[1]
    everyone = [process.pid, *children(process.pid).values()]
    for pid in everyone:
        os.kill(pid, signal.SIGKILL)
    process.wait()
    for pid in everyone:
        gone(pid)

    process = start(home, port)
    try:
        wait_healthy(process, base)
        token = session(base)["token"]
        queue_after = http("GET", f"{base}/api/offices/demo/queue", token=token)[1]
        assert [t["number"] for t in queue_after["waiting"]] == [t["number"] for t in queue_before["waiting"]]
        current = {c["id"]: (c["current"] or {}).get("number") for c in queue_after["counters"]}
        assert current == {c["id"]: (c["current"] or {}).get("number") for c in queue_before["counters"]}
        assert issue(base, token)["number"] == f"HT-{len(tickets) + 1:03d}"
        _assert_every_event_once(home)
    finally:
        process.terminate()
        process.wait(60)


def _assert_every_event_once(home: Path) -> None:
    """Every event the database committed is on the stream exactly once (read with the system's own user)."""
    import asyncio

    import asyncpg
    import nats

    state = json.loads((home / "run" / "state.json").read_text())
    password = json.loads((home / "secrets" / "nats.json").read_text())["system"]

    async def check() -> None:
        conn = await asyncpg.connect(state["database_url"], server_settings={"search_path": "motcua"})
        committed = {str(r["event_id"]) for r in await conn.fetch("SELECT event_id FROM outbox")}
        await asyncio.sleep(2)                       # the relay catches up after the restart
        unpublished = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        await conn.close()
        nc = await nats.connect(state["nats_url"], user="system", password=password)
        sub = await nc.jetstream().subscribe("motcua.evt.>", ordered_consumer=True, stream="MOTCUA_EVENTS")
        seen: list[str] = []
        try:
            while True:
                msg = await sub.next_msg(timeout=1.5)
                seen.append(json.loads(msg.data)["event_id"])
        except nats.errors.TimeoutError:
            pass
        await nc.close()
        assert unpublished == 0
        assert len(seen) == len(set(seen)), "an event reached the stream twice"
        assert committed <= set(seen), f"{len(committed - set(seen))} committed events never reached the stream"

    asyncio.run(check())
