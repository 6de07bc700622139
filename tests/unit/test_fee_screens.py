"""The pure parts of fees on the counter's screens: a procedure's usual fee in the office configuration, the banks'
names, what the citizen's screen is given of a fee, who holds the pay screen's right, and the ESC/POS fee slip."""
from __future__ import annotations

import re

import pytest

from counter.fee_slip import fee_slip, render_fee_slip
from services.demo import DEMO
from services.domain.access import Actor, Right, check
from services.domain.banks import bank_label
from services.domain.errors import Forbidden, InvalidInput
from services.domain.office_config import parse_procedure, parse_service_spec
from services.domain.vietqr import decode_vietqr, encode_vietqr
from services.live.fees import pay_view
from services.screens.thermal import escpos_bytes

QR = encode_vietqr(bin="970436", account="0011000123456", amount=50_000, purpose="MCAB12CD LE PHI CHUNG")
FEE = {"id": "0cf4a111-348e-48f2-9752-1723f666c004", "office": "demo", "reference": "MCAB12CD", "amount": 50_000,
       "description": "Lệ phí chứng thực bản sao", "status": "pending", "qr": QR,
       "qr_svg": "/api/fees/0cf4a111-348e-48f2-9752-1723f666c004/qr.svg",
       "bank": {"bin": "970436", "account": "0011000123456", "name": "UBND XA DEMO - THU PHI"},
       "ticket_number": "CT-015", "counter": "2", "created_at": "2026-11-23T17:05:00+00:00",
       "expires_at": "2026-11-23T17:35:00+00:00", "paid_at": None, "cancelled_at": None, "receipt": None,
       "exceptions": [{"id": "x", "kind": "underpaid", "amount": 40_000}]}
OFFICE = {"id": "demo", "name": "Trung tâm Phục vụ hành chính công xã Demo", "timezone": "Asia/Ho_Chi_Minh"}


def test_a_procedure_may_carry_its_usual_fee() -> None:
    base = {"code": "CT-CK", "name": "Chứng thực chữ ký"}
    assert parse_procedure({**base, "fee": 10_000}, "CT")["fee"] == 10_000
    assert parse_procedure(base, "CT")["fee"] is None
    for wrong in (999, 0, -5, 10_000.5, "10000", True, 10**11):
        with pytest.raises(InvalidInput) as err:
            parse_procedure({**base, "fee": wrong}, "CT")
        assert "'fee'" in err.value.message_vi and "1.000" in err.value.message_vi and "1,000" in err.value.message_en


def test_the_demo_suggests_the_schedules_fees() -> None:
    fees = {p["code"]: p["fee"] for s in DEMO.services for p in parse_service_spec(s)["procedures"]}
    assert (fees["CT-CK"], fees["CT-BS"], fees["TP-LL"], fees["HT-KS"]) == (10_000, 2_000, 200_000, None)


def test_banks_are_named_by_their_bin() -> None:
    assert [bank_label(b) for b in ("970436", "970415", "970418", "970405", "970416", "970422")] == [
        "Vietcombank", "VietinBank", "BIDV", "Agribank", "ACB", "MB"]
    assert bank_label("970499") == "Ngân hàng BIN 970499" and bank_label(None) == ""


def test_the_citizens_screen_gets_the_fee_without_staff_matters() -> None:
    view = pay_view({**FEE, "ticket_id": "8c66c4f1-2049-4543-84d9-496540087977"})
    assert "ticket_id" not in view and "exceptions" not in view and "8c66c4f1" not in str(view)
    assert view["bank"] == {**FEE["bank"], "label": "Vietcombank"}
    assert (view["amount"], view["qr"], view["reference"], view["ticket_number"]) == (50_000, QR, "MCAB12CD", "CT-015")


def test_the_pay_screen_right_is_staff_and_the_counters_own_tablet() -> None:
    clerk = Actor(type="user", id="u", name="canbo2", role="clerk", office="demo", counter="2")
    tablet = Actor(type="device", id="d", name="bảng quầy 2", kind="tablet", office="demo", counter="2")
    assert check(clerk, Right.SHOW_PAY, "demo", "1") is clerk              # a clerk may open any of the office's
    assert check(tablet, Right.SHOW_PAY, "demo", "2") is tablet
    for actor, office, counter in ((tablet, "demo", "1"), (tablet, "other", "2"), (clerk, "other", "1")):
        with pytest.raises(Forbidden):
            check(actor, Right.SHOW_PAY, office, counter)
    for kind in ("kiosk", "display"):
        with pytest.raises(Forbidden):
            check(Actor(type="device", id="k", name=kind, kind=kind, office="demo"), Right.SHOW_PAY, "demo", "2")
    with pytest.raises(Forbidden):
        check(tablet, Right.TAKE_FEES, "demo")                             # shows fees; never asks or cancels


def test_the_fee_slip_prints_what_the_citizen_needs_in_ascii() -> None:
    slip = fee_slip(FEE, OFFICE, "Quầy 2")
    assert slip.expires_local == "00:35 24/11/2026"                        # the office's time zone
    data = escpos_bytes(lambda printer: render_fee_slip(printer, slip))
    for expected in (b"Trung tam Phuc vu hanh chinh cong xa Demo\n", b"PHIEU THANH TOAN PHI, LE PHI", b"Quay 2 - So CT-015",
                     b"Le phi chung thuc ban sao\n", b"50.000 d\n", b"Ma thanh toan: MCAB12CD\n",
                     b"Ngan hang: Vietcombank\n", b"So tai khoan: 0011000123456\n", b"Han thanh toan: 00:35 24/11/2026\n"):
        assert expected in data, expected
    assert b"\x1dv0" in data and b"\x1dV" in data[-8:]                      # the QR as a raster image, then the cut
    text = re.sub(rb"[\x00-\x1f]", b"", data.split(b"\x1dv0")[0])
    assert all(b < 0x80 for b in text.replace(b"\xff", b""))                # any printer's code page
    assert decode_vietqr(slip.qr).purpose.startswith("MCAB12CD")            # the payload the bank app reads, as is
