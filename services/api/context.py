"""What the edge learns about a request on its way in, shared by the middlewares that use it."""
from __future__ import annotations

from aiohttp import web

PRINCIPAL = web.RequestKey("principal", object)     # services.api.auth.Principal | None: who is calling
