"""The fee slip a clerk prints for a citizen who pays from their phone later in the visit: the amount, what for, the
reference, the office's account, the VietQR code and until when it may be paid, on the server's 80 mm ESC/POS
printer (the browser prints the same slip from counter/templates/fee_dialog.html otherwise)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.domain.banks import bank_label
from services.domain.fees import vnd
from services.screens.thermal import fold, local_time, slip_head


@dataclass(frozen=True)
class FeeSlip:
    office_name: str
    counter_name: str
    ticket_number: str
    description: str
    amount: int                    # VND
    reference: str
    bank: str                      # "Vietcombank"
    account: str
    holder: str
    qr: str                        # the VietQR payload, exactly as the bank apps read it
    expires_local: str             # "14:35 23/11/2026", in the office's time zone


def fee_slip(fee: dict[str, Any], office: dict[str, Any], counter_name: str) -> FeeSlip:
    bank = fee.get("bank") or {}
    return FeeSlip(office_name=office["name"], counter_name=counter_name, ticket_number=fee.get("ticket_number") or "",
                   description=fee["description"], amount=fee["amount"], reference=fee["reference"],
                   bank=bank_label(bank.get("bin")), account=bank.get("account") or "", holder=bank.get("name") or "",
                   qr=fee["qr"], expires_local=local_time(fee["expires_at"], office.get("timezone") or
                                                          "Asia/Ho_Chi_Minh"))


def render_fee_slip(printer: Any, slip: FeeSlip) -> None:
    """Write the slip on an escpos printer (a real one or escpos.printer.Dummy)."""
    p = printer
    slip_head(p, slip.office_name, "PHIEU THANH TOAN PHI, LE PHI / FEE")
    p.text(f"{fold(slip.counter_name)} - So {slip.ticket_number}\n")
    p.set(align="center", bold=True, normal_textsize=True, double_height=True)
    p.text(fold(slip.description) + "\n")
    p.set(align="center", bold=True, custom_size=True, width=2, height=2)
    p.text(fold(vnd(slip.amount)) + "\n")
    p.qr(slip.qr, size=7, native=False, center=True)
    p.set(align="left", bold=False, normal_textsize=True)
    p.text(f"Ma thanh toan: {slip.reference}\n")
    p.text(f"Ngan hang: {fold(slip.bank)}\n")
    p.text(f"So tai khoan: {slip.account}\n")
    p.text(f"Chu tai khoan: {fold(slip.holder)}\n")
    p.set(align="left", bold=True, normal_textsize=True)
    p.text(f"Han thanh toan: {slip.expires_local}\n")
    p.set(align="center", bold=False, normal_textsize=True)
    p.text("Quet ma bang ung dung ngan hang;\ngiu nguyen noi dung chuyen khoan.\n")
    p.cut()
