"""Bank notices: SePay and payOS authentication and parsing, fee references, and the matching table."""
from __future__ import annotations

import hashlib
import hmac
import random
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.domain.bank_notices import (
    VN, BankNoticeError, FeeDue, Outcome, check_payos_signature, check_sepay_auth, find_references,
    match_transfer, new_reference, parse_payos, parse_sepay, payos_signature,
)
from services.domain.fee_matching import OUTCOMES
from services.domain.fee_references import ALPHABET, is_reference
from services.domain.vietqr import decode_vietqr, encode_vietqr

# --- SePay -----------------------------------------------------------------------------------------

def sepay_body(**changes: Any) -> dict[str, Any]:
    """A notice in SePay's documented shape (values made up)."""
    body: dict[str, Any] = {
        "id": 92704, "gateway": "Vietcombank", "transactionDate": "2026-03-25 14:02:37",
        "accountNumber": "0123499999", "code": None, "content": "MBVCB.3278907687.MCK7Q2XP.CT tu 0123 NGUYEN VAN A",
        "transferType": "in", "transferAmount": 50000, "accumulated": 19077000, "subAccount": None,
        "referenceCode": "MBVCB.3278907687", "description": "BankAPINotify MCK7Q2XP"}
    for key, value in changes.items():
        if value is ...:
            body.pop(key)
        else:
            body[key] = value
    return body


def test_sepay_notice_is_parsed() -> None:
    body = sepay_body()
    t = parse_sepay(body)
    assert (t.gateway, t.gateway_id, t.key, t.amount, t.account, t.direction) == (
        "sepay", "92704", "sepay:92704", 50000, "0123499999", "in")
    assert t.content == body["content"]
    assert t.occurred_at == datetime(2026, 3, 25, 14, 2, 37, tzinfo=VN)
    assert t.occurred_at.utcoffset() == timedelta(hours=7)
    body["content"] = "changed later"
    assert t.raw["content"] != "changed later"  # a copy, read-only
    with pytest.raises(TypeError):
        t.raw["id"] = 1  # type: ignore[index]


def test_sepay_times_with_an_offset_are_converted() -> None:
    t = parse_sepay(sepay_body(transactionDate="2026-03-25T07:02:37Z", transferType="out"))
    assert t.occurred_at == datetime(2026, 3, 25, 14, 2, 37, tzinfo=VN) and t.direction == "out"


@pytest.mark.parametrize("changes,reason", [
    (dict(id=...), "missing_field"), (dict(id="92704"), "bad_type"), (dict(id=True), "bad_type"),
    (dict(id=-1), "bad_value"), (dict(transferAmount=50000.0), "bad_type"), (dict(transferAmount="50000"), "bad_type"),
    (dict(transferAmount=0), "bad_value"), (dict(transferAmount=None), "bad_type"),
    (dict(transferType="IN"), "bad_value"), (dict(transferType=...), "missing_field"),
    (dict(transactionDate="25/03/2026 14:02"), "bad_value"), (dict(transactionDate="2026-02-30 10:00:00"), "bad_value"),
    (dict(transactionDate=1711350157), "bad_type"), (dict(accountNumber=""), "bad_value"),
    (dict(content=None), "bad_type"), (dict(content=...), "missing_field"), (dict(code=5), "bad_type"),
    (dict(gateway=...), "missing_field"), (dict(accumulated="19077000"), "bad_type"),
])
def test_sepay_refusals_are_precise(changes: dict, reason: str) -> None:
    with pytest.raises(BankNoticeError) as err:
        parse_sepay(sepay_body(**changes))
    assert err.value.reason == reason
    assert err.value.message_vi and err.value.message_en and err.value.as_dict()["reason"] == reason


def test_sepay_body_must_be_an_object() -> None:
    with pytest.raises(BankNoticeError) as err:
        parse_sepay([1, 2])  # type: ignore[arg-type]
    assert err.value.reason == "not_object"


