"""tests/tools.py: a missing external program skips a test, except under CI=true where it fails the run."""
from __future__ import annotations

import sys

import pytest

from tests.tools import in_ci, require_tool


def test_a_present_tool_is_found_by_name_or_path() -> None:
    assert require_tool("sh")
    assert require_tool("no-such-program-motcua", paths=[sys.executable]) == sys.executable


def test_a_missing_tool_skips_outside_ci() -> None:
    for environ in ({}, {"CI": "false"}, {"CI": ""}):
        with pytest.raises(pytest.skip.Exception, match="no-such-program-motcua is not installed \\(apt\\)"):
            require_tool("no-such-program-motcua", paths=["/nonexistent/bin/x"], hint="apt", environ=environ)


def test_a_missing_tool_fails_in_ci() -> None:
    for value in ("true", "TRUE", " true "):
        assert in_ci({"CI": value})
        with pytest.raises(pytest.fail.Exception, match="CI=true"):
            require_tool("no-such-program-motcua", environ={"CI": value})
