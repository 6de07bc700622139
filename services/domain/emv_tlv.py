"""EMVCo merchant-presented QR building blocks: ID-length-value fields and the CRC.

Pure and small on purpose; the NAPAS VietQR profile on top of it is in `vietqr.py`.
Each data object is a 2-digit ID, a 2-digit length (01-99) and that many characters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

MAX_VALUE = 99
_DIGITS2 = re.compile(r"[0-9]{2}", re.ASCII)
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}", re.ASCII)


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, xorout 0.

    `crc16_ccitt_false(b"123456789") == 0x29B1`.
    """
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def crc_hex(text: str) -> str:
    """The 4 upper-case hex digits EMVCo writes after `6304`."""
    return f"{crc16_ccitt_false(text.encode('ascii')):04X}"


class TLVError(ValueError):
    """A structural fault in a TLV string; `reason` is a stable code, `detail` says where."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Field:
    tag: str
    value: str
    offset: int  # where the field starts in the text it was parsed from


def tlv(tag: str, value: str) -> str:
    """One data object. The caller guarantees 1 <= len(value) <= 99 (checked here too)."""
    if not _DIGITS2.fullmatch(tag) or not 1 <= len(value) <= MAX_VALUE:
        raise TLVError("bad_length", f"{tag}:{len(value)}")
    return f"{tag}{len(value):02d}{value}"


def parse_tlv(text: str, where: str = "") -> list[Field]:
    """Split `text` into data objects, refusing anything that does not add up exactly.

    Reasons: `bad_tag` (ID not two digits), `bad_length` (length not two digits or 00),
    `truncated` (the text ends inside a header or a value), `duplicate_tag`.
    `where` names the enclosing template (e.g. "38.") for messages.
    """
    fields: list[Field] = []
    seen: set[str] = set()
    for field in _walk(text, where):
        if field.tag in seen:
            raise TLVError("duplicate_tag", f"{where}{field.tag}@{field.offset}")
        seen.add(field.tag)
        fields.append(field)
    return fields


def split_crc(payload: str) -> tuple[list[Field], str]:
    """Parse a whole payload whose last data object is the CRC (ID 63, length 04).

    Returns the fields before the CRC and the CRC's 4 hex digits, upper-cased (lower-case
    hex is accepted). Extra reasons besides parse_tlv's: `trailing_data` (anything after
    the CRC), `crc_missing`, `bad_crc_format` (63 not 4 hex digits), `crc_mismatch`.
    """
    fields: list[Field] = []
    seen: set[str] = set()
    for field in _walk(payload, ""):
        if field.tag in seen:
            raise TLVError("duplicate_tag", f"{field.tag}@{field.offset}")
        seen.add(field.tag)
        if field.tag != "63":
            fields.append(field)
            continue
        if not _HEX4.fullmatch(field.value):
            raise TLVError("bad_crc_format", f"63:{field.value!r}")
        if field.offset + 8 != len(payload):
            raise TLVError("trailing_data", f"@{field.offset + 8}")
        expected = crc_hex(payload[:field.offset + 4])
        if field.value.upper() != expected:
            raise TLVError("crc_mismatch", f"{field.value}≠{expected}")
        return fields, expected
    raise TLVError("crc_missing", f"@{len(payload)}")


def _walk(text: str, where: str) -> Iterator[Field]:
    """Yield data objects one by one, so a CRC followed by garbage is seen before the garbage."""
    pos = 0
    while pos < len(text):
        if pos + 4 > len(text):
            raise TLVError("truncated", f"{where}@{pos}")
        tag, length = text[pos:pos + 2], text[pos + 2:pos + 4]
        if not _DIGITS2.fullmatch(tag):
            raise TLVError("bad_tag", f"{where}{tag!r}@{pos}")
        if not _DIGITS2.fullmatch(length) or length == "00":
            raise TLVError("bad_length", f"{where}{tag}:{length!r}@{pos}")
        end = pos + 4 + int(length)
        if end > len(text):
            raise TLVError("truncated", f"{where}{tag}@{pos}")
        yield Field(tag, text[pos + 4:end], pos)
        pos = end
