"""NAPAS VietQR (the EMVCo merchant-presented QR profile for bank transfers): encode and decode.

Pure: no I/O. The encoder writes fields in one canonical order (00 01 38 53 54 58 62 63) so
that decode -> encode gives back any payload the encoder made. The decoder is strict: every
length at every level must add up, the CRC must match, the NAPAS GUID, service code,
currency 704 and country VN must be there; anything else is refused with a `VietQRError`
whose `reason` is a stable code. Unknown top-level data objects (e.g. 52 merchant category,
59 merchant name) are accepted and kept in `fields`; unknown sub-fields of 62 in `additional`.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from .emv_tlv import TLVError, crc_hex, parse_tlv, split_crc, tlv
from .errors import InvalidInput

NAPAS_GUID = "A000000727"
SERVICE_ACCOUNT = "QRIBFTTA"  # transfer to an account
SERVICE_CARD = "QRIBFTTC"  # transfer to a card
TEXT_MAX = 25  # bill, reference, terminal and purpose (EMVCo 62.01-08: ans, up to 25)
PAYLOAD_MAX = 512  # far above any real VietQR; stops absurd input early

_BIN = re.compile(r"[0-9]{6}", re.ASCII)
_ACCOUNT = re.compile(r"[0-9A-Za-z]{1,19}", re.ASCII)
_CARD = re.compile(r"[0-9]{16,19}", re.ASCII)
_AMOUNT = re.compile(r"[1-9][0-9]{0,12}", re.ASCII)
_PRINTABLE = re.compile(r"[\x20-\x7e]*", re.ASCII)
_TEXT_TAGS = {"01": "bill", "05": "reference", "07": "terminal", "08": "purpose"}
_NAMES_VI = {"bill": "số hoá đơn", "reference": "mã tham chiếu", "terminal": "mã điểm thu",
             "purpose": "nội dung chuyển khoản"}

_STRUCTURE = {  # reason -> (vi, en) for faults found while splitting fields
    "bad_tag": ("Mã trường không phải 2 chữ số", "Field ID is not two digits"),
    "bad_length": ("Độ dài trường không phải 2 chữ số từ 01 đến 99", "Field length is not two digits 01-99"),
    "truncated": ("Mã bị cắt cụt: độ dài khai báo vượt quá dữ liệu",
                  "Payload cut short: a declared length runs past the end"),
    "duplicate_tag": ("Một trường xuất hiện hai lần", "A field appears twice"),
    "trailing_data": ("Có dữ liệu thừa sau mã kiểm tra CRC", "Extra data after the CRC"),
    "crc_missing": ("Thiếu mã kiểm tra CRC (trường 63) ở cuối", "The CRC (field 63) is missing at the end"),
    "bad_crc_format": ("Mã kiểm tra CRC phải là 4 chữ số hex", "The CRC must be 4 hex digits"),
    "crc_mismatch": ("Sai mã kiểm tra CRC: mã đã bị hỏng hoặc sửa", "CRC mismatch: the payload is damaged or altered"),
}


class VietQRError(InvalidInput):
    """A VietQR payload or input was refused; `reason` is a stable machine-readable code."""

    def __init__(self, reason: str, message_vi: str, message_en: str) -> None:
        super().__init__(message_vi, message_en)
        self.reason = reason

    def as_dict(self) -> dict[str, str]:
        return {**super().as_dict(), "reason": self.reason}


@dataclass(frozen=True)
class VietQR:
    bin: str
    account: str
    card: bool
    amount: int | None
    bill: str | None
    purpose: str | None
    reference: str | None
    terminal: str | None
    dynamic: bool
    crc: str
    fields: tuple[tuple[str, str], ...]  # top-level (ID, value) in payload order, CRC excluded
    additional: tuple[tuple[str, str], ...] = ()  # sub-fields of 62 this module does not name

    def encode(self) -> str:
        return encode_vietqr(bin=self.bin, account=self.account, card=self.card, amount=self.amount,
                             bill=self.bill, purpose=self.purpose, reference=self.reference,
                             terminal=self.terminal)

    def as_dict(self) -> dict[str, Any]:
        return {"bin": self.bin, "account": self.account, "card": self.card, "amount": self.amount,
                "bill": self.bill, "purpose": self.purpose, "reference": self.reference,
                "terminal": self.terminal, "dynamic": self.dynamic, "crc": self.crc,
                "fields": dict(self.fields), "additional": dict(self.additional)}


def unaccent(text: str) -> str:
    """Vietnamese to unaccented text: đ→d, Đ→D, every tone and vowel mark dropped.

    Other characters are left as they are; callers refuse what is still not ASCII.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def encode_vietqr(*, bin: str, account: str, card: bool = False, amount: int | None = None,
                  bill: str | None = None, purpose: str | None = None, reference: str | None = None,
                  terminal: str | None = None) -> str:
    """The VietQR payload for a transfer to `account` (or to a card number when `card`) at `bin`.

    With `amount` (integer VND) the code is dynamic (01=12). A purpose in Vietnamese is
    unaccented; any text that is still not printable ASCII, or longer than 25 characters,
    is refused, never cut.
    """
    _check_bin(bin)
    _check_account(account, card)
    if amount is not None and (type(amount) is not int or not _AMOUNT.fullmatch(str(amount))):
        raise _fail("bad_amount", f"Số tiền phải là số nguyên dương tối đa 13 chữ số (đồng), không phải {amount!r}",
                    f"Amount must be a positive whole number of VND, at most 13 digits, not {amount!r}")
    texts = {"bill": bill, "reference": reference, "terminal": terminal,
             "purpose": unaccent(purpose) if isinstance(purpose, str) else purpose}
    additional = "".join(tlv(tag, _check_text(name, texts[name]))
                         for tag, name in _TEXT_TAGS.items() if texts[name] is not None)
    if len(additional) > 99:
        raise _fail("additional_too_long",
                    f"Phần thông tin bổ sung dài {len(additional)} ký tự, tối đa 99: hãy rút gọn",
                    f"The additional data is {len(additional)} characters, at most 99: shorten it")
    merchant = (tlv("00", NAPAS_GUID) + tlv("01", tlv("00", bin) + tlv("01", account))
                + tlv("02", SERVICE_CARD if card else SERVICE_ACCOUNT))
    body = (tlv("00", "01") + tlv("01", "12" if amount is not None else "11") + tlv("38", merchant)
            + tlv("53", "704") + (tlv("54", str(amount)) if amount is not None else "")
            + tlv("58", "VN") + (tlv("62", additional) if additional else "") + "6304")
    return body + crc_hex(body)


