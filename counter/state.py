"""What the counter application holds, shared by its views (desk, pay screen, fees)."""
from __future__ import annotations

from aiohttp import web

from services.bus import Bus
from services.live import LiveHub

BUS = web.AppKey("counter_bus", Bus)
HUB = web.AppKey("counter_hub", LiveHub)
