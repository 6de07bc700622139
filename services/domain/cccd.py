"""The chip ID card (CCCD, thẻ căn cước) QR text: parse it and cross-check its fields. Pure: no I/O.

Format (Thông tư 06/2021/TT-BCA): ``ID12|oldID|Full name|ddmmyyyy birth|Nam/Nữ|permanent address|
ddmmyyyy issue``; cards issued from 1/7/2024 may append fields, kept in ``CccdCard.extra``.
The 12-digit personal number: province of birth registration (001-096), one digit for century and
sex (even = Nam, odd = Nữ; 0/1 = 1900s, 2/3 = 2000s, ... 8/9 = 2300s), the birth year's last two
digits, six random digits; no check digit, so the number is checked against the other fields.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Literal

from .cccd_messages import message
from .cccd_text import (LETTERS, find_field_damage, find_layout_damage, find_wrong_decoding,
                        is_azerty_digits, is_caps_lock)
from .errors import DomainError

MAX_LENGTH = 1000  # characters; a real QR holds under 300
MIN_FIELDS = 7
MAX_NAME_LENGTH = 100
MAX_AGE = 120
EARLIEST_ISSUE = date(2016, 1, 1)  # the Law on Citizen Identification 2014 took effect; no CCCD before
VIETNAM = timezone(timedelta(hours=7))  # no DST, so no tz database needed

Sex = Literal["Nam", "Nữ"]
_SEXES: tuple[Sex, ...] = ("Nam", "Nữ")
_DIGITS_12 = re.compile(r"[0-9]{12}")
_OLD_ID = re.compile(r"[0-9]{9}|[0-9]{12}")  # CMND: 9 digits, or 12 for those issued 2012-2016
_DATE = re.compile(r"[0-9]{8}")
_APOSTROPHES = re.compile(r"['’]")  # Ê Đê and Jrai names: H'Hen Niê


@dataclass(frozen=True, slots=True)
class CccdCard:
    id_number: str
    old_id_number: str | None
    name: str
    birth_date: date
    sex: Sex
    address: str
    issue_date: date
    extra: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, str | None]:
        """JSON-ready; `old_id_number` is None (null) when the card has none."""
        return {"id_number": self.id_number, "old_id_number": self.old_id_number, "name": self.name,
                "birth_date": self.birth_date.isoformat(), "sex": self.sex, "address": self.address,
                "issue_date": self.issue_date.isoformat()}


class CccdError(DomainError):
    """The QR text is not a consistent CCCD. `reason` is a stable code (see cccd_messages.REASONS);
    `field` names the offending field when there is one; `detail` refines `mojibake` and
    `keyboard_layout` (e.g. "telex", "utf8_as_single_byte")."""

    code = "invalid_cccd"

    def __init__(self, reason: str, message_vi: str, message_en: str, *,
                 field: str | None = None, detail: str | None = None) -> None:
        super().__init__(message_vi, message_en)
        self.reason = reason
        self.field = field
        self.detail = detail

    def __reduce__(self):  # type: ignore[no-untyped-def]  # picklable across processes
        return (_rebuild_error, (self.reason, self.message_vi, self.message_en, self.field, self.detail))

    def as_dict(self) -> dict[str, str]:
        out = super().as_dict() | {"reason": self.reason}
        return out | ({"field": self.field} if self.field else {})


def _rebuild_error(reason: str, vi: str, en: str, field: str | None, detail: str | None) -> CccdError:
    return CccdError(reason, vi, en, field=field, detail=detail)


def _error(reason: str, *, field: str | None = None, detail: str | None = None, **values: object) -> CccdError:
    message_vi, message_en = message(reason, field=field, **values)
    return CccdError(reason, message_vi, message_en, field=field, detail=detail)


def parse_cccd(text: str, *, today: date | None = None) -> CccdCard:
    """Parse a scanned CCCD QR text, or raise CccdError (and nothing else) saying why not.

    `today` is the office's local date (default: today in Viet Nam, UTC+7). One leading BOM and
    one trailing CR, LF or CRLF (scanner suffixes) are dropped; nothing else is silently changed
    except NFC normalisation and collapsing runs of spaces in the name and address.
    """
    if not isinstance(text, str):
        raise _error("not_text", kind=type(text).__name__)
    if len(text) > MAX_LENGTH:
        raise _error("too_long", length=len(text), limit=MAX_LENGTH)
    text = _trim_scanner_affixes(text)
    if not text:
        raise _error("empty")
    if text.count("|") < MIN_FIELDS - 1 and (layout := find_layout_damage(text)):
        raise _error("keyboard_layout", detail=layout)
    if garbling := find_wrong_decoding(text):
        raise _error("mojibake", detail=garbling)
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in text):
        raise _error("control_chars")
    fields = text.split("|")
    if len(fields) < MIN_FIELDS:
        raise _error("too_few_fields", count=len(fields), minimum=MIN_FIELDS)
    today = _today(today)
    id_number = _id_number(fields[0])
    old_id_number = _old_id_number(fields[1])
    name = _name(fields[2])
    birth_date = _date(fields[3], "birth_date")
    sex = _sex(fields[4])
    address = _address(fields[5])
    issue_date = _date(fields[6], "issue_date")
    _cross_check(id_number, sex, birth_date)
    _check_times(birth_date, issue_date, today)
    return CccdCard(id_number, old_id_number, name, birth_date, sex, address, issue_date, tuple(fields[7:]))


def _trim_scanner_affixes(text: str) -> str:
    text = text.removeprefix("\ufeff")
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith(("\r", "\n")) else text


def _today(today: date | None) -> date:
    if today is None:
        return datetime.now(VIETNAM).date()
    if isinstance(today, datetime):
        return today.date()
    if not isinstance(today, date):
        raise TypeError("today must be a datetime.date")
    return today


def _id_number(field: str) -> str:
    if not _DIGITS_12.fullmatch(field):
        if is_azerty_digits(field):
            raise _error("keyboard_layout", field="id_number", detail="azerty_digits")
        raise _error("bad_id_number", field="id_number")
    if not 1 <= int(field[:3]) <= 96:
        raise _error("bad_province", field="id_number", code=field[:3])
    return field


def _old_id_number(field: str) -> str | None:
    if field == "":
        return None
    if not _OLD_ID.fullmatch(field):
        raise _error("bad_old_id_number", field="old_id_number")
    return field


def _name(field: str) -> str:
    name = unicodedata.normalize("NFC", field)
    if damage := find_field_damage(name, kind="name"):
        raise _error("mojibake", field="name", detail=damage)
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME_LENGTH or not all(_is_name_word(word) for word in name.split(" ")):
        raise _error("bad_name", field="name", limit=MAX_NAME_LENGTH)
    return name


def _is_name_word(word: str) -> bool:
    parts = _APOSTROPHES.split(word)
    return all(part and all(char in LETTERS for char in part) for part in parts)


def _sex(field: str) -> Sex:
    sex = unicodedata.normalize("NFC", field)
    for known in _SEXES:
        if sex == known:
            return known
    if is_caps_lock(sex, _SEXES):
        raise _error("keyboard_layout", field="sex", detail="caps_lock")
    if damage := find_field_damage(sex, kind="sex"):
        raise _error("mojibake", field="sex", detail=damage)
    raise _error("bad_sex", field="sex")


def _address(field: str) -> str:
    address = unicodedata.normalize("NFC", field)
    if damage := find_field_damage(address, kind="address"):
        raise _error("mojibake", field="address", detail=damage)
    address = " ".join(address.split())
    if not address:
        raise _error("bad_address", field="address")
    return address


def _date(field: str, which: str) -> date:
    if not _DATE.fullmatch(field):
        raise _error("bad_date", field=which, value=field)
    try:
        return date(int(field[4:]), int(field[2:4]), int(field[:2]))
    except ValueError as exc:  # 31/02, month 13, year 0000
        raise _error("bad_date", field=which, value=field) from exc


def _cross_check(id_number: str, sex: Sex, birth_date: date) -> None:
    digit = int(id_number[3])
    id_sex: Sex = "Nam" if digit % 2 == 0 else "Nữ"
    if id_sex != sex:
        raise _error("sex_mismatch", field="sex", digit=digit, id_sex=id_sex, sex=sex)
    century = 1900 + 100 * (digit // 2)
    if not century <= birth_date.year < century + 100:
        raise _error("century_mismatch", field="birth_date", digit=digit, first=century,
                     last=century + 99, year=birth_date.year)
    if int(id_number[4:6]) != birth_date.year % 100:
        raise _error("birth_year_mismatch", field="birth_date", digits=id_number[4:6], year=birth_date.year)


def _check_times(birth_date: date, issue_date: date, today: date) -> None:
    if birth_date > today:
        raise _error("future_date", field="birth_date", value=birth_date)
    if issue_date > today:
        raise _error("future_date", field="issue_date", value=issue_date)
    age = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
    if age > MAX_AGE:
        raise _error("implausible_age", field="birth_date", age=age, limit=MAX_AGE)
    if issue_date < birth_date:
        raise _error("issue_before_birth", field="issue_date", issue=issue_date, birth=birth_date)
    if issue_date < EARLIEST_ISSUE:
        raise _error("issue_too_early", field="issue_date", value=issue_date, earliest=EARLIEST_ISSUE)
