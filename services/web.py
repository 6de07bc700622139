"""The HTTP front: /healthz, the JSON API, and the people's screens, all over NATS (never the database)."""
from __future__ import annotations

import asyncio
import time
from typing import Any, AsyncIterator

from aiohttp import web

from services import messages as m
from services.api.accounts import SETTINGS, add_account_routes
from services.api.auth import AUTHENTICATOR, Authenticator, authorize, public
from services.api.identity import add_identity_routes
from services.api.openapi import openapi_document
from services.api.payment import add_payment_routes
from services.api.responses import json_errors, json_response
from services.api.stats import add_stats_routes
from services.api.security import RateLimiter, add_security_headers, refuse_hostile_requests
from services.api.tickets import BUS, LIMITER, add_ticket_routes
from services.bus import Bus

# The largest body any route takes (camera frames); each route enforces its own, 1 MiB unless it says otherwise.
CLIENT_MAX_SIZE = 8 * 1024 * 1024


HEALTH_CHECKS: dict[str, m.Command] = {"ticketing": m.Health(), "accounts": m.AccountsHealth(),
                                      "identity": m.IdentityHealth(), "payment": m.PaymentHealth(),
                                      "feedback": m.FeedbackHealth(), "stats": m.StatsHealth()}


@public
async def healthz(request: web.Request) -> web.Response:
    """Each part's own state: NATS (connected, and answering a ping), each service (answering, with its database),
    the database as the ticketing service sees it, and the outbox relay's backlog. 200 when all answer, else 503.
    A part that cannot be asked is "unknown" (null), never blamed."""
    bus = request.app[BUS]
    nats = {"connected": bus.connected, "ping_ms": None}
    if bus.connected:
        start = time.perf_counter()
        try:
            await bus.nc.flush(timeout=1)
            nats["ping_ms"] = round((time.perf_counter() - start) * 1000, 2)
        except Exception:  # noqa: BLE001 - connected but stalled: say so, blame nobody else
            nats["connected"] = False

    async def ask_health(command: m.Command) -> dict[str, Any]:
        if not nats["connected"]:
            return {"ok": None}
        try:
            return {"ok": True, **await bus.request(command, timeout=1.5)}
        except m.ServiceError as exc:
            if exc.details.get("part") == "database":        # the service answered: its database did not
                return {"ok": True, "database": False, "error": exc.as_dict()}
            return {"ok": False, "error": exc.as_dict()}

    answers = await asyncio.gather(*(ask_health(c) for c in HEALTH_CHECKS.values()))
    services = dict(zip(HEALTH_CHECKS, answers))
    ticketing = services["ticketing"]
    database = ticketing.get("database") if ticketing["ok"] else None
    healthy = (nats["connected"] and all(s["ok"] for s in services.values())
               and all(s.get("database") is not False for s in services.values()) and database is True)
    body: dict[str, Any] = {"status": "ok" if healthy else "unavailable", "nats": nats["connected"],
                            "database": database, "parts": {"nats": nats, **services}}
    if "outbox" in ticketing:
        body["outbox"] = ticketing["outbox"]  # events waiting for the relay, and the age of the oldest
    return json_response(body, status=200 if healthy else 503)


@public
async def openapi(request: web.Request) -> web.Response:
    return json_response(openapi_document())


def build_web_app(bus: Bus, *, with_screens: bool = True) -> web.Application:
    settings = bus.settings
    app = web.Application(middlewares=[refuse_hostile_requests, json_errors, authorize],
                          client_max_size=CLIENT_MAX_SIZE)
    app[BUS] = bus
    app[SETTINGS] = settings
    app[LIMITER] = RateLimiter(settings.kiosk_tickets_per_min, burst=max(5, settings.kiosk_tickets_per_min // 3))
    app[AUTHENTICATOR] = Authenticator(bus)

    async def authenticator(app: web.Application) -> AsyncIterator[None]:
        await app[AUTHENTICATOR].start()
        yield
        await app[AUTHENTICATOR].close()

    app.cleanup_ctx.append(authenticator)
    app.on_response_prepare.append(add_security_headers)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/api/openapi.json", openapi)
    add_ticket_routes(app)
    add_account_routes(app)
    add_payment_routes(app)
    add_identity_routes(app)
    add_stats_routes(app)
    if with_screens:
        from services.screens import add_screens
        add_screens(app, bus)
    return app
