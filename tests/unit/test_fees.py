"""Fee rules: amounts, descriptions, the office's bank account, the QR's purpose, deadlines, local days, receipts."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.domain import fees
from services.domain.errors import Conflict, InvalidInput
from services.domain.fee_references import find_references, new_reference
from services.domain.vietqr import TEXT_MAX, decode_vietqr

BANK = {"bin": "970436", "account": "0011004123456", "name": "UBND XA DEMO"}
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize("amount", [0, -5, 999, 100_000_001, True, 50_000.0, "50000", None])
def test_amounts_outside_the_range_or_not_whole_vnd_are_refused(amount: object) -> None:
    with pytest.raises(InvalidInput) as err:
        fees.check_amount(amount, 100_000_000)
    assert err.value.message_vi and err.value.message_en


@pytest.mark.parametrize("amount", [1_000, 50_000, 100_000_000])
def test_amounts_in_range_pass(amount: int) -> None:
    assert fees.check_amount(amount, 100_000_000) == amount


def test_descriptions_are_tidied_and_bounded() -> None:
    assert fees.check_description("  Lệ phí   chứng thực\n") == "Lệ phí chứng thực"
    for bad in ("", "   ", None, 5, "x" * 201):
        with pytest.raises(InvalidInput):
            fees.check_description(bad)


def test_the_bank_account_comes_from_the_office() -> None:
    assert fees.office_bank({"name": "Xã A", "bank": BANK}).as_dict() == BANK


@pytest.mark.parametrize("office", [
    {"name": "Xã A"}, {"name": "Xã A", "bank": None}, {"name": "Xã A", "bank": {}},
    {"name": "Xã A", "bank": {**BANK, "bin": "97043"}}, {"name": "Xã A", "bank": {**BANK, "account": "12 34"}},
    {"name": "Xã A", "bank": {**BANK, "name": " "}},
])
def test_an_office_without_a_usable_account_cannot_ask_fees(office: dict) -> None:
    with pytest.raises(Conflict) as err:
        fees.office_bank(office)
    assert "Xã A" in err.value.message_vi or "không hợp lệ" in err.value.message_vi or "thiếu" in err.value.message_vi


@given(st.text(max_size=120), st.randoms(use_true_random=False))
def test_the_purpose_starts_with_the_reference_fits_and_is_found_again(description: str, rng: object) -> None:
    reference = new_reference(rng)  # type: ignore[arg-type]
    purpose = fees.purpose(reference, description)
    assert purpose.startswith(reference) and len(purpose) <= TEXT_MAX and purpose.isascii()
    assert reference in find_references(purpose)


def test_the_qr_carries_amount_account_and_purpose() -> None:
    bank = fees.office_bank({"name": "Xã A", "bank": BANK})
    qr = decode_vietqr(fees.fee_qr(bank, 50_000, "MCK7Q2XP", "Lệ phí chứng thực bản sao"))
    assert (qr.bin, qr.account, qr.amount, qr.purpose) == ("970436", "0011004123456", 50_000,
                                                           "MCK7Q2XP LE PHI CHUNG")


def test_a_pending_fee_past_its_deadline_reads_as_expired() -> None:
    now = datetime(2025, 3, 1, 3, 0, tzinfo=timezone.utc)
    assert fees.effective_status("pending", now, now) == "pending"
    assert fees.effective_status("pending", now, now + timedelta(seconds=1)) == "expired"
    assert fees.effective_status("paid", now, now + timedelta(days=1)) == "paid"
    assert [s for s in fees.STATUSES if fees.can_cancel(s)] == ["pending", "expired"]


def test_days_are_the_office_local_days() -> None:
    late_evening_utc = datetime(2025, 3, 1, 18, 30, tzinfo=timezone.utc)       # 01:30 on 2 March in Viet Nam
    assert fees.parse_day(None, VN, late_evening_utc) == date(2025, 3, 2)
    start, end = fees.day_bounds(date(2025, 3, 2), VN)
    assert (start.astimezone(timezone.utc), end - start) == (datetime(2025, 3, 1, 17, tzinfo=timezone.utc),
                                                             timedelta(days=1))
    for bad in ("2025-3-2", "2025-02-30", "hôm nay"):
        with pytest.raises(InvalidInput):
            fees.parse_day(bad, VN, late_evening_utc)


def test_receipt_numbers_amounts_and_words() -> None:
    assert fees.receipt_label(2025, 42) == "0000042/2025"
    assert fees.vnd(1_250_000) == "1.250.000 đ"
    assert fees.amount_in_words(50_000) == "Năm mươi nghìn đồng"
    assert fees.amount_in_words(1_023_000) == "Một triệu không trăm hai mươi ba nghìn đồng"
