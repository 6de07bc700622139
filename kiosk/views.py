"""Kiosk views: the touch screen page, the ticket's QR code, and direct ESC/POS printing."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import qrcode
import qrcode.image.svg
from aiohttp import web

from kiosk.printing import Slip, render_slip
from services import messages as m
from services.api.auth import public, requires
from services.api.responses import error_response
from services.bus import Bus
from services.domain.access import Right
from services.screens import pages
from services.screens.thermal import PRINTER, ServerPrinter, local_time

BUS = web.AppKey("kiosk_bus", Bus)

TICKET_ID = re.compile(r"^[0-9a-fA-F-]{36}$")
IDLE_DEFAULT_S, IDLE_MIN_S, IDLE_MAX_S = 45, 5, 600
RETRY_DEFAULT_S = 30          # how long one press keeps retrying before the kiosk says it cannot issue
PRINT_MODES = ("browser", "server", "none")
TEMPLATES = Path(__file__).parent / "templates"
# In this order; kiosk.js uses the rest. (route, file): "common" files are shared by the screens (services/screens).
KIOSK_SCRIPTS = (("static", "icons.js"), ("static", "tap.js"), ("static", "idle.js"), ("static", "print.js"),
                 ("common", "camera.js"), ("static", "vendor/jsQR.js"), ("static", "scanner.js"),
                 ("static", "identify.js"), ("static", "kiosk.js"))
# ?identify=on: ID card and face (when the identity service has faces); card: the ID card only; off: no such step.
IDENTIFY_MODES = ("on", "card", "off")
HEALTH_TIMEOUT_S = 1.5


def _int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(request.query.get(name, default))))
    except ValueError:
        return default


def _kiosk_service(service: dict[str, Any]) -> dict[str, Any]:
    """What the kiosk needs of a service: names, field, pictogram and its procedures (popular ones first screen)."""
    procedures = [{k: p.get(k) for k in ("code", "name", "name_en", "icon", "popular")}
                  for p in service.get("procedures") or ()]
    return {**{k: service.get(k) for k in ("code", "name", "name_en", "field", "icon")}, "procedures": procedures}


async def faces_available(bus: Bus) -> bool:
    """Whether the identity service can match faces now. Unknown (it did not answer) counts as yes: the kiosk
    offers faces and hides them after the first 503, so a service that was restarting is not hidden for hours."""
    try:
        health = await bus.request(m.IdentityHealth(), timeout=HEALTH_TIMEOUT_S)
    except m.ServiceError:
        return True
    return health.get("faces") is not False


async def identify_mode(asked: str, bus: Bus) -> str:
    """The kiosk's identification step: what was asked (?identify=, "on" by default), less the faces the identity
    service cannot match."""
    mode = asked if asked in IDENTIFY_MODES else "on"
    return "card" if mode == "on" and not await faces_available(bus) else mode


@public
async def kiosk_page(request: web.Request) -> web.Response:
    bus, office_id = request.app[BUS], request.match_info["office"]
    office = await pages.load_office(request, bus, office_id)
    mode = request.query.get("print", "server" if request.app[PRINTER].spec else "browser")
    identify = await identify_mode(request.query.get("identify", "on"), bus)
    config = {
        "office": office_id, "name": office["name"], "timezone": office.get("timezone", "Asia/Ho_Chi_Minh"),
        "services": [_kiosk_service(s) for s in office["services"]],
        "priority_categories": office["priority_categories"],
        "idle_s": _int_param(request, "idle", IDLE_DEFAULT_S, IDLE_MIN_S, IDLE_MAX_S),
        "retry_s": _int_param(request, "retry", RETRY_DEFAULT_S, 3, 300),
        "print_mode": mode if mode in PRINT_MODES else "browser",
        "identify": {"mode": identify},
        "urls": {
            "queue": f"/api/offices/{office_id}/queue",
            "issue": f"/api/offices/{office_id}/tickets",
            "qr": str(request.app.router["qr"].url_for(ticket="TICKET_ID")),
            "print": str(request.app.router["print"].url_for(office=office_id, ticket="TICKET_ID")),
            "cccd": "/api/identity/cccd", "citizens": "/api/citizens",
            "identify": f"/api/offices/{office_id}/identify",
        },
    }
    scripts = "".join(f'<script src="{pages.asset(request, route, name)}" defer></script>'
                      for route, name in KIOSK_SCRIPTS)
    identify_markup = pages.fragment(TEMPLATES / "identify.html", office_name=office["name"])
    return pages.render(request, TEMPLATES / "kiosk.html", config=config, office_name=office["name"],
                        css=pages.asset(request, "static", "kiosk.css"),
                        identify_css=pages.asset(request, "static", "identify.css"),
                        raw={"scripts": scripts, "identify": identify_markup})


def ticket_qr_svg(url: str) -> bytes:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=2,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    return image.to_string(encoding="unicode").encode("utf-8")


@public
async def ticket_qr(request: web.Request) -> web.Response:
    ticket = request.match_info["ticket"]
    if not TICKET_ID.match(ticket):
        raise web.HTTPNotFound(text="Không có phiếu này / No such ticket")
    url = f"{pages.public_base(request, request.app[BUS])}/t/{ticket}"
    return web.Response(body=ticket_qr_svg(url), content_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})


def build_slip(ticket: dict[str, Any], office: dict[str, Any], url: str) -> Slip:
    service = next((s for s in office["services"] if s["code"] == ticket["service"]), {"name": ticket["service"]})
    procedure = next((p["name"] for p in service.get("procedures") or () if p["code"] == ticket.get("procedure")), None)
    priority = next((c["name"] for c in office.get("priority_categories", ())
                     if c["code"] == ticket.get("priority")), None)
    name = f"{service['name']} – {procedure}" if procedure and procedure != service["name"] else service["name"]
    return Slip(office_name=office["name"], number=ticket["number"], service_name=name,
                issued_local=local_time(ticket.get("issued_at"), office.get("timezone", "Asia/Ho_Chi_Minh")),
                waiting_ahead=int(ticket.get("waiting_ahead") or 0),
                estimated_wait_s=int(ticket.get("estimated_wait_s") or 0), url=url, priority_name=priority)


@requires(Right.ISSUE_TICKET)
async def print_ticket(request: web.Request) -> web.Response:
    """Print a ticket of this office on the server's ESC/POS printer."""
    printer: ServerPrinter = request.app[PRINTER]
    office_id, ticket_id = request.match_info["office"], request.match_info["ticket"]
    if printer.spec is None:
        return printer.missing()
    if not TICKET_ID.match(ticket_id):
        return error_response("not_found", "Không có phiếu này", "No such ticket", 404)
    bus = request.app[BUS]
    try:
        ticket = await bus.request(m.GetTicket(ticket_id=ticket_id))
        if ticket["office"] != office_id:
            return error_response("not_found", "Phiếu không thuộc văn phòng này", "The ticket is not of this office", 404)
        office = await bus.request(m.GetOffice(office=office_id))
    except m.ServiceError as exc:
        return error_response(exc.code, exc.message, exc.message_en, 404 if exc.code in ("not_found", "invalid") else 503)
    slip = build_slip(ticket, office, f"{pages.public_base(request, bus)}/t/{ticket_id}")
    return await printer.answer(lambda device: render_slip(device, slip), ("phiếu", "ticket"), number=ticket["number"])
