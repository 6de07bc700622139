"""The clerk's counter screen (/counter/{office}/{counter}): call, recall, skip, start, complete, transfer, pause,
ask a fee; and the counter's citizen-facing pay screen.

Routes (mounted at /counter):
    GET  /counter/{office}                              pick a counter
    GET  /counter/{office}/events                       Server-Sent Events: the queue snapshot, then every event of
                                                        the office (with ?counter=: its call order and fees)
    GET  /counter/{office}/{counter}                    the counter screen; its buttons call the same-origin /api
    GET  /counter/{office}/{counter}/pay                the citizen-facing pay screen (counter/pay.py)
    GET  /counter/{office}/{counter}/pay/events         its Server-Sent Events
    GET  /counter/{office}/{counter}/rate               the citizen-facing satisfaction tablet (counter/rate.py)
    GET  /counter/{office}/{counter}/rate/events        its Server-Sent Events
    POST /counter/{office}/{counter}/fees/{fee}/print   a fee's slip on the server's printer (counter/fees.py)
Shared theme, language switch, credentials, live stream, slips and the printer come from services/screens.
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from counter import fees, pay, rate, views
from counter.state import BUS, HUB
from services.bus import Bus
from services.live import LiveHub
from services.screens import pages
from services.screens.thermal import PRINTER, ServerPrinter

STATIC = Path(__file__).parent / "static"


def init_app(bus: Bus, hub: LiveHub, printer: ServerPrinter | None = None) -> web.Application:
    """`printer`: the web front's one ServerPrinter (shared with the kiosk); by default one for MOTCUA_PRINTER."""
    app = web.Application()
    app[BUS] = bus
    app[HUB] = hub
    app[PRINTER] = printer or ServerPrinter(bus.settings.printer)
    pages.add_static_routes(app, STATIC)
    app.router.add_get("/{office}", views.picker, name="picker")
    app.router.add_get("/{office}/events", views.events, name="events")
    app.router.add_get("/{office}/{counter}", views.desk, name="desk")
    app.router.add_get("/{office}/{counter}/pay", pay.pay_page, name="pay")
    app.router.add_get("/{office}/{counter}/pay/events", pay.pay_events, name="pay_events")
    app.router.add_get("/{office}/{counter}/rate", rate.rate_page, name="rate")
    app.router.add_get("/{office}/{counter}/rate/events", rate.rate_events, name="rate_events")
    app.router.add_post("/{office}/{counter}/fees/{fee}/print", fees.print_fee, name="fee_print")
    return app
