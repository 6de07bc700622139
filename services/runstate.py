"""What `motcua up` is running for a MOTCUA_HOME: its pid and the embedded servers' addresses (run/state.json).

Read by the admin commands (`motcua user …`, `motcua device …`) to reach a running system, and by the next start
to find what a crash left behind."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from services.embedded.process import alive
from services.local_secrets import write_private


def _path(home: Path) -> Path:
    return home / "run" / "state.json"


def write(home: Path, **state: Any) -> None:
    path = _path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private(path, json.dumps({"pid": os.getpid(), **state}) + "\n")


def clear(home: Path) -> None:
    _path(home).unlink(missing_ok=True)


def read(home: Path) -> dict[str, Any] | None:
    """The state of a `motcua up` that is still running for `home`, else None."""
    try:
        state = json.loads(_path(home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pid = state.get("pid")
    return state if isinstance(pid, int) and alive(pid) else None
