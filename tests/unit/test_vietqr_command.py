"""`motcua vietqr` as a person runs it: the installed command in a subprocess, its output and exit codes."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

WITH_AMOUNT = ("00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA53037045405100005802VN"
               "62150811Chuyen tien630453E6")


def motcua(*argv: str) -> subprocess.CompletedProcess[str]:
    """The console script installed beside this interpreter (what `pip install -e .` made), else `-m services.cli`."""
    script = Path(sys.executable).with_name("motcua")
    command = [str(script)] if script.exists() else ([found] if (found := shutil.which("motcua")) else
                                                     [sys.executable, "-m", "services.cli"])
    # A configuration error elsewhere must not stop a pure command: give it a broken one.
    env = {**os.environ, "MOTCUA_PORT": "not a number", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([*command, *argv], capture_output=True, text=True, encoding="utf-8", env=env, timeout=60,
                          check=False)


def test_makes_the_documented_payload_on_one_line() -> None:
    done = motcua("vietqr", "--bin", "970416", "--account", "257678859", "--amount", "10000",
                  "--purpose", "Chuyển tiền")
    assert (done.returncode, done.stdout, done.stderr) == (0, WITH_AMOUNT + "\n", "")


def test_parses_a_payload_to_json() -> None:
    done = motcua("vietqr", "--parse", WITH_AMOUNT)
    assert done.returncode == 0, done.stderr
    fields = json.loads(done.stdout)
    assert (fields["bin"], fields["account"], fields["amount"], fields["purpose"]) == (
        "970416", "257678859", 10000, "Chuyen tien")


@pytest.mark.parametrize("argv,reason", [
    (("--parse", WITH_AMOUNT[:-1] + "7"), "crc_mismatch"),
    (("--bin", "970436", "--account", "0011004123456", "--purpose", "Lệ phí chứng thực bản sao hộ tịch"),
     "field_too_long"),
])
def test_refusals_say_why_in_both_languages_and_exit_1(argv: tuple[str, ...], reason: str) -> None:
    done = motcua("vietqr", *argv)
    assert done.returncode == 1 and done.stdout == ""
    vi, en = done.stderr.strip().splitlines()
    assert vi.startswith("motcua vietqr: ") and en.startswith("motcua vietqr: ") and vi != en
    assert f"[{reason}]" in vi and f"[{reason}]" in en