def decode_vietqr(payload: str) -> VietQR:
    """Read a VietQR payload, refusing anything malformed with a `VietQRError`.

    The CRC is accepted in upper- or lower-case hex (reported upper-case).
    """
    if not isinstance(payload, str):
        raise _fail("not_text", "Mã VietQR phải là chuỗi ký tự", "A VietQR payload must be text")
    if len(payload) > PAYLOAD_MAX:
        raise _fail("too_long", f"Mã dài {len(payload)} ký tự, tối đa {PAYLOAD_MAX}",
                    f"The payload is {len(payload)} characters long, at most {PAYLOAD_MAX}")
    bad = _PRINTABLE.match(payload).end()  # type: ignore[union-attr]
    if bad < len(payload):
        raise _fail("bad_character", f"Ký tự không hợp lệ {payload[bad]!r} ở vị trí {bad} (chỉ ASCII in được)",
                    f"Invalid character {payload[bad]!r} at position {bad} (printable ASCII only)")
    fields, crc = _split(payload, split_crc)
    if not fields or fields[0].tag != "00":
        raise _fail("misplaced_field", "Trường 00 (phiên bản) phải đứng đầu",
                    "Field 00 (payload format) must come first")
    root = {f.tag: f.value for f in fields}
    _expect(root, "00", {"01"}, "bad_format_indicator")
    _expect(root, "01", {"11", "12"}, "bad_initiation")
    bin_, account, card = _merchant(_need(root, "38"))
    _expect(root, "53", {"704"}, "bad_currency")
    _expect(root, "58", {"VN"}, "bad_country")
    amount = root.get("54")
    if amount is not None and not _AMOUNT.fullmatch(amount):
        raise _fail("bad_amount", f"Số tiền {amount!r} không hợp lệ (số nguyên dương, tối đa 13 chữ số)",
                    f"Invalid amount {amount!r} (a positive whole number, at most 13 digits)")
    texts: dict[str, str] = {}
    others: list[tuple[str, str]] = []
    for sub in _split(root["62"], parse_tlv, "62.") if "62" in root else []:
        if sub.tag in _TEXT_TAGS:
            texts[_TEXT_TAGS[sub.tag]] = _check_text(_TEXT_TAGS[sub.tag], sub.value)
        else:
            others.append((sub.tag, sub.value))
    return VietQR(bin=bin_, account=account, card=card, amount=int(amount) if amount else None,
                  bill=texts.get("bill"), purpose=texts.get("purpose"),
                  reference=texts.get("reference"), terminal=texts.get("terminal"),
                  dynamic=root["01"] == "12", crc=crc,
                  fields=tuple((f.tag, f.value) for f in fields), additional=tuple(others))