@pytest.mark.parametrize("header,ok", [
    ("Apikey s3cret-KEY", True), ("apikey s3cret-KEY", True), ("APIKEY s3cret-KEY", True),
    ("  Apikey   s3cret-KEY  ", True), ("Apikey\ts3cret-KEY", True),
    ("Apikey s3cret-key", False), ("Apikey s3cret-KEYX", False), ("Apikey s3cret-KE", False),
    ("Apikey s3cret-KEY extra", False), ("Bearer s3cret-KEY", False), ("s3cret-KEY", False),
    ("Apikey", False), ("Apikey ", False), ("", False), (None, False), ("Apikeys3cret-KEY", False),
    ("Apikey khóa", False),
])
def test_sepay_auth_header_variants(header: str | None, ok: bool) -> None:
    assert check_sepay_auth(header, "s3cret-KEY") is ok


def test_sepay_auth_never_passes_with_an_empty_key_and_accepts_unicode_keys() -> None:
    assert not check_sepay_auth("Apikey ", "") and not check_sepay_auth("Apikey x", "")
    assert check_sepay_auth("Apikey khóa-bí-mật", "khóa-bí-mật")


# --- payOS -----------------------------------------------------------------------------------------

# The example on payOS's "Kiểm tra dữ liệu với signature" page: its checksum key, data and signature.
DOC_KEY = "1a54716c8f0efb2744fb28b6e38b25da7f67a925d98bc1c18bd8faaecadd7675"
DOC_BODY = {
    "code": "00", "desc": "success", "success": True,
    "data": {"orderCode": 123, "amount": 3000, "description": "VQRIO123", "accountNumber": "12345678",
             "reference": "TF230204212323", "transactionDateTime": "2023-02-04 18:25:00", "currency": "VND",
             "paymentLinkId": "124c33293c43417ab7879e14c8d9eb18", "code": "00", "desc": "Thành công",
             "counterAccountBankId": "", "counterAccountBankName": "", "counterAccountName": "",
             "counterAccountNumber": "", "virtualAccountName": "", "virtualAccountNumber": ""},
    "signature": "412e915d2871504ed31be63c8f62a149a4410d34c4c42affc9006ef9917eaa03",
}
KEY = "our-checksum-key"


def payos_body(key: str = KEY, **data_changes: Any) -> dict[str, Any]:
    data = {**DOC_BODY["data"], "orderCode": 260001, "amount": 50000, "description": "MCK7Q2XP Le phi",
            "reference": "FT26084123456789", "transactionDateTime": "2026-03-25 14:02:37",
            "counterAccountName": None, "counterAccountBankId": "970436", **data_changes}
    return {"code": "00", "desc": "success", "success": True, "data": data, "signature": payos_signature(data, key)}


def test_payos_documented_example_verifies() -> None:
    assert payos_signature(DOC_BODY["data"], DOC_KEY) == DOC_BODY["signature"]
    assert check_payos_signature(DOC_BODY, DOC_KEY)
    t = parse_payos(DOC_BODY)
    assert (t.gateway, t.gateway_id, t.amount, t.content, t.account, t.direction) == (
        "payos", "123:TF230204212323", 3000, "VQRIO123", "12345678", "in")
    assert t.occurred_at == datetime(2023, 2, 4, 18, 25, tzinfo=VN)


def test_payos_signature_checks() -> None:
    body = payos_body()
    assert check_payos_signature(body, KEY)
    reordered = {**body, "data": dict(reversed(list(body["data"].items())))}
    assert check_payos_signature(reordered, KEY)
    assert check_payos_signature({**body, "signature": body["signature"].upper()}, KEY)
    forged = {**body, "data": {**body["data"], "amount": 5000000}}
    assert not check_payos_signature(forged, KEY)
    assert not check_payos_signature({**body, "data": {**body["data"], "extra": "x"}}, KEY)
    assert not check_payos_signature(body, "another-key")
    assert not check_payos_signature(body, "")
    assert not check_payos_signature({k: v for k, v in body.items() if k != "signature"}, KEY)
    for bad in ("", "zz" * 32, body["signature"][:-1], "é" * 64, None, 12):
        assert not check_payos_signature({**body, "signature": bad}, KEY)
    assert not check_payos_signature({**body, "data": [1]}, KEY)
    assert not check_payos_signature("not a body", KEY)  # type: ignore[arg-type]


