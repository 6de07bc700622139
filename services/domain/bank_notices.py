"""Bank transfer notices from payment gateways (SePay, payOS), and matching them to fees.

Pure: the web layer reads the request, calls `check_sepay_auth` / `check_payos_signature`,
then `parse_sepay` / `parse_payos`, stores the transfer once per `BankTransfer.key` (gateways
retry: SePay up to 7 times), and applies `match_transfer`. It answers SePay `{"success": true}`
with a 2xx, and payOS a 2xx, also for notices it keeps but cannot match, so they stop retrying.

The `BankTransfer.gateway_id` (dedupe key within a gateway):
- SePay: its transaction `id`, which SePay documents as the key to deduplicate on.
- payOS: `"{orderCode}:{reference}"`. `reference` is the bank's reference of that one transfer;
  `orderCode` alone is the payment link, which can receive more than one transfer (a second
  or partial payment), so it is not enough; together they name one transfer of one link.
"""
from __future__ import annotations

import copy
import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Literal, Mapping
from zoneinfo import ZoneInfo

from .errors import InvalidInput
from .fee_matching import OUTCOMES, FeeDue, Outcome, match_transfer
from .fee_references import find_references, new_reference
from .payos_signature import check_payos_signature, payos_signature

__all__ = ["OUTCOMES", "VN", "BankNoticeError", "BankTransfer", "FeeDue", "Outcome", "check_payos_signature",
           "check_sepay_auth", "find_references", "match_transfer", "new_reference", "parse_payos", "parse_sepay",
           "payos_signature"]

VN = ZoneInfo("Asia/Ho_Chi_Minh")
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
                       r"(Z|[+-][0-9]{2}:[0-9]{2})?", re.ASCII)
_APIKEY = re.compile(r"\s*apikey[ \t]+(\S(?:.*\S)?)\s*", re.IGNORECASE | re.DOTALL)
_TYPES = {"int": ("số nguyên", "an integer"), "str": ("chuỗi ký tự", "a string"),
          "bool": ("true hoặc false", "true or false"), "object": ("đối tượng JSON", "a JSON object")}


class BankNoticeError(InvalidInput):
    """A gateway notice was refused; `reason`: not_object, missing_field, bad_type, bad_value, not_paid."""

    def __init__(self, reason: str, message_vi: str, message_en: str) -> None:
        super().__init__(message_vi, message_en)
        self.reason = reason

    def as_dict(self) -> dict[str, str]:
        return {**super().as_dict(), "reason": self.reason}


@dataclass(frozen=True)
class BankTransfer:
    gateway: Literal["sepay", "payos"]
    gateway_id: str
    amount: int  # VND
    content: str  # the transfer's free text as the bank passed it on
    account: str  # the office's account that received (or sent) the money
    occurred_at: datetime  # aware, Asia/Ho_Chi_Minh
    direction: Literal["in", "out"]
    raw: Mapping[str, Any] = field(compare=False, hash=False, repr=False)

    @property
    def key(self) -> str:
        """Unique across gateways: store each transfer once under this key."""
        return f"{self.gateway}:{self.gateway_id}"


def check_sepay_auth(header_value: str | None, api_key: str) -> bool:
    """True when the `Authorization` header is `Apikey <api_key>` (scheme in any case).

    An empty configured key never authenticates; the key is compared in constant time.
    """
    if not api_key or not isinstance(header_value, str):
        return False
    match = _APIKEY.fullmatch(header_value)
    if match is None:
        return False
    return hmac.compare_digest(match.group(1).encode("utf-8"), api_key.encode("utf-8"))


def parse_sepay(body: Mapping[str, Any]) -> BankTransfer:
    """A SePay webhook body as a `BankTransfer`, refusing wrong or missing fields precisely."""
    body = _object(body, "body")
    gid = _get(body, "id", "int")
    if gid < 0:
        raise _bad_value("id", gid)
    direction = _get(body, "transferType", "str")
    if direction not in ("in", "out"):
        raise _bad_value("transferType", direction, "in, out")
    _get(body, "gateway", "str")
    for name in ("code", "subAccount", "referenceCode", "description"):
        _get(body, name, "str", required=False)
    _get(body, "accumulated", "int", required=False)
    return BankTransfer(gateway="sepay", gateway_id=str(gid), amount=_amount(body, "transferAmount"),
                        content=_get(body, "content", "str"), account=_text(body, "accountNumber"),
                        occurred_at=_local_time(body, "transactionDate"), direction=direction,
                        raw=_frozen(body))


