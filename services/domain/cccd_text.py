"""Text rules for the chip ID card (CCCD) QR: Vietnamese letters, and the garbling that scanners produce.

A CCCD QR holds UTF-8 text. A USB scanner in keyboard ("HID") mode types it out key by key, and the
host turns keys back into characters by its own keyboard layout and code page, so the Vietnamese
letters arrive mangled in a few recognisable ways:

- UTF-8 bytes shown as Windows-1252 / Latin-1 / Windows-1258 (Alt+0xxx codes, or a wrong decode):
  ``Nữ`` -> ``Ná»¯``, ``Hà Nội`` -> ``HÃ  Ná»™i``, ``Đ`` -> ``Ä``;
- the same bytes shown as DOS code page 437/850 (Alt+xxx without the leading 0): ``Nß╗»``;
  as GBK / Big5 / Shift-JIS (scanners set to a Chinese default): ``N峄瘄``; as KOI8-R, Mac Roman ...;
- U+FFFD or ``?`` where a letter could not be represented;
- letters dropped altogether (many scanners skip bytes above 0x7F): ``Trần`` -> ``Trn``, ``Nữ`` -> ``N``;
- a Vietnamese input method's keystrokes left as plain ASCII: Telex ``Nguyeenx`` / ``Nuwx``,
  VNI ``Nguye64n`` / ``Nu74``;
- a host layout that is not US: AZERTY turns the digit row into ``&é"'(-è_çà`` and ``|`` into ``µ``;
  Caps Lock swaps the case (``nAM``).

Each detector returns a short *kind* string (kept in ``CccdError.detail``), or None. Pure functions.
"""
from __future__ import annotations

import re
import unicodedata

# ---- Vietnamese letters -------------------------------------------------------------------------
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # none, huyền, sắc, hỏi, ngã, nặng
_VOWEL_SHAPES = {"a": ("", "\u0306", "\u0302"), "e": ("", "\u0302"), "i": ("",),
                 "o": ("", "\u0302", "\u031b"), "u": ("", "\u031b"), "y": ("",)}


def _vietnamese_letters() -> tuple[frozenset[str], frozenset[str]]:
    vowels: set[str] = set()
    for base, shapes in _VOWEL_SHAPES.items():
        for shape in shapes:
            for tone in _TONES:
                letter = unicodedata.normalize("NFC", base + shape + tone)
                assert len(letter) == 1, letter  # every Vietnamese vowel has a precomposed form
                vowels.update((letter, letter.upper()))
    # All 26 Latin letters: f, j, w, z occur in ethnic-minority and foreign-origin names.
    letters = vowels | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZĐđ")
    return frozenset(letters), frozenset(vowels)


LETTERS, VOWELS = _vietnamese_letters()

# ---- wrong code page ----------------------------------------------------------------------------
_CODEPAGES = ("latin-1", "cp1252", "cp1258")


def _decoded(byte_values: range) -> frozenset[str]:
    out: set[str] = set()
    for value in byte_values:
        for codepage in _CODEPAGES:
            try:
                char = bytes([value]).decode(codepage)
            except UnicodeDecodeError:
                continue
            if not unicodedata.combining(char):
                out.add(char)
    return frozenset(out)


# UTF-8 continuation bytes (0x80-0xBF) shown as single-byte code-page characters: C1 controls and
# Latin-1 symbols (never in a CCCD), and cp1252's ‚ „ ‘ ’ “ ” – — Š š Œ œ Ž ž Ÿ ƒ, which are only
# suspicious right after the lead byte of a Vietnamese letter outside U+1Exx: 0xC2-0xC6, shown as
# Â Ã Ä Å Æ (or Ă in cp1258). So "Ä‘" (đ) and "Ã”" (Ô) are caught, and "Hà–Nội" is not.
_LEADS = _decoded(range(0xC2, 0xC7))
_CONTINUATIONS = _decoded(range(0x80, 0xC0))
_FOREIGN_CATEGORIES = frozenset({"So", "Sm", "Sk", "Sc", "No", "Po", "Co", "Cs", "Cn", "Lo", "Lm", "Zs"})