def test_payos_value_rendering() -> None:
    data = {"b": None, "a": "null", "c": "undefined", "d": True, "e": 1.0, "g": 2.5, "h": 0,
            "f": [{"y": 1, "x": "é"}, 3], "i": "Thành công & more"}
    text = 'a=&b=&c=&d=true&e=1&f=[{"x":"é","y":1},3]&g=2.5&h=0&i=Thành công & more'
    assert payos_signature(data, "k") == hmac.new(b"k", text.encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("body,reason", [
    ({**payos_body(), "code": "01"}, "not_paid"), ({**payos_body(), "success": False}, "not_paid"),
    (payos_body(code="07"), "not_paid"), (payos_body(currency="USD"), "bad_value"),
    (payos_body(orderCode="260001"), "bad_type"), (payos_body(reference=""), "bad_value"),
    (payos_body(amount=0), "bad_value"), (payos_body(amount=50000.5), "bad_type"),
    (payos_body(transactionDateTime="2026-03-25"), "bad_value"), (payos_body(description=None), "bad_type"),
    ({k: v for k, v in payos_body().items() if k != "data"}, "missing_field"),
    ({**payos_body(), "data": [1]}, "bad_type"), ({**payos_body(), "success": "true"}, "bad_type"),
])
def test_payos_refusals_are_precise(body: dict, reason: str) -> None:
    with pytest.raises(BankNoticeError) as err:
        parse_payos(body)
    assert err.value.reason == reason


def test_payos_two_transfers_of_one_link_have_different_keys() -> None:
    first = parse_payos(payos_body())
    second = parse_payos(payos_body(reference="FT26084999999999"))
    assert first.key != second.key and first.key == parse_payos(payos_body()).key


# --- references ------------------------------------------------------------------------------------

@given(st.integers(0, 2**32))
def test_new_references_are_short_unambiguous_and_upper_case(seed: int) -> None:
    ref = new_reference(random.Random(seed))
    assert is_reference(ref) and len(ref) == 8 and ref.startswith("MC") and ref == ref.upper()
    assert not set(ref[2:]) & set("0O1I")


def test_alphabet_and_spread() -> None:
    assert len(ALPHABET) == 32 and len(set(ALPHABET)) == 32 and 32**6 > 10**9
    rng = random.Random(2026)
    assert len({new_reference(rng) for _ in range(20_000)}) == 20_000


NOISE = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@settings(max_examples=300)
@given(st.integers(0, 2**32), NOISE, NOISE, st.sampled_from(["", " ", ".", "-", "MBVCB.3278907687."]),
       st.lists(st.tuples(st.integers(2, 7), st.sampled_from([" ", "-", " - ", ".", "_"])), max_size=2,
                unique_by=lambda b: b[0]),
       st.booleans(), st.booleans())
def test_a_reference_is_found_in_noisy_bank_content(seed: int, before: str, after: str, glue: str,
                                                    breaks: list, lower: bool, strip: bool) -> None:
    ref = new_reference(random.Random(seed))
    mangled = ref
    for pos, sep in sorted(breaks, reverse=True):
        mangled = mangled[:pos] + sep + mangled[pos:]
    content = before + glue + (mangled.lower() if lower else mangled) + " " + after
    if strip:  # banks that drop spaces and punctuation
        content = "".join(c for c in content if c.isalnum())
    assert ref in find_references(content)


VIETNAMESE = ["Lệ", "phí", "chứng", "thực", "nộp", "tiền", "hồ", "sơ", "đăng", "ký", "khai", "sinh", "cho",
              "con", "Nguyễn", "Văn", "An", "chuyển", "khoản", "tại", "UBND", "xã", "Tâm", "Cảnh", "Minh",
              "Châu", "Đức", "mẹ", "cám", "ơn", "CT", "tu", "toi", "Nam", "Hà", "Mai"]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(VIETNAMESE), max_size=15))
def test_ordinary_vietnamese_content_yields_no_reference(words: list[str]) -> None:
    assert find_references(" ".join(words)) == []


