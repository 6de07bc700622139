"""The kiosk's queue ticket on the server's ESC/POS thermal printer (python-escpos): the slip, and MOTCUA_PRINTER.

MOTCUA_PRINTER says where the printer is:
    usb:0x04b8:0x0202            USB vendor and product id (hex, as `lsusb` shows them)
    network:192.168.1.50[:9100]  a network printer (raw port, 9100 by default)
    file:/dev/usb/lp0            a character device of the kernel's printer driver
Unset or empty: no direct printer (the kiosk prints through the browser). MOTCUA_PRINTER_PROFILE names the
python-escpos capability profile (default TM-T20II: 80 mm paper, 576 dots). The device itself, and the folding of
Vietnamese to ASCII for printers without its code page, are shared with the counter (services.screens.thermal).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping

from services.device_settings import DEFAULT_PROFILE, PrinterConfigError, PrinterSpec, parse_printer
from services.screens.thermal import escpos_bytes, fold, print_on, slip_head

__all__ = ["DEFAULT_PROFILE", "PrinterConfigError", "PrinterSpec", "Slip", "fold", "parse_printer", "print_slip",
           "printer_from_env", "render_slip", "slip_bytes"]


def printer_from_env(env: Mapping[str, str] | None = None) -> PrinterSpec | None:
    env = os.environ if env is None else env
    return parse_printer(env.get("MOTCUA_PRINTER"), env.get("MOTCUA_PRINTER_PROFILE"))


# ------------------------------------------------------------ the slip

@dataclass(frozen=True)
class Slip:
    office_name: str
    number: str
    service_name: str
    issued_local: str              # e.g. "14:05 23/11/2026", already in the office's time zone
    waiting_ahead: int
    estimated_wait_s: int
    url: str                       # the phone page the QR opens
    priority_name: str | None = None


def wait_minutes(seconds: int) -> int:
    return max(1, -(-int(seconds) // 60)) if seconds > 0 else 0


def render_slip(printer: Any, slip: Slip) -> None:
    """Write the ticket on an escpos printer (a real one or escpos.printer.Dummy)."""
    p = printer
    slip_head(p, slip.office_name, "PHIEU SO THU TU / QUEUE TICKET")
    p.set(align="center", bold=True, custom_size=True, width=4, height=4)
    p.text(slip.number + "\n")
    p.set(align="center", bold=True, normal_textsize=True, double_height=True)
    p.text(fold(slip.service_name) + "\n")
    if slip.priority_name:
        p.set(align="center", bold=True, normal_textsize=True, invert=True)
        p.text(f" UU TIEN: {fold(slip.priority_name)} \n")
    p.set(align="center", bold=False, normal_textsize=True, invert=False)
    p.text(f"Gio lay so: {slip.issued_local}\n")
    p.text(f"So nguoi cho truoc: {slip.waiting_ahead}\n")
    minutes = wait_minutes(slip.estimated_wait_s)
    p.text(f"Du kien cho: khoang {minutes} phut\n" if minutes else "Sap den luot cua ban\n")
    p.qr(slip.url, size=6, native=False, center=True)
    p.text("Quet ma QR de theo doi luot tren dien thoai\n")
    p.text("Vui long giu phieu va chu y man hinh goi so\n")
    p.cut()


def slip_bytes(slip: Slip, profile: str = DEFAULT_PROFILE) -> bytes:
    """The ESC/POS bytes of a slip (no device involved)."""
    return escpos_bytes(lambda printer: render_slip(printer, slip), profile)


def print_slip(spec: PrinterSpec, slip: Slip) -> None:
    """Print one slip on the configured device (blocking: run it in a thread)."""
    print_on(spec, lambda printer: render_slip(printer, slip))
