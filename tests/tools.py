"""External programs some tests need (Debian's Chromium for the browser tests, espeak-ng for the voice).

On a developer's machine a test whose program is missing is skipped, with the reason. Under `CI=true` it fails
instead: a CI run must never pass by skipping what it was meant to check (`.ci/run` installs both).
"""
from __future__ import annotations

import os
import shutil
from typing import Mapping, Sequence

import pytest


def in_ci(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get("CI", "").strip().lower() == "true"


def require_tool(name: str, *, paths: Sequence[str] = (), hint: str = "",
                 environ: Mapping[str, str] = os.environ) -> str:
    """The path of `name` (or of the first of `paths` that exists); otherwise skip the test, or fail it in CI."""
    for candidate in (*paths, name):
        found = shutil.which(candidate)
        if found:
            return found
    message = f"{name} is not installed" + (f" ({hint})" if hint else "")
    if in_ci(environ):
        pytest.fail(f"{message}; CI=true, so a missing tool fails the run instead of skipping it", pytrace=False)
    pytest.skip(message)
