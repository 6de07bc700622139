"""Banks by their NAPAS BIN, as the pay screen and the printed QR slip name them ("Vietcombank", not "970436"):
citizens look for their bank's name before they trust a code. Only BINs checked against NAPAS's list are here;
any other is shown as its number. Pure."""
from __future__ import annotations

BANK_NAMES = {
    "970436": "Vietcombank",
    "970415": "VietinBank",
    "970418": "BIDV",
    "970405": "Agribank",
    "970416": "ACB",
    "970422": "MB",
}


def bank_label(bin_: str | None) -> str:
    """The bank's usual name, or "Ngân hàng BIN 970xxx" when this list does not know it."""
    return BANK_NAMES.get(bin_ or "", f"Ngân hàng BIN {bin_}" if bin_ else "")
