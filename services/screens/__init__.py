"""The people's screens: kiosk, counter, hall board, the phone page that follows a ticket, and the staff login.

Shared parts live here: page rendering and error pages (pages.py), the login page (login.py), the server's thermal
printer (thermal.py), and the common static files under /common (theme, language switch, credentials of the
screens, the live stream reader, 80 mm slips printed by the browser)."""
from __future__ import annotations

from aiohttp import web

from services.bus import Bus
from services.live import LiveHub
from services.screens.thermal import ServerPrinter

LIVE = web.AppKey("live", LiveHub)


def add_screens(app: web.Application, bus: Bus) -> None:
    """Each screen package exposes `init_app(bus, hub) -> web.Application`."""
    import counter
    import display
    import kiosk
    from display import manage
    from services.screens import login, pages

    hub = LiveHub(bus)
    app[LIVE] = hub
    printer = ServerPrinter(bus.settings.printer)       # the kiosk's tickets and the counters' fee slips take turns

    async def close_hub(_: web.Application) -> None:
        await hub.close()

    app.on_cleanup.append(close_hub)
    app.router.add_static("/common", pages.COMMON, name="common", append_version=True)
    app.router.add_get("/", login.landing)
    app.router.add_get("/login", login.login_page)
    app.add_subapp("/kiosk", kiosk.init_app(bus, hub, printer))
    app.add_subapp("/counter", counter.init_app(bus, hub, printer))
    app.add_subapp("/display", display.init_app(bus, hub))
    app.add_subapp("/manage", manage.init_app(bus, hub))
    app.add_subapp("/t", kiosk.init_phone_app(bus, hub))
