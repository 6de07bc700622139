"""What every CSV and XLSX export of motcua shares: safe cells, local times, and the CSV dialect.

CSV is UTF-8 with a byte-order mark (Excel then reads Vietnamese correctly), comma-separated, CRLF (RFC 4180). A
cell written by someone outside (a transfer's content, a name) that would start a formula (= + - @, tab, CR) is
prefixed with an apostrophe, so a spreadsheet shows it as text."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, Iterable, Sequence
from zoneinfo import ZoneInfo

BOM = b"\xef\xbb\xbf"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return "" if value is None else value


def local_time(iso: str | None, tz: ZoneInfo) -> str:
    return datetime.fromisoformat(iso).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if iso else ""


def csv_lines(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows as CSV text (no BOM: a stream writes BOM once, then these chunks)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe(cell) for cell in row])
    return out.getvalue().encode("utf-8")


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    return BOM + csv_lines([header, *rows])
