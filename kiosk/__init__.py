"""The kiosk where citizens take a number (/kiosk/{office}) and the phone page its QR code opens (/t/{ticket}).

Routes of the kiosk application (mounted at /kiosk):
    GET  /kiosk/{office}                   the touch screen (query: idle=s, retry=s, print=browser|server|none)
    GET  /kiosk/qr/{ticket}.svg            the QR code of a ticket, opening /t/{ticket}
    POST /kiosk/{office}/print/{ticket}    print the ticket on the ESC/POS printer of MOTCUA_PRINTER
Routes of the phone application (mounted at /t):
    GET  /t/{ticket}                       the ticket's live status for the citizen's phone
    GET  /t/{ticket}/events                Server-Sent Events of the ticket's office
Both talk to the services over NATS only.
"""
from __future__ import annotations

import asyncio

from aiohttp import web

from kiosk import pages, phone, views
from kiosk.printing import printer_from_env
from services.bus import Bus
from services.live import LiveHub


def init_app(bus: Bus, hub: LiveHub) -> web.Application:
    """The kiosk; raises PrinterConfigError (a ConfigError) when MOTCUA_PRINTER cannot be understood."""
    app = web.Application()
    app[views.BUS] = bus
    app[views.PRINTER] = printer_from_env()
    app[views.PRINT_LOCK] = asyncio.Lock()
    pages.add_static_routes(app, pages.STATIC)
    app.router.add_get("/qr/{ticket}.svg", views.ticket_qr, name="qr")
    app.router.add_get("/{office}", views.kiosk_page, name="kiosk")
    app.router.add_post("/{office}/print/{ticket}", views.print_ticket, name="print")
    return app


def init_phone_app(bus: Bus, hub: LiveHub) -> web.Application:
    app = web.Application()
    app[phone.BUS] = bus
    app[phone.HUB] = hub
    pages.add_static_routes(app, pages.STATIC)
    app.router.add_get("/{ticket}", phone.phone_page, name="phone")
    app.router.add_get("/{ticket}/events", phone.phone_events, name="events")
    return app
