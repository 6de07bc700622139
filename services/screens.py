"""Mount the people's screens (kiosk, counter, display) when their packages provide them."""
from __future__ import annotations

from aiohttp import web

from services.bus import Bus


def add_screens(app: web.Application, bus: Bus) -> None:
    """Each screen package exposes `init_app(bus) -> web.Application`, mounted under its prefix."""
    import importlib

    for name in ("kiosk", "counter", "display"):
        module = importlib.import_module(name)
        factory = getattr(module, "init_app", None)
        if factory is not None:
            app.add_subapp(f"/{name}/", factory(bus))
