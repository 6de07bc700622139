"""The face benchmark still runs (small sizes, a few seconds), so it never rots."""
from __future__ import annotations

import pytest

from benchmarks import faces


def test_face_benchmark_runs_small(capsys: pytest.CaptureFixture[str]) -> None:
    faces.main(["--sizes", "1000,3000", "--frames", "1", "--queries", "5"])
    out = capsys.readouterr().out
    assert "cores" in out and "match, N = 1,000" in out and "match, N = 3,000" in out
    assert "5/5 probes matched" in out and out.count("× floor") >= 2
    assert "Per frame" in out and ("upsample" in out or "skipped" in out)
