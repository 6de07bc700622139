"""The server's ESC/POS thermal printer (MOTCUA_PRINTER, through python-escpos), shared by the screens that print on
it: the kiosk's queue tickets and the counter's fee slips. One ServerPrinter per web front, so that jobs of both
take turns on the one device; the driver blocks, so each job runs in a thread.

Most thermal printers have no Vietnamese code page: slips print their text without diacritics (`fold`); numbers
and QR codes, what matters, are unaffected.
"""
from __future__ import annotations

import asyncio
import logging
import unicodedata
from datetime import datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo

from aiohttp import web

from services.api.responses import error_response, json_response
from services.device_settings import DEFAULT_PROFILE, PrinterSpec

log = logging.getLogger(__name__)

Render = Callable[[Any], None]     # writes one slip on an escpos printer (a real one or escpos.printer.Dummy)


def fold(text: str) -> str:
    """Vietnamese without diacritics, in plain ASCII, for printers without a Vietnamese code page."""
    text = text.replace("đ", "d").replace("Đ", "D").replace("–", "-").replace("—", "-")
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return stripped.encode("ascii", "replace").decode("ascii")


def local_time(iso: str | None, timezone: str) -> str:
    """"14:05 23/11/2026" in the office's time zone, as slips print times (now when `iso` is None)."""
    moment = datetime.fromisoformat(iso) if iso else datetime.now().astimezone()
    return moment.astimezone(ZoneInfo(timezone)).strftime("%H:%M %d/%m/%Y")


def slip_head(printer: Any, office_name: str, title: str) -> None:
    """The top of every slip: the office's name in bold, then what the paper is."""
    printer.set(align="center", bold=True, normal_textsize=True)
    printer.text(fold(office_name) + "\n")
    printer.set(align="center", bold=False, normal_textsize=True)
    printer.text(title + "\n")


def escpos_bytes(render: Render, profile: str = DEFAULT_PROFILE) -> bytes:
    """The ESC/POS bytes `render` writes (no device involved)."""
    from escpos.printer import Dummy

    dummy = Dummy(profile=profile)
    render(dummy)
    return dummy.output


def open_printer(spec: PrinterSpec) -> Any:
    from escpos import printer

    if spec.kind == "usb":
        return printer.Usb(spec.vendor, spec.product, profile=spec.profile)
    if spec.kind == "network":
        return printer.Network(spec.host, spec.port, timeout=10, profile=spec.profile)
    return printer.File(spec.path, profile=spec.profile)


def print_on(spec: PrinterSpec, render: Render) -> None:
    """Print one slip on the configured device (blocking: run it in a thread)."""
    device = open_printer(spec)
    try:
        render(device)
    finally:
        device.close()


class ServerPrinter:
    """MOTCUA_PRINTER as the screens use it; `spec` None when the browsers print instead."""

    def __init__(self, spec: PrinterSpec | None) -> None:
        self.spec = spec
        self._turn = asyncio.Lock()

    def missing(self) -> web.Response:
        """The answer while no printer is configured (check `spec` first, before any work)."""
        return error_response("no_printer", "Máy chủ chưa cấu hình máy in trực tiếp (MOTCUA_PRINTER)",
                              "No direct printer is configured on the server (MOTCUA_PRINTER)", 503)

    async def answer(self, render: Render, what: tuple[str, str], **extra: Any) -> web.Response:
        """Print, and say how it went as the screens expect: 200 {"printed": true, "printer", **extra}, or 503
        "no_printer" / "printer_error" with a message a clerk can act on. `what` names the slip (vi, en)."""
        if self.spec is None:
            return self.missing()
        try:
            async with self._turn:
                await asyncio.to_thread(print_on, self.spec, render)
        except Exception as exc:  # noqa: BLE001 - any driver failure is "the printer did not print"
            log.warning("printing %s on %s failed", what[1], self.spec.describe(), exc_info=True)
            return error_response("printer_error", f"Máy in không in được {what[0]} ({type(exc).__name__}). "
                                  "Vui lòng kiểm tra giấy và kết nối máy in.",
                                  f"The printer did not print the {what[1]} ({type(exc).__name__}). "
                                  "Check its paper and connection.", 503)
        return json_response({"printed": True, "printer": self.spec.describe(), **extra})


PRINTER = web.AppKey("server_printer", ServerPrinter)
