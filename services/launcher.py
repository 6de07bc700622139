"""`motcua up` on every core: the embedded servers in this process, the services and the web front as child
processes (`motcua serve …`), supervised like the embedded servers.

    ticketing          the ticket spine and its outbox relay (one process: numbers come from one place)
    services           accounts, identity, payment, feedback, stats (one process: they are light, except faces,
                       which identity encodes in worker processes of its own)
    web ×N             the HTTP front; its workers share the port (SO_REUSEPORT), each with its own live hub

A child that dies is started again (with backoff, logged); Ctrl-C or SIGTERM stops the children first, then the
embedded servers. A child never outlives this process (PR_SET_PDEATHSIG), so `kill -9` of `motcua up` leaves no
orphan holding the port. The children reach the embedded servers with the same credentials this process uses: the
NATS passwords by file (MOTCUA_NATS_PASSWORDS_FILE), the rest through their environment.
"""
from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from services.config import Settings
from services.local_secrets import secrets_dir

log = logging.getLogger(__name__)

BACKOFF_S = (0.5, 1, 2, 4, 8, 15)
STABLE_AFTER_S = 60.0          # running this long resets the backoff
READY_TIMEOUT_S = 180.0        # identity loads its face models before it says it is ready
STOP_GRACE_S = 10.0
READY_MARKS = ("sẵn sàng / ready", "web: http://")


class LaunchError(RuntimeError):
    """A part of the system ended at its first start, before it was ready."""


def web_workers(settings: Settings) -> int:
    """MOTCUA_WEB_WORKERS, else one per core beyond the first (the services share that one), at least one."""
    if settings.web_workers:
        return settings.web_workers
    return max(1, min(4, (os.cpu_count() or 2) - 1))


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def child_environment(settings: Settings, port: int) -> dict[str, str]:
    """What a child needs beyond this process's environment to reach what this process started."""
    env = dict(os.environ)
    env.update({
        "NATS_URL": settings.nats_url or "", "DATABASE_URL": settings.database_url or "",
        "MOTCUA_HOME": str(settings.home), "MOTCUA_HOST": settings.host, "MOTCUA_PORT": str(port),
        "MOTCUA_DB_SCHEMA": settings.db_schema, "MOTCUA_SUBJECT_PREFIX": settings.subject_prefix,
        "PYTHONUNBUFFERED": "1",
    })
    for secret_name in ("DATABASE_URL", "MOTCUA_IDENTITY_KEY"):
        env.pop(f"{secret_name}_FILE", None)            # the value given here wins over a file
    if settings.identity_key:
        env["MOTCUA_IDENTITY_KEY"] = settings.identity_key
    if settings.nats_passwords:
        env["MOTCUA_NATS_PASSWORDS_FILE"] = str(secrets_dir(settings.home) / "nats.json")
    return env


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent goes away, however it ends (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    process: asyncio.subprocess.Process | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    failed: asyncio.Event = field(default_factory=asyncio.Event)   # ended before it was ever ready
    exit_code: int | None = None
    started_at: float = 0.0
    failures: int = 0
    restarts: int = 0

    async def start(self) -> None:
        self.ready.clear()
        self.started_at = time.monotonic()
        self.process = await asyncio.create_subprocess_exec(
            *self.argv, env=self.env, stdout=asyncio.subprocess.PIPE, stderr=None, stdin=asyncio.subprocess.DEVNULL,
            start_new_session=True,         # a Ctrl-C in the terminal is ours to pass on, in order
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        log.info("%s started (pid %d)", self.name, self.process.pid)

    async def read_output(self) -> None:
        """Its stdout: the ready line, then anything else it says (logged)."""
        assert self.process is not None and self.process.stdout is not None
        async for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip()
            if any(mark in line for mark in READY_MARKS):
                self.ready.set()
            if line:
                log.debug("%s: %s", self.name, line)


class Launcher:
    def __init__(self, settings: Settings, port: int, workers: int) -> None:
        python = [sys.executable, "-m", "services.cli", "--log-level", logging.getLevelName(
            logging.getLogger().getEffectiveLevel())]
        env = child_environment(settings, port)
        self.children = [Child("ticketing", [*python, "serve", "ticketing"], env),
                         Child("services", [*python, "serve", "services"], env)]
        self.web = [Child(f"web-{i + 1}" if workers > 1 else "web", [*python, "serve", "web"],
                          {**env, "MOTCUA_WEB_REUSE_PORT": "1" if workers > 1 else "0"}) for i in range(workers)]
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, group: list[Child]) -> None:
        """Start `group` and wait until each says it is ready (or give up on one after READY_TIMEOUT_S)."""
        for child in group:
            self._tasks.append(asyncio.create_task(self._keep(child), name=f"keep-{child.name}"))
        for child in group:
            ready, failed = asyncio.create_task(child.ready.wait()), asyncio.create_task(child.failed.wait())
            done, _ = await asyncio.wait({ready, failed}, timeout=READY_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED)
            ready.cancel()
            failed.cancel()
            if failed in done:
                raise LaunchError(
                    f"'{child.name}' không khởi động được (mã thoát {child.exit_code}); xem thông báo ở trên / "
                    f"'{child.name}' could not start (exit code {child.exit_code}); see its message above")
            if not done:
                log.warning("%s did not say it was ready in %.0f s; going on", child.name, READY_TIMEOUT_S)

    async def _keep(self, child: Child) -> None:
        """Run `child`, and again whenever it ends, until the launcher stops."""
        while not self._stopping:
            await child.start()
            reader = asyncio.create_task(child.read_output())
            assert child.process is not None
            code = await child.process.wait()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(reader, 2)
            if self._stopping:
                return
            if not child.ready.is_set() and child.restarts == 0:
                child.exit_code = code          # its first start failed (a port in use, a wrong setting): say so
                child.failed.set()
                return
            if time.monotonic() - child.started_at > STABLE_AFTER_S:
                child.failures = 0
            wait = BACKOFF_S[min(child.failures, len(BACKOFF_S) - 1)]
            child.failures += 1
            child.restarts += 1
            log.warning("%s ended (exit code %s); starting it again in %.1f s / %s dừng (mã %s); khởi động lại "
                        "sau %.1f giây", child.name, code, wait, child.name, code, wait)
            await asyncio.sleep(wait)

    async def stop(self) -> None:
        """SIGTERM to every child (web first: no new requests), SIGKILL to those still there after the grace."""
        self._stopping = True
        for group in (self.web, self.children):
            running = [c.process for c in group if c.process is not None and c.process.returncode is None]
            for process in running:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + STOP_GRACE_S
            for process in running:
                try:
                    await asyncio.wait_for(process.wait(), max(0.1, deadline - time.monotonic()))
                except asyncio.TimeoutError:
                    log.warning("pid %d did not stop in %.0f s; killing it", process.pid, STOP_GRACE_S)
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
                    await process.wait()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def pids(self) -> dict[str, int]:
        return {c.name: c.process.pid for c in (*self.children, *self.web) if c.process is not None}


async def run_children(settings: Settings, port: int,
                       between: Callable[[], Awaitable[None]]) -> Launcher:
    """Start the services, then `between()` (seeding, with ticketing up), then the web workers."""
    launcher = Launcher(settings, port, web_workers(settings))
    try:
        await launcher.start(launcher.children)
        await between()
        await launcher.start(launcher.web)
    except BaseException:
        await launcher.stop()
        raise
    return launcher
