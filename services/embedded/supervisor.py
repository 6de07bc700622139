"""`motcua up` looks after what it started: one motcua per MOTCUA_HOME, and embedded servers restarted (with
backoff, logged) when they die, on the same port so that every client reconnects by itself."""
from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import IO, Any, Iterator, Protocol

from services.embedded.process import EmbeddedError

log = logging.getLogger(__name__)

CHECK_EVERY_S = 0.5
BACKOFF_S = (0.5, 1, 2, 4, 8, 15)
STABLE_AFTER_S = 60.0     # running this long resets the backoff


class Server(Protocol):
    name: str
    process: Any
    log_file: Path

    def start(self) -> str: ...


@contextlib.contextmanager
def home_lock(home: Path) -> Iterator[None]:
    """Hold MOTCUA_HOME for this process (released by the kernel however it ends, kill -9 included): a second
    motcua on the same home would run a second server on the same stores."""
    folder = home / "run"
    folder.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = (folder / "up.lock").open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.seek(0)
        owner = handle.read().strip() or "?"
        handle.close()
        raise EmbeddedError(
            f"motcua đang chạy với MOTCUA_HOME={home} (pid {owner}); dừng nó trước hoặc chọn MOTCUA_HOME khác / "
            f"motcua is already running with MOTCUA_HOME={home} (pid {owner}); stop it first or choose another"
        ) from exc
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


async def supervise(servers: list[Server]) -> None:
    """Until cancelled: restart any server whose process ended."""
    failures = {id(s): 0 for s in servers}
    started = {id(s): asyncio.get_running_loop().time() for s in servers}
    while True:
        await asyncio.sleep(CHECK_EVERY_S)
        for server in servers:
            process = server.process
            if process is None or process.poll() is None:
                if asyncio.get_running_loop().time() - started[id(server)] > STABLE_AFTER_S:
                    failures[id(server)] = 0
                continue
            wait = BACKOFF_S[min(failures[id(server)], len(BACKOFF_S) - 1)]
            log.error("%s stopped unexpectedly (exit %s; see %s); restarting in %.1f s", server.name,
                      process.returncode, server.log_file, wait)
            await asyncio.sleep(wait)
            try:
                await asyncio.to_thread(server.start)
            except EmbeddedError as exc:
                failures[id(server)] += 1
                log.error("%s could not restart: %s", server.name, exc)
                continue
            failures[id(server)] += 1
            started[id(server)] = asyncio.get_running_loop().time()
            log.warning("%s restarted", server.name)
