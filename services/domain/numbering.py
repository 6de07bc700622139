"""Ticket numbering: per office, per service, per local day, and its printable form."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from .errors import InvalidInput

_PREFIX = re.compile(r"^[A-Z0-9Đ]{1,6}$")


def local_day(instant: datetime, tz: ZoneInfo) -> date:
    """The office's calendar day at `instant` (which must be timezone-aware)."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    return instant.astimezone(tz).date()


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class NumberFormat:
    """How a service prints its numbers.

    With a prefix: `HT-015` (prefix, dash, sequence padded to `width`).
    Without one: a plain number `start + sequence`, e.g. 1001, 1002 for start 1000,
    so services can share a hall board with disjoint numeric ranges.
    """

    prefix: str | None = None
    width: int = 3
    start: int = 0

    def __post_init__(self) -> None:
        if self.prefix is not None and not _PREFIX.match(self.prefix):
            raise InvalidInput(
                f"Tiền tố số phiếu không hợp lệ: {self.prefix!r} (1–6 chữ in hoa hoặc số)",
                f"Invalid ticket prefix: {self.prefix!r} (1–6 upper-case letters or digits)",
            )
        if not 1 <= self.width <= 6:
            raise InvalidInput("Độ dài số phiếu phải từ 1 đến 6", "Number width must be from 1 to 6")
        if not 0 <= self.start <= 99_000_000:
            raise InvalidInput("Số bắt đầu không hợp lệ", "Invalid start number")

    def label(self, seq: int) -> str:
        if seq < 1:
            raise ValueError("sequence numbers start at 1")
        if self.prefix is None:
            return str(self.start + seq)
        return f"{self.prefix}-{seq:0{self.width}d}"
