"""`motcua up --demo` on a clean MOTCUA_HOME with the embedded default: starts, serves, stops cleanly."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import server_home


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PASSWORD = "mật khẩu demo 2026"


def http(method: str, url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def start(home: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL")}
    env.update(MOTCUA_HOME=str(home), PYTHONUNBUFFERED="1", MOTCUA_DEMO_PASSWORD=PASSWORD)
    return subprocess.Popen([sys.executable, "-m", "services.cli", "up", "--demo", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def motcua(home: Path, *args: str, stdin: str = "") -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL")}
    done = subprocess.run([sys.executable, "-m", "services.cli", *args], input=stdin, capture_output=True, text=True,
                          env={**env, "MOTCUA_HOME": str(home)}, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def wait_healthy(process: subprocess.Popen[str], base: str, log: Path | None = None) -> None:
    """Until /healthz answers 200; `log` is where the process writes when its output is not a pipe."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = log.read_text() if log else process.stdout.read() if process.stdout else ""
            pytest.fail(f"motcua up exited early (code {process.returncode}):\n{said}")
        try:
            status, body = http("GET", f"{base}/healthz")
            if status == 200:
                assert (body["status"], body["nats"], body["database"]) == ("ok", True, True)
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"motcua up did not become healthy in 90 s:\n{log.read_text() if log else ''}")


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def stop(process: subprocess.Popen[str], sig: int = signal.SIGTERM) -> str:
    servers = children_of(process.pid)
    process.send_signal(sig)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    for pid in servers:  # the embedded nats-server and postgres are gone too
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
    return output


@pytest.mark.timeout(240)
def test_up_demo_on_a_clean_home_serves_and_stops() -> None:
    home, port = server_home("up") / "fresh-home", free_port()
    base = f"http://127.0.0.1:{port}"
    process = start(home, port)
    wait_healthy(process, base)
    status, services = http("GET", f"{base}/api/offices/demo/services")
    assert status == 200
    assert {"HT": "Hộ tịch", "CT": "Chứng thực", "DD": "Đất đai"}.items() <= {s["code"]: s["name"] for s in services}.items()
    kiosk = json.loads((home / "secrets" / "demo-devices.json").read_text())["kiosk"]["token"]
    assert oct((home / "secrets" / "demo-devices.json").stat().st_mode & 0o777) == "0o600"
    assert http("POST", f"{base}/api/offices/demo/tickets", {"service": "HT"})[0] == 401
    status, ticket = http("POST", f"{base}/api/offices/demo/tickets", {"service": "HT"}, kiosk)
    assert status == 201 and ticket["number"] == "HT-001"
    status, session = http("POST", f"{base}/api/auth/login", {"username": "canbo1", "password": PASSWORD})
    assert status == 200 and session["role"] == "clerk" and session["office"] == "demo"
    status, called = http("POST", f"{base}/api/offices/demo/counters/1/next", token=session["token"])
    assert status == 200 and called["ticket"]["number"] == "HT-001"
    # Shell commands reach the running system: an enrolled device works at once, and is refused once revoked.
    added = motcua(home, "device", "add", "--office", "demo", "--kind", "kiosk", "--name", "Kiosk tầng 2")
    token = re.search(r"token: (\S+)", added).group(1)
    assert f"{base}/kiosk/demo#device={token}" in added
    assert http("POST", f"{base}/api/offices/demo/tickets", {"service": "CT"}, token)[0] == 201
    motcua(home, "device", "revoke", re.search(r"id: +(\S+)", added).group(1))
    assert http("POST", f"{base}/api/offices/demo/tickets", {"service": "CT"}, token)[0] == 401
    output = stop(process, signal.SIGINT)  # Ctrl-C
    assert f"{base}/kiosk/demo#device={kiosk}" in output and "Đang dừng" in output
    assert PASSWORD in output and "canbo5" in output and "/display/demo#device=" in output

    # With nothing running, the commands work on the database directly.
    motcua(home, "user", "add", "lanhdao2", "--role", "manager", "--office", "demo", "--password-stdin",
           stdin="Mật khẩu lãnh đạo 2\n")

    # Data survives a restart: the same day continues at HT-002, the demo office is not seeded twice.
    process = start(home, port)
    wait_healthy(process, base)
    status, session = http("POST", f"{base}/api/auth/login", {"username": "lanhdao2", "password": "Mật khẩu lãnh đạo 2"})
    assert status == 200 and session["role"] == "manager"
    status, ticket = http("POST", f"{base}/api/offices/demo/tickets", {"service": "HT"}, kiosk)   # same link works
    assert status == 201 and ticket["number"] == "HT-002"
    stop(process, signal.SIGTERM)


@pytest.mark.timeout(240)
def test_each_part_runs_in_its_own_process_and_a_dead_one_comes_back() -> None:
    home, port = server_home("up") / "processes", free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL")}
    env.update(MOTCUA_HOME=str(home), PYTHONUNBUFFERED="1", MOTCUA_DEMO_PASSWORD=PASSWORD, MOTCUA_WEB_WORKERS="2")
    process = subprocess.Popen([sys.executable, "-m", "services.cli", "up", "--demo", "--port", str(port)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_healthy(process, base)
        state = home / "run" / "state.json"                             # written once every part said it is ready
        deadline = time.monotonic() + 30
        while not state.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        children = json.loads(state.read_text())["children"]
        assert set(children) == {"ticketing", "services", "web-1", "web-2"}
        assert all(pid in children_of(process.pid) for pid in children.values())
        kiosk = json.loads((home / "secrets" / "demo-devices.json").read_text())["kiosk"]["token"]
        numbers = [http("POST", f"{base}/api/offices/demo/tickets", {"service": "HT"}, kiosk)[1]["number"]
                   for _ in range(6)]                                   # spread over both web workers
        assert numbers == [f"HT-{i:03d}" for i in range(1, 7)]

        os.kill(children["ticketing"], signal.SIGKILL)                  # a crash of the ticket spine
        deadline = time.monotonic() + 60
        while True:
            status, ticket = http("POST", f"{base}/api/offices/demo/tickets", {"service": "HT"}, kiosk)
            if status == 201:
                break
            # Said plainly while it restarts: no responder (503), or a request caught by the restart (504).
            assert status in (503, 504) and time.monotonic() < deadline, (status, ticket)
            time.sleep(0.5)
        assert ticket["number"] not in numbers                          # no number given twice
        clerk = http("POST", f"{base}/api/auth/login", {"username": "canbo1", "password": PASSWORD})[1]["token"]
        status, queue = http("GET", f"{base}/api/offices/demo/queue", token=clerk)
        waiting = [t["number"] for t in queue["waiting"]]
        assert status == 200 and len(waiting) == len(set(waiting)) and set(numbers) <= set(waiting)
        assert children["ticketing"] not in children_of(process.pid)
    except BaseException:
        process.kill()                                              # its children follow it (PR_SET_PDEATHSIG)
        raise
    stop(process, signal.SIGTERM)
    for pid in children.values():
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()


@pytest.mark.timeout(120)
def test_a_port_in_use_is_said_plainly_and_nothing_is_left_running() -> None:
    home = server_home("up") / "port-in-use"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL")}
        done = subprocess.run([sys.executable, "-m", "services.cli", "up", "--port", str(port)], capture_output=True,
                              text=True, env={**env, "MOTCUA_HOME": str(home)}, timeout=100)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"Không mở được 127.0.0.1:{port}: cổng đang được một chương trình khác dùng" in done.stderr
    left = subprocess.run(["pgrep", "-f", str(home)], capture_output=True, text=True).stdout.split()
    assert left == [], "embedded servers or parts left running"