def _is_foreign(char: str) -> bool:
    """A character no CCCD field contains, which wrong decodings produce in plenty."""
    if char < "\u0080":
        return False
    if char <= "\u00bf":  # C1 controls and Latin-1 symbols: UTF-8 continuation bytes in disguise
        return True
    category = unicodedata.category(char)
    if category in _FOREIGN_CATEGORIES:  # box drawing (cp437), math (Mac Roman), CJK, private use ...
        return True
    return category[0] == "L" and not unicodedata.name(char, "").startswith("LATIN")  # Cyrillic, Greek


def find_wrong_decoding(text: str) -> str | None:
    """Kind of code-page garbling in the whole QR text, or None."""
    if "\ufffd" in text:
        return "replacement_char"
    previous = ""
    for char in text:
        foreign = _is_foreign(char)
        if char in _CONTINUATIONS and (foreign or previous in _LEADS):
            return "utf8_as_single_byte"
        if foreign:
            return "foreign_characters"  # box drawing (cp437), CJK (GBK, Big5), Cyrillic (KOI8-R) ...
        previous = char
    return None


# ---- keyboard layout ----------------------------------------------------------------------------
_AZERTY_DIGITS = frozenset("&é\"'(-è_çà§!")  # French and Belgian AZERTY digit row, unshifted


def find_layout_damage(text: str) -> str | None:
    """Kind of keyboard-layout damage when the text has lost its ``|`` separators, or None."""
    head = text[:12]
    if len(head) == 12 and all(char in _AZERTY_DIGITS for char in head):
        return "azerty_digits"
    if len(text) > 12 and head.isascii() and head.isdigit():
        separator = text[12]
        if separator != "|" and text.count(separator) >= 6:
            return "wrong_separator"
    return None


def is_azerty_digits(field: str) -> bool:
    return bool(field) and all(char in _AZERTY_DIGITS for char in field)


# ---- damage inside a text field -----------------------------------------------------------------
_VNI_IN_NAME = re.compile(r"[A-Za-z][0-9]")
_VNI_IN_ADDRESS = re.compile(r"[aeiouy][1-9]{1,2}(?![0-9])")
_TELEX_VOWEL_MARKS = re.compile(r"aa|ee|oo|dd|[aou]w", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")


def _telex_marks(field: str) -> int:
    """How many Telex keystroke leftovers the ASCII-only `field` holds (see find_field_damage)."""
    marks = 0
    for word in _WORD.findall(field):
        marks += len(_TELEX_VOWEL_MARKS.findall(word))
        if len(word) > 1 and word[-1] in "fjxFJX":  # tone keys huyền/nặng/ngã typed after a syllable
            marks += 1
    return marks


def _has_vowel(word: str) -> bool:
    return any(char in VOWELS for char in word)


def find_field_damage(field: str, *, kind: str) -> str | None:
    """Kind of scanner damage in one NFC field: `kind` is "name", "sex" or "address"."""
    if "?" in field:
        return "question_marks"
    if kind == "address":
        return "vni" if len(_VNI_IN_ADDRESS.findall(field)) >= 2 else None
    if _VNI_IN_NAME.search(field):
        return "vni"
    if field.isascii() and _telex_marks(field) >= 2:
        # Two marks, not one: "Lee" or "Ksor" alone are real names; "Lee Vawn" is Telex for "Lê Văn".
        return "telex"
    if kind == "sex" and field.casefold() in {"n", "nu"}:
        return "dropped_letters"
    if any(len(word) > 1 and not _has_vowel(word) for word in _WORD.findall(field)):
        return "dropped_letters"  # "Trn Th B": every Vietnamese syllable has a vowel
    return None


def is_caps_lock(field: str, expected: tuple[str, ...]) -> bool:
    return field in {word.swapcase() for word in expected}
