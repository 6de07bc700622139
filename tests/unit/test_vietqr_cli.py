"""`motcua vietqr`: run() with arguments parsed by a local parser, output captured."""
from __future__ import annotations

import argparse
import json

import pytest

from services import vietqr_cli

STATIC = "00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9F"
WITH_AMOUNT = ("00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA53037045405100005802VN"
               "62150811Chuyen tien630453E6")


def call(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="motcua")
    sub = parser.add_subparsers(dest="command", required=True)
    vietqr_cli.add_parser(sub)
    args = parser.parse_args(["vietqr", *argv])
    code = args.run(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_static_payload_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert call(capsys, "--bin", "970416", "--account", "257678859") == (0, STATIC + "\n", "")


def test_amount_and_purpose(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = call(capsys, "--bin", "970416", "--account", "257678859", "--amount", "10000",
                        "--purpose", "Chuyen tien")
    assert (code, out) == (0, WITH_AMOUNT + "\n")


def test_card_and_vietnamese_purpose(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = call(capsys, "--bin", "970403", "--account", "9704031101234567", "--card")
    assert out.strip().endswith("63044F52")
    code, out, _ = call(capsys, "--bin", "970405", "--account", "1234567890", "--purpose", "Lệ phí chứng thực",
                        "--bill", "HS-01")
    assert code == 0 and "0817Le phi chung thuc" in out and out.count("\n") == 1


def test_parse_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = call(capsys, "--parse", WITH_AMOUNT)
    data = json.loads(out)
    assert (code, err) == (0, "")
    assert data["bin"] == "970416" and data["account"] == "257678859" and data["amount"] == 10000
    assert data["purpose"] == "Chuyen tien" and data["dynamic"] is True and data["crc"] == "53E6"
    assert data["fields"]["58"] == "VN"


@pytest.mark.parametrize("argv,reason", [
    (["--bin", "97041", "--account", "1"], "bad_bin"),
    (["--bin", "970416", "--account", "1", "--amount", "10.000"], "bad_amount"),
    (["--bin", "970416", "--account", "1", "--amount", "0"], "bad_amount"),
    (["--bin", "970416", "--account", "1", "--purpose", "Nộp lệ phí đăng ký khai sinh cho con"], "field_too_long"),
    (["--bin", "970416"], "usage"),
    (["--parse", STATIC, "--bin", "970416"], "usage"),
    (["--parse", STATIC[:-1] + "0"], "crc_mismatch"),
    (["--parse", "hello"], "bad_tag"), (["--parse", "00020"], "truncated"),
])
def test_refusals_exit_1_with_vi_and_en_on_stderr(capsys: pytest.CaptureFixture[str], argv: list[str],
                                                  reason: str) -> None:
    code, out, err = call(capsys, *argv)
    assert (code, out) == (1, "")
    lines = err.strip().splitlines()
    assert len(lines) == 2 and all(line.endswith(f"[{reason}]") for line in lines)
    assert lines[0] != lines[1]  # Vietnamese first, English second


def test_run_is_usable_directly(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    vietqr_cli.add_parser(parser.add_subparsers(dest="command"))
    assert vietqr_cli.run(parser.parse_args(["vietqr", "--parse", STATIC])) == 0
    assert json.loads(capsys.readouterr().out)["card"] is False
