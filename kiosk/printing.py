"""Direct thermal printing of tickets over ESC/POS (python-escpos): the MOTCUA_PRINTER setting and the slip.

MOTCUA_PRINTER says where the kiosk's printer is:
    usb:0x04b8:0x0202            USB vendor and product id (hex, as `lsusb` shows them)
    network:192.168.1.50[:9100]  a network printer (raw port, 9100 by default)
    file:/dev/usb/lp0            a character device of the kernel's printer driver
Unset or empty: no direct printer (the kiosk prints through the browser). MOTCUA_PRINTER_PROFILE names the
python-escpos capability profile (default TM-T20II: 80 mm paper, 576 dots).

Most thermal printers have no Vietnamese code page, so the slip's text is printed without diacritics
("Ho tich"); the number and the QR code, what matters, are unaffected.
"""
from __future__ import annotations

import ipaddress
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Mapping

from services.config import ConfigError

DEFAULT_PROFILE = "TM-T20II"
EXAMPLES = "usb:0x04b8:0x0202, network:192.168.1.50, network:192.168.1.50:9100, file:/dev/usb/lp0"
_HEX_ID = re.compile(r"^(?:0x)?([0-9a-fA-F]{1,4})$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


class PrinterConfigError(ConfigError):
    """MOTCUA_PRINTER cannot be understood; the message says why and shows examples."""

    def __init__(self, value: str, why_vi: str, why_en: str) -> None:
        super().__init__(
            f"MOTCUA_PRINTER={value!r} không hợp lệ: {why_vi}. Ví dụ: {EXAMPLES} / "
            f"MOTCUA_PRINTER={value!r} is invalid: {why_en}. Examples: {EXAMPLES}"
        )


@dataclass(frozen=True)
class PrinterSpec:
    kind: str                      # "usb" | "network" | "file"
    vendor: int = 0
    product: int = 0
    host: str = ""
    port: int = 9100
    path: str = ""
    profile: str = DEFAULT_PROFILE

    def describe(self) -> str:
        if self.kind == "usb":
            return f"usb:{self.vendor:#06x}:{self.product:#06x}"
        if self.kind == "network":
            return f"network:{self.host}:{self.port}"
        return f"file:{self.path}"


def parse_printer(value: str | None, profile: str | None = None) -> PrinterSpec | None:
    """Parse a MOTCUA_PRINTER value; None when no printer is configured; PrinterConfigError when wrong."""
    text = (value or "").strip()
    if not text or text.lower() in ("none", "off", "browser"):
        return None
    kind, sep, rest = text.partition(":")
    kind = kind.lower()
    profile = (profile or "").strip() or DEFAULT_PROFILE
    if not sep or not rest:
        raise PrinterConfigError(text, "cần có dạng loại:địa-chỉ", "it must look like kind:address")
    if kind == "usb":
        parts = rest.split(":")
        ids = [_HEX_ID.match(p.strip()) for p in parts]
        if len(parts) != 2 or not all(ids):
            raise PrinterConfigError(text, "máy in USB cần mã hãng và mã sản phẩm dạng hex",
                                     "a USB printer needs a hex vendor id and product id")
        vendor, product = (int(i.group(1), 16) for i in ids if i)
        if not vendor or not product:
            raise PrinterConfigError(text, "mã hãng và mã sản phẩm phải khác 0", "the ids must not be zero")
        return PrinterSpec("usb", vendor=vendor, product=product, profile=profile)
    if kind == "network":
        host, port = _host_port(text, rest)
        return PrinterSpec("network", host=host, port=port, profile=profile)
    if kind == "file":
        if not rest.startswith("/"):
            raise PrinterConfigError(text, "đường dẫn thiết bị phải là đường dẫn tuyệt đối",
                                     "the device path must be absolute")
        return PrinterSpec("file", path=rest, profile=profile)
    raise PrinterConfigError(text, f"không hỗ trợ loại máy in “{kind}” (chỉ usb, network, file)",
                             f"unsupported printer kind “{kind}” (only usb, network, file)")


def _host_port(text: str, rest: str) -> tuple[str, int]:
    if rest.startswith("["):                      # [IPv6]:port
        host, _, tail = rest[1:].partition("]")
        port_text = tail[1:] if tail.startswith(":") else ("" if not tail else "x")
    elif rest.count(":") == 1:
        host, port_text = rest.split(":")
    else:
        host, port_text = rest, ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not _HOSTNAME.match(host):
            raise PrinterConfigError(text, f"địa chỉ máy in “{host}” không hợp lệ",
                                     f"the printer address “{host}” is invalid") from None
    if not port_text:
        return host, 9100
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise PrinterConfigError(text, "cổng phải là số từ 1 đến 65535", "the port must be a number from 1 to 65535")
    return host, int(port_text)


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


def fold(text: str) -> str:
    """Vietnamese without diacritics, in plain ASCII, for printers without a Vietnamese code page."""
    text = text.replace("đ", "d").replace("Đ", "D").replace("–", "-").replace("—", "-")
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return stripped.encode("ascii", "replace").decode("ascii")


def wait_minutes(seconds: int) -> int:
    return max(1, -(-int(seconds) // 60)) if seconds > 0 else 0


def render_slip(printer: Any, slip: Slip) -> None:
    """Write the ticket on an escpos printer (a real one or escpos.printer.Dummy)."""
    p = printer
    p.set(align="center", bold=True, normal_textsize=True)
    p.text(fold(slip.office_name) + "\n")
    p.set(align="center", bold=False, normal_textsize=True)
    p.text("PHIEU SO THU TU / QUEUE TICKET\n")
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
    from escpos.printer import Dummy

    dummy = Dummy(profile=profile)
    render_slip(dummy, slip)
    return dummy.output


def open_printer(spec: PrinterSpec) -> Any:
    from escpos import printer

    if spec.kind == "usb":
        return printer.Usb(spec.vendor, spec.product, profile=spec.profile)
    if spec.kind == "network":
        return printer.Network(spec.host, spec.port, timeout=10, profile=spec.profile)
    return printer.File(spec.path, profile=spec.profile)


def print_slip(spec: PrinterSpec, slip: Slip) -> None:
    """Print one slip on the configured device (blocking: run it in a thread)."""
    device = open_printer(spec)
    try:
        render_slip(device, slip)
    finally:
        device.close()
