"""`motcua up --demo` on a clean MOTCUA_HOME with the embedded default: starts, serves, stops cleanly."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def start(home: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL")}
    env.update(MOTCUA_HOME=str(home), PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "services.cli", "up", "--demo", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_healthy(process: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"motcua up exited early:\n{process.stdout.read() if process.stdout else ''}")
        try:
            status, body = http("GET", f"{base}/healthz")
            if status == 200:
                assert body == {"status": "ok", "nats": True, "database": True}
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    process.kill()
    pytest.fail("motcua up did not become healthy in 90 s")


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
def test_up_demo_on_a_clean_home_serves_and_stops(tmp_path: Path) -> None:
    home, port = tmp_path / "fresh-home", free_port()
    base = f"http://127.0.0.1:{port}"
    process = start(home, port)
    wait_healthy(process, base)
    status, services = http("GET", f"{base}/api/offices/demo/services")
    assert status == 200
    assert {"HT": "Hộ tịch", "CT": "Chứng thực", "DD": "Đất đai"}.items() <= {s["code"]: s["name"] for s in services}.items()
    status, ticket = http("POST", f"{base}/api/offices/demo/tickets", {"service": "HT"})
    assert status == 201 and ticket["number"] == "HT-001"
    status, called = http("POST", f"{base}/api/offices/demo/counters/1/next")
    assert status == 200 and called["ticket"]["number"] == "HT-001"
    output = stop(process, signal.SIGINT)  # Ctrl-C
    assert f"{base}/kiosk/demo" in output and "Đang dừng" in output

    # Data survives a restart: the same day continues at HT-002, the demo office is not seeded twice.
    process = start(home, port)
    wait_healthy(process, base)
    status, ticket = http("POST", f"{base}/api/offices/demo/tickets", {"service": "HT"})
    assert status == 201 and ticket["number"] == "HT-002"
    stop(process, signal.SIGTERM)
