"""Mount the people's screens: kiosk, counter, display, and the phone page that follows a ticket."""
from __future__ import annotations

from aiohttp import web

from services.bus import Bus
from services.live import LiveHub

LIVE = web.AppKey("live", LiveHub)


def add_screens(app: web.Application, bus: Bus) -> None:
    """Each screen package exposes `init_app(bus, hub) -> web.Application`."""
    import counter
    import display
    import kiosk

    hub = LiveHub(bus)
    app[LIVE] = hub

    async def close_hub(_: web.Application) -> None:
        await hub.close()

    app.on_cleanup.append(close_hub)
    app.add_subapp("/kiosk", kiosk.init_app(bus, hub))
    app.add_subapp("/counter", counter.init_app(bus, hub))
    app.add_subapp("/display", display.init_app(bus, hub))
    app.add_subapp("/t", kiosk.init_phone_app(bus, hub))