def parse_payos(body: Mapping[str, Any]) -> BankTransfer:
    """A payOS webhook body as a `BankTransfer`. Check `check_payos_signature` first.

    Only successful payments (code "00", success true, data.code "00") are transfers.
    """
    body = _object(body, "body")
    data = _get(body, "data", "object")
    code, success = _get(body, "code", "str"), _get(body, "success", "bool")
    inner = _get(data, "code", "str", "data.")
    if code != "00" or success is not True or inner != "00":
        desc = body.get("desc") if isinstance(body.get("desc"), str) else ""
        raise BankNoticeError("not_paid", f"payOS báo không có thanh toán thành công (mã {code}/{inner}) {desc}".strip(),
                              f"payOS reports no successful payment (code {code}/{inner}) {desc}".strip())
    currency = _get(data, "currency", "str", "data.", required=False)
    if currency not in (None, "VND"):
        raise _bad_value("data.currency", currency, "VND")
    order = _get(data, "orderCode", "int", "data.")
    for name in ("paymentLinkId", "desc", "counterAccountBankId", "counterAccountBankName",
                 "counterAccountName", "counterAccountNumber", "virtualAccountName", "virtualAccountNumber"):
        _get(data, name, "str", "data.", required=False)
    return BankTransfer(gateway="payos", gateway_id=f"{order}:{_text(data, 'reference', 'data.')}",
                        amount=_amount(data, "amount", "data."),
                        content=_get(data, "description", "str", "data."), account=_text(data, "accountNumber", "data."),
                        occurred_at=_local_time(data, "transactionDateTime", "data."), direction="in",
                        raw=_frozen(body))


# --- field checks ----------------------------------------------------------------------------------

def _object(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BankNoticeError("not_object", f"{name} phải là đối tượng JSON", f"{name} must be a JSON object")
    return value


def _get(body: Mapping[str, Any], name: str, kind: str, where: str = "", *, required: bool = True) -> Any:
    """The field's value if of `kind`; optional fields may be absent or null (then None)."""
    if name not in body or (body[name] is None and not required):
        if required:
            raise BankNoticeError("missing_field", f"Thiếu trường {where}{name}",
                                  f"Field {where}{name} is missing")
        return None
    value = body[name]
    ok = {"int": isinstance(value, int) and not isinstance(value, bool), "str": isinstance(value, str),
          "bool": isinstance(value, bool), "object": isinstance(value, Mapping)}[kind]
    if not ok:
        vi, en = _TYPES[kind]
        raise BankNoticeError("bad_type", f"Trường {where}{name} phải là {vi}, không phải {value!r}",
                              f"Field {where}{name} must be {en}, not {value!r}")
    return value


def _text(body: Mapping[str, Any], name: str, where: str = "") -> str:
    value = _get(body, name, "str", where)
    if not value.strip():
        raise _bad_value(f"{where}{name}", value, "không được trống", "must not be empty")
    return value


def _amount(body: Mapping[str, Any], name: str, where: str = "") -> int:
    value = _get(body, name, "int", where)
    if value <= 0:
        raise _bad_value(f"{where}{name}", value, "> 0")
    return value


def _local_time(body: Mapping[str, Any], name: str, where: str = "") -> datetime:
    """`YYYY-MM-DD HH:MM:SS` in Viet Nam time (as both gateways send it); an offset, if any, is honoured."""
    value = _get(body, name, "str", where)
    if not _DATETIME.fullmatch(value):
        raise _bad_value(f"{where}{name}", value, "YYYY-MM-DD HH:MM:SS")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _bad_value(f"{where}{name}", value, "YYYY-MM-DD HH:MM:SS") from exc
    return moment.replace(tzinfo=VN) if moment.tzinfo is None else moment.astimezone(VN)


def _bad_value(name: str, value: Any, hint_vi: str = "", hint_en: str | None = None) -> BankNoticeError:
    hint_en = hint_vi if hint_en is None else hint_en
    return BankNoticeError(
        "bad_value", f"Giá trị {value!r} của trường {name} không hợp lệ" + (f" ({hint_vi})" if hint_vi else ""),
        f"Invalid value {value!r} for field {name}" + (f" ({hint_en})" if hint_en else ""))


def _frozen(body: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(copy.deepcopy(dict(body)))