def _merchant(value: str) -> tuple[str, str, bool]:
    sub = {f.tag: f.value for f in _split(value, parse_tlv, "38.")}
    _only(sub, {"00", "01", "02"}, "38")
    _expect(sub, "00", {NAPAS_GUID}, "bad_guid", "38.00")
    _expect(sub, "02", {SERVICE_ACCOUNT, SERVICE_CARD}, "bad_service", "38.02")
    beneficiary = {f.tag: f.value for f in _split(_need(sub, "01", "38.01"), parse_tlv, "38.01.")}
    _only(beneficiary, {"00", "01"}, "38.01")
    bin_ = _need(beneficiary, "00", "38.01.00")
    account = _need(beneficiary, "01", "38.01.01")
    card = sub["02"] == SERVICE_CARD
    _check_bin(bin_)
    _check_account(account, card)
    return bin_, account, card


def _split(text: str, parser: Any, *where: str) -> Any:
    try:
        return parser(text, *where)
    except TLVError as exc:
        vi, en = _STRUCTURE[exc.reason]
        raise _fail(exc.reason, f"{vi} ({exc.detail})", f"{en} ({exc.detail})") from exc


def _need(fields: dict[str, str], tag: str, name: str | None = None) -> str:
    if tag not in fields:
        raise _fail("missing_field", f"Thiếu trường bắt buộc {name or tag}", f"Required field {name or tag} is missing")
    return fields[tag]


def _expect(fields: dict[str, str], tag: str, allowed: set[str], reason: str, name: str | None = None) -> None:
    value = _need(fields, tag, name)
    if value not in allowed:
        want = " / ".join(sorted(allowed))
        raise _fail(reason, f"Trường {name or tag} là {value!r}, phải là {want}",
                    f"Field {name or tag} is {value!r}, must be {want}")


def _only(fields: dict[str, str], known: set[str], name: str) -> None:
    for tag in fields:
        if tag not in known:
            raise _fail("unexpected_field", f"Trường lạ {name}.{tag} trong thông tin tài khoản NAPAS",
                        f"Unexpected field {name}.{tag} in the NAPAS account information")


def _check_bin(bin_: object) -> None:
    if not isinstance(bin_, str) or not _BIN.fullmatch(bin_):
        raise _fail("bad_bin", f"Mã BIN ngân hàng phải gồm đúng 6 chữ số, không phải {bin_!r}",
                    f"The bank BIN must be exactly 6 digits, not {bin_!r}")


def _check_account(account: object, card: bool) -> None:
    if card and not (isinstance(account, str) and _CARD.fullmatch(account)):
        raise _fail("bad_card", f"Số thẻ phải gồm 16–19 chữ số, không phải {account!r}",
                    f"A card number must be 16-19 digits, not {account!r}")
    if not card and not (isinstance(account, str) and _ACCOUNT.fullmatch(account)):
        raise _fail("bad_account",
                    f"Số tài khoản phải gồm 1–19 chữ cái không dấu hoặc chữ số, không phải {account!r}",
                    f"An account number must be 1-19 unaccented letters or digits, not {account!r}")


def _check_text(name: str, value: object) -> str:
    label = _NAMES_VI[name]
    if not isinstance(value, str) or not value:
        raise _fail("empty_field", f"Trường {label} không được để trống", f"The {name} must not be empty")
    bad = _PRINTABLE.match(value).end()  # type: ignore[union-attr]
    if bad < len(value):
        raise _fail("unsupported_character", f"Ký tự {value[bad]!r} không dùng được trong {label} (chỉ chữ không dấu)",
                    f"Character {value[bad]!r} cannot be used in the {name} (unaccented text only)")
    if len(value) > TEXT_MAX:
        raise _fail("field_too_long", f"{label.capitalize()} dài {len(value)} ký tự, tối đa {TEXT_MAX}: hãy rút gọn",
                    f"The {name} is {len(value)} characters long, at most {TEXT_MAX}: shorten it")
    return value


def _fail(reason: str, vi: str, en: str) -> VietQRError:
    return VietQRError(reason, vi, en)
