"""Kiosk views: the touch screen page, the ticket's QR code, and direct ESC/POS printing."""
from __future__ import annotations

import asyncio
import json
import logging
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import qrcode
import qrcode.image.svg
from aiohttp import web

from kiosk import pages
from kiosk.printing import PrinterSpec, Slip, print_slip
from services import messages as m
from services.bus import Bus

log = logging.getLogger(__name__)

BUS = web.AppKey("kiosk_bus", Bus)
PRINTER = web.AppKey("kiosk_printer", object)      # PrinterSpec | None
PRINT_LOCK = web.AppKey("kiosk_print_lock", asyncio.Lock)

TICKET_ID = re.compile(r"^[0-9a-fA-F-]{36}$")
IDLE_DEFAULT_S, IDLE_MIN_S, IDLE_MAX_S = 45, 5, 600
RETRY_DEFAULT_S = 30          # how long one press keeps retrying before the kiosk says it cannot issue
PRINT_MODES = ("browser", "server", "none")


def _int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(request.query.get(name, default))))
    except ValueError:
        return default


async def kiosk_page(request: web.Request) -> web.Response:
    bus, office_id = request.app[BUS], request.match_info["office"]
    office = await pages.load_office(request, bus, office_id)
    printer: PrinterSpec | None = request.app[PRINTER]  # type: ignore[assignment]
    mode = request.query.get("print", "server" if printer else "browser")
    config = {
        "office": office_id, "name": office["name"], "timezone": office.get("timezone", "Asia/Ho_Chi_Minh"),
        "services": [{k: s.get(k) for k in ("code", "name", "name_en", "field")} for s in office["services"]],
        "priority_categories": office["priority_categories"],
        "idle_s": _int_param(request, "idle", IDLE_DEFAULT_S, IDLE_MIN_S, IDLE_MAX_S),
        "retry_s": _int_param(request, "retry", RETRY_DEFAULT_S, 3, 300),
        "print_mode": mode if mode in PRINT_MODES else "browser",
        "urls": {
            "queue": f"/api/offices/{office_id}/queue",
            "issue": f"/api/offices/{office_id}/tickets",
            "qr": str(request.app.router["qr"].url_for(ticket="TICKET_ID")),
            "print": str(request.app.router["print"].url_for(office=office_id, ticket="TICKET_ID")),
        },
    }
    return pages.render(request, "kiosk.html", config=config, office_name=office["name"],
                        css=pages.asset(request, "static", "kiosk.css"),
                        js=pages.asset(request, "static", "kiosk.js"))


def ticket_qr_svg(url: str) -> bytes:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=2,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    return image.to_string(encoding="unicode").encode("utf-8")


async def ticket_qr(request: web.Request) -> web.Response:
    ticket = request.match_info["ticket"]
    if not TICKET_ID.match(ticket):
        raise web.HTTPNotFound(text="Không có phiếu này / No such ticket")
    url = f"{pages.public_base(request, request.app[BUS])}/t/{ticket}"
    return web.Response(body=ticket_qr_svg(url), content_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})


def _error(status: int, code: str, vi: str, en: str) -> web.Response:
    body = {"error": {"code": code, "message": vi, "message_en": en}}
    return web.json_response(body, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


def _local_time(iso: str | None, timezone: str) -> str:
    moment = datetime.fromisoformat(iso) if iso else datetime.now().astimezone()
    return moment.astimezone(ZoneInfo(timezone)).strftime("%H:%M %d/%m/%Y")


def build_slip(ticket: dict[str, Any], office: dict[str, Any], url: str) -> Slip:
    service = next((s for s in office["services"] if s["code"] == ticket["service"]), {"name": ticket["service"]})
    priority = next((c["name"] for c in office.get("priority_categories", ())
                     if c["code"] == ticket.get("priority")), None)
    return Slip(office_name=office["name"], number=ticket["number"], service_name=service["name"],
                issued_local=_local_time(ticket.get("issued_at"), office.get("timezone", "Asia/Ho_Chi_Minh")),
                waiting_ahead=int(ticket.get("waiting_ahead") or 0),
                estimated_wait_s=int(ticket.get("estimated_wait_s") or 0), url=url, priority_name=priority)


async def print_ticket(request: web.Request) -> web.Response:
    """Print a ticket of this office on the kiosk's ESC/POS printer (in a thread: the driver blocks)."""
    spec: PrinterSpec | None = request.app[PRINTER]  # type: ignore[assignment]
    office_id, ticket_id = request.match_info["office"], request.match_info["ticket"]
    if spec is None:
        return _error(503, "no_printer", "Kiosk chưa cấu hình máy in trực tiếp (MOTCUA_PRINTER)",
                      "No direct printer is configured for the kiosk (MOTCUA_PRINTER)")
    if not TICKET_ID.match(ticket_id):
        return _error(404, "not_found", "Không có phiếu này", "No such ticket")
    bus = request.app[BUS]
    try:
        ticket = await bus.request(m.GetTicket(ticket_id=ticket_id))
        if ticket["office"] != office_id:
            return _error(404, "not_found", "Phiếu không thuộc văn phòng này", "The ticket is not of this office")
        office = await bus.request(m.GetOffice(office=office_id))
    except m.ServiceError as exc:
        return _error(404 if exc.code in ("not_found", "invalid") else 503, exc.code, exc.message, exc.message_en)
    slip = build_slip(ticket, office, f"{pages.public_base(request, bus)}/t/{ticket_id}")
    try:
        async with request.app[PRINT_LOCK]:
            await asyncio.to_thread(print_slip, spec, slip)
    except Exception as exc:  # noqa: BLE001 - any driver failure is "the printer did not print"
        log.warning("printing %s on %s failed", ticket["number"], spec.describe(), exc_info=True)
        return _error(503, "printer_error", f"Máy in không in được phiếu ({type(exc).__name__}). "
                      "Vui lòng kiểm tra giấy và kết nối máy in.",
                      f"The printer did not print the ticket ({type(exc).__name__}). Check its paper and connection.")
    return web.json_response({"printed": True, "number": ticket["number"], "printer": spec.describe()})
