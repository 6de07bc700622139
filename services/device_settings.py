"""Settings of the devices around the screens, parsed and checked by services.config before anything starts:
the kiosk's ESC/POS thermal printer (MOTCUA_PRINTER, MOTCUA_PRINTER_PROFILE) and the hall board's voice
(MOTCUA_SPEECH_STYLE). Pure parsing, no I/O.

MOTCUA_PRINTER says where the kiosk's printer is:
    usb:0x04b8:0x0202            USB vendor and product id (hex, as `lsusb` shows them)
    network:192.168.1.50[:9100]  a network printer (raw port, 9100 by default)
    file:/dev/usb/lp0            a character device of the kernel's printer driver
Unset or empty: no direct printer (the kiosk prints through the browser). MOTCUA_PRINTER_PROFILE names the
python-escpos capability profile (default TM-T20II: 80 mm paper, 576 dots).
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from services.domain.speech import DEFAULT_STYLE, SpeechStyle


class ConfigError(ValueError):
    """A configuration value a person must fix; the message says which and how."""


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


# ------------------------------------------------------------ the hall board's voice

def parse_style(raw: str | None) -> SpeechStyle:
    """"zero_tens=lẻ,four=tư" -> SpeechStyle; empty -> the default (northern) style."""
    if not raw or not raw.strip():
        return DEFAULT_STYLE
    pairs: dict[str, str] = {}
    for part in raw.split(","):
        name, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"MOTCUA_SPEECH_STYLE: '{part.strip()}' không có dạng khoá=giá trị / "
                             f"'{part.strip()}' is not key=value")
        pairs[name.strip()] = value
    return SpeechStyle.from_mapping(pairs)