def test_random_text_rarely_yields_candidates_and_never_an_issued_reference() -> None:
    rng = random.Random(7)
    issued = {new_reference(rng) for _ in range(1000)}
    chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "
    hits = 0
    for _ in range(20_000):
        found = find_references("".join(rng.choice(chars) for _ in range(40)))
        hits += bool(found)
        assert not issued & set(found)
    assert hits / 20_000 < 0.03


def test_reference_survives_a_vietqr_round_trip() -> None:
    ref = new_reference(random.Random(1))
    qr = decode_vietqr(encode_vietqr(bin="970436", account="0011001932418", amount=50000,
                                     purpose=f"{ref} Lệ phí hộ tịch"))
    assert find_references(f"MBVCB.123.{qr.purpose.upper().replace(' ', '')}.CT tu 0123") == [ref]


# --- matching --------------------------------------------------------------------------------------

WHEN = datetime(2026, 3, 25, 14, 2, 37, tzinfo=VN)
FEE = FeeDue("fee-1", "MCK7Q2XP", 50000)
OTHER = FeeDue("fee-2", "MCHH3M4N", 20000)


def transfer(content: str = "MBVCB.3278907687.MCK7Q2XP.CT tu 0123", amount: int = 50000, kind: str = "in"):  # noqa: ANN201
    return parse_sepay(sepay_body(content=content, transferAmount=amount, transferType=kind))


@pytest.mark.parametrize("t,fees,kind,fee", [
    (transfer(kind="out"), [FEE], "outgoing", None),
    (transfer(content="chuyen tien le phi"), [FEE], "unmatched", None),
    (transfer(content="MCZZZZZZ le phi"), [FEE], "unmatched", None),
    (transfer(content="MCK7Q2XP MCHH3M4N"), [FEE, OTHER], "duplicate_reference", None),
    (transfer(), [FEE, FeeDue("fee-3", "MCK7Q2XP", 50000)], "duplicate_reference", None),
    (transfer(content="mck7q2xp MC-K7Q2XP"), [FEE, OTHER], "paid", FEE),
    (transfer(content="MC K7Q 2XP"), [OTHER, FEE], "paid", FEE),
    (transfer(amount=49999), [FEE], "underpaid", FEE),
    (transfer(amount=50001), [FEE], "overpaid", FEE),
    (transfer(), [FeeDue("fee-1", "MCK7Q2XP", 50000, "paid", paid_by="sepay:1")], "late", None),
    (transfer(), [FeeDue("fee-1", "MCK7Q2XP", 50000, "paid", paid_by="sepay:92704")], "repeat", None),
    (transfer(), [FeeDue("fee-1", "MCK7Q2XP", 50000, "cancelled")], "late", None),
    (transfer(), [FeeDue("fee-1", "MCK7Q2XP", 50000, "expired")], "late", None),
    (transfer(amount=1), [FeeDue("fee-1", "MCK7Q2XP", 50000, expires_at=WHEN - timedelta(seconds=1))], "late", None),
    (transfer(), [FeeDue("fee-1", "MCK7Q2XP", 50000, expires_at=WHEN)], "paid", None),
    (transfer(), [], "unmatched", None),
])
def test_matching_table(t, fees: list[FeeDue], kind: str, fee: FeeDue | None) -> None:  # noqa: ANN001
    outcome = match_transfer(t, fees)
    assert outcome.kind == kind
    if fee is not None:
        assert outcome.fee == fee
    assert outcome.needs_attention == (kind not in ("paid", "outgoing", "repeat"))


def test_every_outcome_speaks_vietnamese_then_english() -> None:
    assert set(OUTCOMES) == {"paid", "unmatched", "underpaid", "overpaid", "late", "duplicate_reference",
                             "outgoing", "repeat"}
    for kind in OUTCOMES:
        o = Outcome(kind)  # type: ignore[arg-type]
        assert o.message_vi and o.message_en and o.message_vi != o.message_en


def test_fee_rules() -> None:
    with pytest.raises(ValueError):
        FeeDue("f", "MCK7Q2XP", 1, expires_at=datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        FeeDue("f", "MCK7Q2XP", 1, status="refunded")  # type: ignore[arg-type]
    assert FeeDue("f", "MCK7Q2XP", 1, expires_at=datetime(2026, 1, 1, tzinfo=timezone.utc)).status == "open"
