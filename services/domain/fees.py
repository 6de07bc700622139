"""Fees asked at a counter: the checks on what a clerk types, the office's bank account, the QR's purpose, the
fee's state over time, local days, receipt numbers and amounts in words. Pure: no I/O."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from .errors import Conflict, InvalidInput
from .speech import read_number
from .vietqr import TEXT_MAX, VietQRError, encode_vietqr, unaccent

MIN_AMOUNT = 1_000                 # no fee in the schedules is lower; smaller transfers are typing mistakes
MAX_DESCRIPTION = 200
STATUSES = ("pending", "paid", "cancelled", "expired")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def check_amount(amount: object, maximum: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput("Số tiền phải là số nguyên đồng (không có dấu chấm, phẩy)",
                           "The amount must be a whole number of VND (no separators)")
    if not MIN_AMOUNT <= amount <= maximum:
        raise InvalidInput(f"Số tiền phải từ {vnd(MIN_AMOUNT)} đến {vnd(maximum)}",
                           f"The amount must be from {MIN_AMOUNT:,} to {maximum:,} VND", minimum=MIN_AMOUNT,
                           maximum=maximum)
    return amount


def check_description(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("Cần nội dung khoản phí (ví dụ: Lệ phí chứng thực)",
                           "The fee needs a description (e.g. Lệ phí chứng thực)")
    text = " ".join(text.split())
    if len(text) > MAX_DESCRIPTION or _CONTROL.search(text):
        raise InvalidInput(f"Nội dung khoản phí tối đa {MAX_DESCRIPTION} ký tự, không có ký tự điều khiển",
                           f"The description takes at most {MAX_DESCRIPTION} characters, no control characters")
    return text


@dataclass(frozen=True)
class BankAccount:
    bin: str
    account: str
    name: str

    def as_dict(self) -> dict[str, str]:
        return {"bin": self.bin, "account": self.account, "name": self.name}


def office_bank(office: Mapping[str, Any]) -> BankAccount:
    """The office's bank account as GetOffice gives it (`bank`, from the office configuration's `settings.bank`).
    Conflict when there is none or it cannot receive a VietQR transfer."""
    bank = office.get("bank")
    name = office.get("name") or office.get("id") or ""
    if not isinstance(bank, Mapping) or not bank:
        raise Conflict(f"Văn phòng “{name}” chưa khai báo tài khoản ngân hàng nhận phí; liên hệ quản trị viên",
                       f"The office “{name}” has no bank account for fees configured; ask the administrator")
    bin_, account, holder = (str(bank.get(k) or "").strip() for k in ("bin", "account", "name"))
    try:
        encode_vietqr(bin=bin_, account=account, amount=MIN_AMOUNT)
    except VietQRError as exc:
        raise Conflict(f"Tài khoản ngân hàng của văn phòng không hợp lệ: {exc.message_vi}",
                       f"The office's bank account is not valid: {exc.message_en}") from exc
    if not holder:
        raise Conflict("Tài khoản ngân hàng của văn phòng thiếu tên chủ tài khoản",
                       "The office's bank account has no holder name")
    return BankAccount(bin_, account, holder)


def purpose(reference: str, description: str) -> str:
    """The transfer's content: the reference first (what matching needs), then as much of the unaccented description
    as fits in whole words (banks keep ASCII only, and VietQR's purpose holds 25 characters)."""
    text = reference
    for word in re.sub(r"[^A-Za-z0-9 ]+", " ", unaccent(description)).upper().split():
        if len(text) + 1 + len(word) > TEXT_MAX:
            break
        text += " " + word
    return text


def fee_qr(bank: BankAccount, amount: int, reference: str, description: str) -> str:
    return encode_vietqr(bin=bank.bin, account=bank.account, amount=amount, purpose=purpose(reference, description))


def effective_status(status: str, expires_at: datetime, now: datetime) -> str:
    """A pending fee past its deadline reads as expired before the sweeper has written so."""
    return "expired" if status == "pending" and now > expires_at else status


def can_cancel(status: str) -> bool:
    return status in ("pending", "expired")


def parse_day(text: str | None, tz: ZoneInfo, now: datetime) -> date:
    if text is None or text == "":
        return now.astimezone(tz).date()
    if not _DAY.fullmatch(text):
        raise InvalidInput(f"Ngày phải có dạng YYYY-MM-DD, không phải {text!r}",
                           f"The day must be YYYY-MM-DD, not {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"Không có ngày {text}", f"There is no day {text}") from exc


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a local day as aware instants."""
    start = datetime.combine(day, time(0), tz)
    return start, datetime.combine(day + timedelta(days=1), time(0), tz)


def receipt_label(year: int, number: int) -> str:
    """How a receipt's number is printed: 7 digits, then its year (numbers restart each year)."""
    return f"{number:07d}/{year}"


def vnd(amount: int) -> str:
    """50000 -> "50.000 đ" (Vietnamese digit grouping)."""
    return f"{amount:,}".replace(",", ".") + " đ"


def amount_in_words(amount: int) -> str:
    """50000 -> "Năm mươi nghìn đồng", as receipts write it."""
    words = read_number(amount)
    return words[:1].upper() + words[1:] + " đồng"
