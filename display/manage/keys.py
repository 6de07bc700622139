"""The manager sub-application's keys (kept apart so views.py and settings.py import them without a cycle)."""
from __future__ import annotations

from aiohttp import web

from services.bus import Bus
from services.live import LiveHub

BUS = web.AppKey("manage_bus", Bus)
HUB = web.AppKey("manage_hub", LiveHub)
