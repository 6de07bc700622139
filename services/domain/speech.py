"""Spoken Vietnamese for ticket calls: numbers, ticket labels and announcements.

Pure functions, standard library only. All spoken output is lower case except the
first word of an announcement ("Mời"), with words separated by single spaces.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "MAX_NUMBER",
    "SpeechStyle",
    "DEFAULT_STYLE",
    "LETTER_NAMES",
    "VOCABULARY",
    "read_number",
    "spell_ticket",
    "announcement",
    "announcement_display",
    "announcement_segments",
]

#: Largest number `read_number` accepts (below "một tỷ tỷ").
MAX_NUMBER = 10**18 - 1

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_ASCII_DIGITS = frozenset("0123456789")

_ZERO_TENS_OPTIONS = ("linh", "lẻ")
_FOUR_OPTIONS = ("bốn", "tư")
_THOUSAND_OPTIONS = ("nghìn", "ngàn")

#: Vietnamese names of the Latin letters (Đ has its own; other accented letters use their base).
LETTER_NAMES: Mapping[str, str] = {
    "A": "a",
    "B": "bê",
    "C": "xê",
    "D": "dê",
    "Đ": "đê",
    "E": "e",
    "F": "ép",
    "G": "giê",
    "H": "hát",
    "I": "i",
    "J": "gi",
    "K": "ca",
    "L": "e lờ",
    "M": "em mờ",
    "N": "en nờ",
    "O": "o",
    "P": "pê",
    "Q": "quy",
    "R": "e rờ",
    "S": "ét xì",
    "T": "tê",
    "U": "u",
    "V": "vê",
    "W": "vê kép",
    "X": "ích xì",
    "Y": "i dài",
    "Z": "dét",
}

#: Characters skipped between the parts of a label (whitespace is skipped too).
_SEPARATORS = frozenset("-‐‑–—_./·:")

_INTRO = ("Mời", "công", "dân", "có", "số")
_TO_COUNTER = ("đến", "quầy", "số")

#: Every word (lower case) that any spoken output of this module can contain,
#: i.e. the complete set of audio clips needed for `announcement_segments`.
VOCABULARY: frozenset[str] = frozenset(
    {*_DIGITS, "mười", "mươi", "mốt", "lăm", "trăm", "triệu", "tỷ"}
    | set(_ZERO_TENS_OPTIONS)
    | set(_FOUR_OPTIONS)
    | set(_THOUSAND_OPTIONS)
    | {word for name in LETTER_NAMES.values() for word in name.split()}
    | {word.lower() for word in (*_INTRO, *_TO_COUNTER)}
)


def _option_error(field: str, value: object, allowed: tuple[str, ...]) -> ValueError:
    choices = ", ".join(allowed)
    return ValueError(
        f"Giá trị không hợp lệ cho '{field}': {value!r} (chỉ chấp nhận: {choices})"
        f" / Invalid value for '{field}': {value!r} (allowed: {choices})"
    )


@dataclass(frozen=True)
class SpeechStyle:
    """Regional reading choices; defaults are the northern standard (linh, bốn, nghìn)."""

    zero_tens: str = "linh"  # 104: "một trăm linh bốn" / "một trăm lẻ bốn"
    four: str = "bốn"  # 24: "hai mươi bốn" / "hai mươi tư" (only after "mươi")
    thousand: str = "nghìn"  # 1000: "một nghìn" / "một ngàn"

    _OPTIONS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "zero_tens": _ZERO_TENS_OPTIONS,
        "four": _FOUR_OPTIONS,
        "thousand": _THOUSAND_OPTIONS,
    }

    def __post_init__(self) -> None:
        for field, allowed in self._OPTIONS.items():
            value = getattr(self, field)
            if not isinstance(value, str) or value not in allowed:
                raise _option_error(field, value, allowed)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> SpeechStyle:
        """Build from config such as {"zero_tens": "lẻ", "thousand": "ngàn"}; missing keys keep defaults.

        Values are trimmed, lower-cased and NFC-normalised; unknown keys, non-strings and
        unsupported values raise ValueError.
        """
        if not isinstance(data, Mapping):
            raise ValueError(
                f"Cấu hình giọng đọc phải là một bảng khoá/giá trị, nhận được {type(data).__name__}"
                f" / Speech style must be a mapping, got {type(data).__name__}"
            )
        unknown = sorted(str(key) for key in data if key not in cls._OPTIONS)
        if unknown:
            known = ", ".join(cls._OPTIONS)
            raise ValueError(
                f"Khoá cấu hình giọng đọc không hợp lệ: {', '.join(unknown)} (chỉ có: {known})"
                f" / Unknown speech style keys: {', '.join(unknown)} (known: {known})"
            )
        values: dict[str, str] = {}
        for field, raw in data.items():
            allowed = cls._OPTIONS[field]
            if not isinstance(raw, str):
                raise _option_error(field, raw, allowed)
            value = unicodedata.normalize("NFC", raw).strip().lower()
            if value not in allowed:
                raise _option_error(field, raw, allowed)
            values[field] = value
        return cls(**values)

    def to_mapping(self) -> dict[str, str]:
        """The inverse of `from_mapping`."""
        return {"zero_tens": self.zero_tens, "four": self.four, "thousand": self.thousand}


DEFAULT_STYLE = SpeechStyle()


# --- numbers -------------------------------------------------------------------------------


def _triple_words(value: int, *, full: bool, style: SpeechStyle) -> list[str]:
    """Words for a nonzero group 1..999; `full` means a higher group was spoken ("không trăm")."""
    hundreds, tens, units = value // 100, value // 10 % 10, value % 10
    words: list[str] = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
        if tens == 0:
            if units:
                words += [style.zero_tens, _DIGITS[units]]  # 105: "linh năm", never "linh lăm"
            return words
    if tens == 0:
        words.append(_DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units == 5:
            words.append("lăm")
        elif units:
            words.append(_DIGITS[units])  # 11: "mười một", 14: "mười bốn"
    else:
        words += [_DIGITS[tens], "mươi"]
        if units == 1:
            words.append("mốt")
        elif units == 4:
            words.append(style.four)
        elif units == 5:
            words.append("lăm")
        elif units:
            words.append(_DIGITS[units])
    return words


def _below_billion_words(n: int, *, full: bool, style: SpeechStyle) -> list[str]:
    """Words for 1..999_999_999; all-zero groups are skipped entirely."""
    words: list[str] = []
    for value, unit in ((n // 1_000_000 % 1000, "triệu"), (n // 1000 % 1000, style.thousand), (n % 1000, "")):
        if value == 0:
            continue
        words += _triple_words(value, full=full, style=style)
        if unit:
            words.append(unit)
        full = True
    return words


def _number_words(n: int, style: SpeechStyle) -> list[str]:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"read_number expects an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"Không đọc được số âm: {n} / Cannot read a negative number: {n}")
    if n > MAX_NUMBER:
        raise ValueError(f"Số quá lớn để đọc: {n} / Number too large to read (max {MAX_NUMBER}): {n}")
    if n == 0:
        return [_DIGITS[0]]
    billions, rest = divmod(n, 1_000_000_000)
    if not billions:
        return _below_billion_words(rest, full=False, style=style)
    words = _below_billion_words(billions, full=False, style=style) + ["tỷ"]
    if rest:
        words += _below_billion_words(rest, full=True, style=style)
    return words


def read_number(
    n: int,
    *,
    zero_tens: str = "linh",
    four: str = "bốn",
    thousand: str = "nghìn",
) -> str:
    """Vietnamese reading of 0..MAX_NUMBER, e.g. 1023 -> "một nghìn không trăm hai mươi ba".

    `zero_tens` ("linh"/"lẻ") is said for a zero tens digit (104), `four` ("bốn"/"tư") is the
    unit 4 after "mươi" only (24, 34, ...; never 4, 14 or 104), `thousand` is "nghìn"/"ngàn".
    Raises ValueError for negative or too large numbers and unsupported options.
    """
    style = SpeechStyle(zero_tens=zero_tens, four=four, thousand=thousand)
    return " ".join(_number_words(n, style))


# --- labels and announcements --------------------------------------------------------------


def _letter_words(char: str, label: str) -> list[str]:
    upper = char.upper()
    if upper == "Đ":
        return [LETTER_NAMES["Đ"]]
    decomposed = unicodedata.normalize("NFD", char)
    base = decomposed[0].upper()
    marks_only = all(unicodedata.combining(mark) for mark in decomposed[1:])
    if len(base) == 1 and base in LETTER_NAMES and marks_only:
        return LETTER_NAMES[base].split()
    raise ValueError(
        f"Không đọc được ký tự {char!r} trong {label!r} / Unreadable character {char!r} in {label!r}"
    )


_TICKET = ("số phiếu", "ticket number")
_COUNTER = ("số quầy", "counter number")


def _label_words(label: str, style: SpeechStyle, what: tuple[str, str] = _TICKET) -> list[str]:
    """Letters one by one, each digit run as a number (leading zeros ignored), separators skipped."""
    if not isinstance(label, str):
        raise TypeError(f"{what[1]} must be a str, got {type(label).__name__}")
    text = unicodedata.normalize("NFC", label).strip()
    if not text:
        raise ValueError(f"Thiếu {what[0]} / Missing {what[1]}")
    words: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in _ASCII_DIGITS:
            j = i
            while j < len(text) and text[j] in _ASCII_DIGITS:
                j += 1
            run = text[i:j]
            if len(run.lstrip("0")) > len(str(MAX_NUMBER)):
                raise ValueError(f"Số quá dài trong {label!r} / Number too long in {label!r}")
            words += _number_words(int(run), style)
            i = j
        elif char.isspace() or char in _SEPARATORS:
            i += 1
        else:
            words += _letter_words(char, label)
            i += 1
    if not words:
        raise ValueError(
            f"Không có chữ hoặc số để đọc trong {label!r} / No letters or digits to read in {label!r}"
        )
    return words


def spell_ticket(label: str, style: SpeechStyle = DEFAULT_STYLE) -> str:
    """Spoken ticket label: "HT-015" -> "hát tê mười lăm". Raises ValueError if unreadable."""
    return " ".join(_label_words(label, style))


def announcement_segments(label: str, counter: str, style: SpeechStyle = DEFAULT_STYLE) -> list[str]:
    """The announcement as single words (Vietnamese words are one syllable each), in order.

    Word level is chosen so a fixed, small set of recordings (`VOCABULARY`) covers every
    possible call; look clips up with `segment.lower()` (only the first word, "Mời", is
    capitalised). `" ".join(segments) == announcement(label, counter, style)`.
    """
    return [
        *_INTRO,
        *_label_words(label, style),
        *_TO_COUNTER,
        *_label_words(counter, style, _COUNTER),
    ]


def announcement(label: str, counter: str, style: SpeechStyle = DEFAULT_STYLE) -> str:
    """Spoken call, e.g. ("1023", "3") -> "Mời công dân có số một nghìn không trăm hai mươi ba đến quầy số ba".

    Numeric counters are read as numbers; other counters are spelled like ticket labels.
    """
    return " ".join(announcement_segments(label, counter, style))


def announcement_display(label: str, counter: str) -> str:
    """Written call, e.g. ("1023", "3") -> "Mời công dân có số 1023 đến quầy số 3"."""
    _label_words(label, DEFAULT_STYLE)
    _label_words(counter, DEFAULT_STYLE, _COUNTER)
    ticket = unicodedata.normalize("NFC", label).strip()
    desk = unicodedata.normalize("NFC", counter).strip()
    return f"Mời công dân có số {ticket} đến quầy số {desk}"
