"""Running an embedded server as a child of motcua: a free port, waiting for it to listen, stopping it in order,
making it die with its parent, and finding what an earlier crash left running."""
from __future__ import annotations

import ctypes
import os
import pwd
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable

PR_SET_PDEATHSIG = 1


class EmbeddedError(RuntimeError):
    """An embedded server could not start; the message says what to check."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_free(host: str, port: int) -> bool:
    """Whether a server can listen on `port` again (as servers do, with SO_REUSEADDR: a port whose last
    connections are in TIME_WAIT after a restart is free)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def wait_for_port(host: str, port: int, process: subprocess.Popen[bytes], timeout_s: float, what: str,
                  log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmbeddedError(
                f"{what} dừng ngay khi khởi động (mã {process.returncode}); xem {log} / "
                f"{what} exited at start (code {process.returncode}); see {log}"
            )
        try:
            socket.create_connection((host, port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise EmbeddedError(f"{what} không khởi động kịp; xem {log} / {what} did not start in time; see {log}")


def stop(process: subprocess.Popen[bytes] | None, sig: int, timeout_s: float = 15) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def dies_with_parent(sig: int, user: str | None = None) -> Callable[[], None]:
    """A preexec_fn: become `user` (if any), then ask Linux to send `sig` when motcua dies (a crash, the OOM
    killer, kill -9), so that the server never lives on as an orphan. The user switch happens here, before the
    request, because changing credentials clears it."""
    entry = pwd.getpwnam(user) if user else None

    def preexec() -> None:
        if entry is not None:
            os.setgroups([])
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
        except (OSError, AttributeError):
            pass                        # not Linux: the leftover check at the next start takes over
        if os.getppid() == 1:           # the parent died between fork and here
            os.kill(os.getpid(), sig)

    return preexec


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, ended but not yet reaped by its parent, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def stop_leftover(pid: int, marker: str, sig: int, what: str, log: Callable[[str], None],
                  timeout_s: float = 30) -> None:
    """Stop process `pid` if it is still running and its command line names `marker` (our own store): a server
    an earlier motcua left behind. Never two servers on one store."""
    if not alive(pid) or (marker and marker not in command_line(pid)):
        return
    log(f"stopping a {what} left running by an earlier motcua (pid {pid})")
    os.kill(pid, sig)
    deadline = time.monotonic() + timeout_s
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
        while alive(pid):
            time.sleep(0.05)
