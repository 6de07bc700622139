"""The HTTP front: /healthz, the JSON API, and the people's screens, all over NATS."""
from __future__ import annotations

import json

from aiohttp import web

from services import messages as m
from services.api.app import BUS, add_api_routes, middlewares
from services.bus import Bus


async def healthz(request: web.Request) -> web.Response:
    """200 when NATS and (through the ticketing service) the database answer, else 503."""
    bus = request.app[BUS]
    nats_ok = bus.connected
    database_ok = False
    detail = None
    if nats_ok:
        try:
            reply = await bus.request(m.Health(), timeout=2.0)
            database_ok = bool(reply.get("database"))
        except m.ServiceError as exc:
            detail = exc.as_dict()
    body = {"status": "ok" if nats_ok and database_ok else "unavailable", "nats": nats_ok, "database": database_ok}
    if detail:
        body["error"] = detail
    return web.json_response(body, status=200 if nats_ok and database_ok else 503,
                             dumps=lambda v: json.dumps(v, ensure_ascii=False))


def build_web_app(bus: Bus, *, with_screens: bool = True) -> web.Application:
    app = web.Application(middlewares=middlewares())
    app[BUS] = bus
    app.router.add_get("/healthz", healthz)
    add_api_routes(app)
    if with_screens:
        from services.screens import add_screens
        add_screens(app, bus)
    return app
