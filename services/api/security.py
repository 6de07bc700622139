"""Hygiene of the public edge: security headers on every response, hostile paths and oversized bodies refused
early, the caller's address behind trusted proxies, and per-caller rate limits."""
from __future__ import annotations

import ipaddress
import math
import time
from typing import Callable

from aiohttp import web

from services.api.body import body_limit
from services.api.responses import error_response
from services.domain.errors import TooManyAttempts

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'self'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "SAMEORIGIN",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: also reaches streams, static files and error pages."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith("/api") and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"


@web.middleware
async def refuse_hostile_requests(request: web.Request, handler):  # type: ignore[no-untyped-def]
    """NUL bytes anywhere in the path or query, and declared bodies over the route's limit, never reach a handler."""
    raw = request.raw_path
    if "\x00" in request.path or "%00" in raw or "\x00" in request.query_string:
        return error_response("invalid", "Địa chỉ chứa ký tự NUL không hợp lệ", "The address contains a NUL character",
                              400)
    limit = body_limit(request)
    if request.content_length is not None and request.content_length > limit:
        mib = limit / (1024 * 1024)
        return error_response("payload_too_large", f"Nội dung gửi lên quá lớn (tối đa {mib:g} MiB)",
                              f"The request body is too large (at most {mib:g} MiB)", 413)
    return await handler(request)


def client_address(request: web.Request, trusted_proxies: tuple[str, ...]) -> str:
    """The caller's IP: the peer, or behind a trusted proxy the right-most untrusted X-Forwarded-For hop."""
    peer = request.remote or ""
    if not trusted_proxies:
        return peer
    networks = [ipaddress.ip_network(n) for n in trusted_proxies]

    def trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in n for n in networks)

    if not trusted(peer):
        return peer
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not trusted(hop):
            return hop
    return hops[0] if hops else peer


class RateLimiter:
    """A token bucket per key: `per_min` a minute on average, up to `burst` at once."""

    def __init__(self, per_min: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_min / 60.0
        self.burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> None:
        now = self._clock()
        tokens, at = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens < 1:
            wait = math.ceil((1 - tokens) / self.rate)
            raise TooManyAttempts(f"Thiết bị lấy số quá nhanh; vui lòng chờ {wait} giây",
                                  f"Tickets are being taken too fast on this device; wait {wait} s",
                                  retry_after_s=wait)
        if len(self._buckets) > 50_000:
            self._buckets.clear()
        self._buckets[key] = (tokens - 1, now)
