"""A real `motcua up --demo` for benchmarks: its own process (the client load does not share its event loop),
a fresh MOTCUA_HOME with the embedded NATS and PostgreSQL, the admin's login, and its memory. Its log (up.log in
that home) is at WARNING unless MOTCUA_BENCH_LOG_LEVEL says otherwise (INFO shows the outbox relay's turns)."""
from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

PASSWORD = "mật khẩu đo hiệu năng"


def pct(samples: list[float], q: float) -> float:
    """The q-quantile of durations in seconds, in milliseconds."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _python_tree(pid: int) -> list[int]:
    """The process and its Python children (the embedded nats-server and PostgreSQL are not motcua's memory)."""
    found = [pid]
    out = subprocess.run(["ps", "-o", "pid=,comm=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    for row in out.split("\n"):
        parts = row.split()
        if len(parts) == 2 and parts[1].startswith("python"):
            found += _python_tree(int(parts[0]))
    return found


def _tree(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [pid, *(child for p in out.split() for child in _tree(int(p)))]


def _cpu_s(pid: int) -> float:
    """utime + stime of a process, in seconds (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    def __init__(self, extra_env: dict[str, str] | None = None) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**{k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL")},
                    "MOTCUA_HOME": str(self.home), "MOTCUA_DEMO_PASSWORD": PASSWORD,
                    "MOTCUA_KIOSK_TICKETS_PER_MIN": "10000", **(extra_env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    async def __aenter__(self) -> "Server":
        log = (self.home / "up.log").open("a")      # a restart (crash_and_restart) keeps what came before
        level = os.environ.get("MOTCUA_BENCH_LOG_LEVEL", "WARNING")
        self.process = subprocess.Popen([sys.executable, "-m", "services.cli", "--log-level", level, "up", "--demo",
                                         "--port", str(self.port)], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=1) as r:
                    # state.json is written once every part said it is ready (the banner)
                    if r.status == 200 and (self.home / "run" / "state.json").exists():
                        return self
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"motcua up did not start:\n{(self.home / 'up.log').read_text()}")
            await asyncio.sleep(0.2)

    async def __aexit__(self, *exc: Any) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.home, ignore_errors=True)

    def state(self) -> dict[str, Any]:
        return json.loads((self.home / "run" / "state.json").read_text())

    def children(self) -> dict[str, int]:
        """The embedded servers of the running motcua: {"nats-server": pid, "postgres": pid}."""
        assert self.process is not None
        out = subprocess.run(["ps", "-o", "pid=,comm=", "--ppid", str(self.process.pid)], capture_output=True,
                             text=True).stdout
        found = {}
        for row in out.splitlines():
            pid, _, name = row.strip().partition(" ")
            if name.strip() in ("nats-server", "postgres"):
                found[name.strip()] = int(pid)
        return found

    async def crash_and_restart(self) -> None:
        """kill -9 of motcua itself (its embedded servers go with it), then the same start again."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()
        await self.__aenter__()

    async def login(self, username: str) -> str:
        def post() -> str:
            request = urllib.request.Request(f"{self.base}/api/auth/login", method="POST",
                                             headers={"Content-Type": "application/json"},
                                             data=json.dumps({"username": username, "password": PASSWORD}).encode())
            with urllib.request.urlopen(request, timeout=10) as r:
                return json.loads(r.read())["token"]
        return await asyncio.to_thread(post)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by each part of the running motcua (its children by name, the embedded servers),
        each with its descendants (PostgreSQL's backends, identity's face workers)."""
        parts = {name: pid for name, pid in self.state().get("children", {}).items()}
        parts.update(self.children())
        return {name: sum(_cpu_s(p) for p in _tree(pid)) for name, pid in parts.items()}

    def rss_mib(self) -> float:
        """Resident memory of motcua's own processes (not the embedded servers), in MiB."""
        assert self.process is not None
        return sum(_rss_kib(pid) for pid in _python_tree(self.process.pid)) / 1024


class Floor:
    """The two floor processes (benchmarks.floor), started beside a running motcua on its NATS and PostgreSQL:
    `async with Floor(server) as floor`, then POST floor.base + "/issue" or "/next"."""

    def __init__(self, server: Server) -> None:
        from services.launcher import free_port
        from services.local_secrets import read_json
        state = server.state()
        self.env = {**os.environ, "NATS_URL": state["nats_url"], "NATS_USER": "system",
                    "NATS_PASSWORD": (read_json(server.home, "nats.json") or {}).get("system", ""),
                    "DATABASE_URL": state["database_url"], "FLOOR_SEARCH_PATH": "motcua"}
        self.port = free_port("127.0.0.1")
        self.base = f"http://127.0.0.1:{self.port}"
        self.processes: list[subprocess.Popen[str]] = []

    async def __aenter__(self) -> "Floor":
        self.processes = [subprocess.Popen([sys.executable, "-m", "benchmarks.floor", *args], env=self.env,
                                           stdout=subprocess.PIPE, text=True)
                          for args in (["db"], ["web", str(self.port)])]
        try:
            await asyncio.to_thread(self._wait_ready)
        except BaseException:
            self._stop()
            raise
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await asyncio.to_thread(self._stop)

    def _wait_ready(self) -> None:
        for process in self.processes:
            assert process.stdout is not None
            line = process.stdout.readline()
            if "ready" not in line:
                raise RuntimeError(f"the floor did not start: {line!r}")

    def _stop(self) -> None:
        for process in self.processes:
            process.terminate()
            process.wait(20)
