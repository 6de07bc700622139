"""`motcua vietqr`: make a VietQR payload for a fee, or read one back.

    motcua vietqr --bin 970416 --account 257678859 --amount 10000 --purpose "Lệ phí chứng thực"
    motcua vietqr --parse '000201010211...6304AE9F'

The main CLI wires it in with `vietqr_cli.add_parser(sub)` and, for `args.command == "vietqr"`,
`return vietqr_cli.run(args)`. Exit codes: 0 done, 1 refused (reason on stderr in vi and en).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from services.domain.vietqr import VietQRError, decode_vietqr, encode_vietqr

_ENCODE_OPTIONS = ("bin", "account", "amount", "bill", "purpose", "reference", "terminal")
_WHOLE_NUMBER = re.compile(r"[0-9]+", re.ASCII)


def add_parser(subparsers: Any) -> None:
    """Add the `vietqr` sub-command to an argparse sub-parsers object."""
    p = subparsers.add_parser(
        "vietqr", help="tạo hoặc đọc mã VietQR / make or read a VietQR payload",
        description="Tạo mã VietQR chuyển khoản (in ra một dòng) hoặc đọc một mã (--parse, in JSON). "
                    "/ Make a VietQR transfer payload (printed on one line) or read one (--parse, JSON).")
    p.add_argument("--bin", help="mã BIN ngân hàng, 6 chữ số / bank BIN, 6 digits (ACB 970416, VCB 970436)")
    p.add_argument("--account", help="số tài khoản hoặc số thẻ / account or card number")
    p.add_argument("--card", action="store_true", help="--account là số thẻ / --account is a card number")
    p.add_argument("--amount", help="số tiền, đồng / amount in VND (whole number)")
    p.add_argument("--bill", help="số hoá đơn / bill number (≤ 25)")
    p.add_argument("--purpose", help="nội dung chuyển khoản, được bỏ dấu / transfer purpose, unaccented (≤ 25)")
    p.add_argument("--reference", help="mã tham chiếu / reference label (≤ 25)")
    p.add_argument("--terminal", help="mã điểm thu, ví dụ quầy / terminal label, e.g. the counter (≤ 25)")
    p.add_argument("--parse", metavar="PAYLOAD", help="đọc một mã VietQR / read a VietQR payload")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        if getattr(args, "parse", None) is not None:
            given = [f"--{name}" for name in _ENCODE_OPTIONS if getattr(args, name, None) is not None]
            if given or getattr(args, "card", False):
                raise VietQRError("usage", f"--parse không dùng cùng {' '.join(given) or '--card'}",
                                  f"--parse cannot be combined with {' '.join(given) or '--card'}")
            qr = decode_vietqr(args.parse)
            print(json.dumps(qr.as_dict(), ensure_ascii=False), file=sys.stdout)
            return 0
        if not args.bin or not args.account:
            raise VietQRError("usage", "Cần --bin và --account (hoặc --parse MÃ)",
                              "--bin and --account are required (or --parse PAYLOAD)")
        payload = encode_vietqr(bin=args.bin, account=args.account, card=bool(args.card),
                                amount=_amount(args.amount), bill=args.bill, purpose=args.purpose,
                                reference=args.reference, terminal=args.terminal)
        print(payload, file=sys.stdout)
        return 0
    except VietQRError as exc:
        print(f"motcua vietqr: {exc.message_vi} [{exc.reason}]", file=sys.stderr)
        print(f"motcua vietqr: {exc.message_en} [{exc.reason}]", file=sys.stderr)
        return 1


def _amount(text: str | None) -> int | None:
    if text is None:
        return None
    if not _WHOLE_NUMBER.fullmatch(text):
        raise VietQRError("bad_amount", f"Số tiền phải là số nguyên đồng, không có dấu chấm hay phẩy: {text!r}",
                          f"The amount must be a whole number of VND without separators: {text!r}")
    return int(text)
