"""The hot-path benchmark runs (a few seconds of each part) so that it never rots: every row is printed, with a
ratio against its floor."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.timeout(300)
def test_the_hot_path_benchmark_prints_every_row_against_its_floor() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL")}
    done = subprocess.run([sys.executable, "-m", "benchmarks.hotpath", "--smoke"], capture_output=True, text=True,
                          env=env, timeout=280)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and "---" not in line][1:]
    names = [r.split("|")[1].strip() for r in rows]
    assert [n.split(",")[0] for n in names] == ["issue a ticket"] * 3 + [
        "complete & next", "the same", "memory per 1", "memory per open screen stream (20 open)"], names
    for r in rows[:5]:
        assert float(r.split("|")[4]) > 0                       # a ratio against a floor measured in the same run
    assert "cores" in done.stdout                               # and the machine it ran on
