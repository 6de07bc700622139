"""The manager's pages under /manage: the live view of an office, its history and reports, the province's offices
side by side (views.py), and the settings of the office: services, counters, hours, rules, staff, devices
(settings.py).

Each page is a plain template filled server-side (services/screens/pages.py); its script reads the same-origin /api
endpoints with the manager's session."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from display.manage import settings, views
from display.manage.keys import BUS, HUB
from services.bus import Bus
from services.live import LiveHub
from services.screens import pages

STATIC = Path(__file__).parent / "static"


def init_app(bus: Bus, hub: LiveHub) -> web.Application:
    app = web.Application()
    app[BUS] = bus
    app[HUB] = hub
    pages.add_static_routes(app, STATIC)
    views.add_routes(app)
    settings.add_routes(app)
    return app
