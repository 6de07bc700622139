"""Secrets generated on first start and kept under MOTCUA_HOME/secrets, readable by their owner only."""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any, Callable


def secrets_dir(home: Path) -> Path:
    folder = home / "secrets"
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` with mode 0600 from the first byte (never briefly world-readable)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def secret(home: Path, name: str, generate: Callable[[], str] = lambda: secrets.token_urlsafe(24)) -> str:
    """The secret `name`, generated and stored on first use."""
    path = secrets_dir(home) / name
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            path.chmod(0o600)
            return value
    value = generate()
    write_private(path, value + "\n")
    return value


def read_json(home: Path, name: str) -> Any:
    path = secrets_dir(home) / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(home: Path, name: str, data: Any) -> None:
    write_private(secrets_dir(home) / name, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
