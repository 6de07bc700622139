"""The clerk's counter screen (/counter/{office}/{counter}): call, recall, skip, start, complete, transfer, pause.

Routes (mounted at /counter):
    GET /counter/{office}              pick a counter
    GET /counter/{office}/events       Server-Sent Events: the queue snapshot, then every event of the office
    GET /counter/{office}/{counter}    the counter screen; its buttons call the same-origin /api endpoints
Shared theme and language switch come from the kiosk package (kiosk/static/common).
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from counter import views
from kiosk import pages
from services.bus import Bus
from services.live import LiveHub

STATIC = Path(__file__).parent / "static"


def init_app(bus: Bus, hub: LiveHub) -> web.Application:
    app = web.Application()
    app[views.BUS] = bus
    app[views.HUB] = hub
    pages.add_static_routes(app, STATIC)
    app.router.add_get("/{office}", views.picker, name="picker")
    app.router.add_get("/{office}/events", views.events, name="events")
    app.router.add_get("/{office}/{counter}", views.desk, name="desk")
    return app
