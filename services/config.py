"""Settings, read once from the environment with defaults. Nothing connects at import."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping


class ConfigError(ValueError):
    """A configuration value a person must fix; the message says which and how."""


_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True)
class Settings:
    nats_url: str | None = None          # None: start the embedded nats-server
    database_url: str | None = None      # None: start the embedded PostgreSQL
    db_schema: str = "motcua"
    subject_prefix: str = "motcua"
    home: Path = Path(".motcua")
    host: str = "127.0.0.1"
    port: int = 8080
    request_timeout_s: float = 5.0
    public_url: str | None = None        # how phones reach /t/{ticket}; default http://host:port
    stream_replicas: int = 1             # 3 on a NATS cluster

    @property
    def stream(self) -> str:
        return f"{self.subject_prefix.upper().replace('-', '_')}_EVENTS"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> "Settings":
        env = os.environ if env is None else env
        try:
            port = int(env.get("MOTCUA_PORT", "8080"))
            timeout = float(env.get("MOTCUA_REQUEST_TIMEOUT_S", "5"))
            replicas = int(env.get("MOTCUA_STREAM_REPLICAS", "1"))
        except ValueError as exc:
            raise ConfigError(
                f"MOTCUA_PORT / MOTCUA_REQUEST_TIMEOUT_S / MOTCUA_STREAM_REPLICAS phải là số ({exc}) / must be numbers"
            ) from exc
        settings = cls(
            nats_url=env.get("NATS_URL") or None,
            database_url=env.get("DATABASE_URL") or None,
            db_schema=env.get("MOTCUA_DB_SCHEMA", "motcua"),
            subject_prefix=env.get("MOTCUA_SUBJECT_PREFIX", "motcua"),
            home=Path(env.get("MOTCUA_HOME", ".motcua")),
            host=env.get("MOTCUA_HOST", "127.0.0.1"),
            port=port,
            request_timeout_s=timeout,
            public_url=env.get("MOTCUA_PUBLIC_URL") or None,
            stream_replicas=replicas,
        )
        settings = replace(settings, **overrides)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        for name, value in (("MOTCUA_DB_SCHEMA", self.db_schema), ("MOTCUA_SUBJECT_PREFIX", self.subject_prefix)):
            if not _TOKEN.match(value):
                raise ConfigError(
                    f"{name}={value!r} không hợp lệ: chỉ dùng chữ không dấu, số, '-' hoặc '_' / "
                    f"{name}={value!r} is invalid: use letters, digits, '-' or '_'"
                )
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"MOTCUA_PORT={self.port} phải từ 0 đến 65535 / must be 0-65535")
        if self.stream_replicas not in (1, 3, 5):
            raise ConfigError("MOTCUA_STREAM_REPLICAS phải là 1, 3 hoặc 5 / must be 1, 3 or 5")
        if self.request_timeout_s <= 0:
            raise ConfigError("MOTCUA_REQUEST_TIMEOUT_S phải lớn hơn 0 / must be positive")
