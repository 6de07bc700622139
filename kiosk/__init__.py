"""The kiosk where citizens take a number (/kiosk/{office}) and the phone page its QR code opens (/t/{ticket}).

Routes of the kiosk application (mounted at /kiosk):
    GET  /kiosk/{office}                   the touch screen (query: idle=s, retry=s, print=browser|server|none)
    GET  /kiosk/qr/{ticket}.svg            the QR code of a ticket, opening /t/{ticket}
    POST /kiosk/{office}/print/{ticket}    print the ticket on the server's ESC/POS printer (MOTCUA_PRINTER)
Routes of the phone application (mounted at /t):
    GET  /t/{ticket}                       the ticket's live status for the citizen's phone
    GET  /t/{ticket}/events                Server-Sent Events of the ticket's office
Both talk to the services over NATS only.
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from kiosk import phone, views
from services.bus import Bus
from services.live import LiveHub
from services.screens import pages
from services.screens.thermal import PRINTER, ServerPrinter

STATIC = Path(__file__).parent / "static"


def init_app(bus: Bus, hub: LiveHub, printer: ServerPrinter | None = None) -> web.Application:
    """The kiosk. `printer`: the web front's one ServerPrinter (shared with the counter); by default one for
    MOTCUA_PRINTER, read and checked by services.config before anything started."""
    app = web.Application()
    app[views.BUS] = bus
    app[PRINTER] = printer or ServerPrinter(bus.settings.printer)
    pages.add_static_routes(app, STATIC)
    app.router.add_get("/qr/{ticket}.svg", views.ticket_qr, name="qr")
    app.router.add_get("/{office}", views.kiosk_page, name="kiosk")
    app.router.add_post("/{office}/print/{ticket}", views.print_ticket, name="print")
    return app


def init_phone_app(bus: Bus, hub: LiveHub) -> web.Application:
    app = web.Application()
    app[phone.BUS] = bus
    app[phone.HUB] = hub
    pages.add_static_routes(app, STATIC)
    app.router.add_get("/{ticket}", phone.phone_page, name="phone")
    app.router.add_get("/{ticket}/events", phone.phone_events, name="events")
    return app
