"""Who is calling, and may they? Credentials at the HTTP edge, and each route's access policy.

Credentials: `Authorization: Bearer <token>` (API clients, enrolled devices), or for the staff's browser screens an
HttpOnly session cookie whose unsafe requests must also carry the session's CSRF token in `X-CSRF-Token`.
Tokens are checked by the accounts service (by their SHA-256: the token never crosses the bus) and the answer is
cached briefly here; a logout, a disabled user or a revoked device is broadcast and dropped from every cache at
once, and the whole cache is dropped whenever the bus reconnects (a broadcast may have been missed).

Every handler declares its policy with @public or @requires(Right..., office=path parameter); a route without one
is refused (fail closed), and tests/integration/test_authorization.py walks the route table to prove each policy.
"""
from __future__ import annotations

import hmac
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, TypeVar
from urllib.parse import quote

from aiohttp import web
from aiohttp.web_urldispatcher import MatchInfoError, StaticResource

from services import messages as m
from services.api.context import PRINCIPAL
from services.api.responses import error_response
from services.bus import Bus
from services.domain.access import Actor, Right, check
from services.domain.accounts import looks_like_token, token_hash
from services.domain.errors import DomainError, Forbidden, Unauthenticated

log = logging.getLogger("motcua.access")

SESSION_COOKIE = "motcua_session"
CSRF_COOKIE = "motcua_csrf"
CSRF_HEADER = "X-CSRF-Token"
CACHE_S = 60.0          # a broadcast normally revokes sooner; this bounds the damage of a missed one
NEGATIVE_CACHE_S = 5.0  # unknown tokens: spare the accounts service from a flood of guesses
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
H = TypeVar("H", bound=Callable[..., Any])


@dataclass(frozen=True)
class Access:
    """A route's policy: public (right None), or a right held in the office named by path parameter `office`."""

    right: Right | None
    office: str | None = "office"
    counter: str | None = None

    def describe(self) -> str:
        return "public" if self.right is None else f"{self.right.value}" + (f"@{{{self.office}}}" if self.office else "")


PUBLIC = Access(None, None)


def public(handler: H) -> H:
    handler.__access__ = PUBLIC  # type: ignore[attr-defined]
    return handler


def requires(right: Right, *, office: str | None = "office", counter: str | None = None) -> Callable[[H], H]:
    """The caller must hold `right`, in the office of path parameter `office` when the path names one (otherwise
    the service checks the office once it knows it, e.g. from the ticket)."""
    def mark(handler: H) -> H:
        handler.__access__ = Access(right, office, counter)  # type: ignore[attr-defined]
        return handler
    return mark


def access_of(request: web.Request) -> Access | None:
    """The policy of the matched route; None when a route forgot to declare one."""
    info = request.match_info
    if isinstance(info, MatchInfoError):
        return PUBLIC            # no such route: its handler answers 404/405
    policy = getattr(info.handler, "__access__", None)
    if policy is None and isinstance(info.route.resource, StaticResource):
        return PUBLIC
    return policy


@dataclass(frozen=True)
class Principal:
    actor: Actor
    csrf: str | None
    expires_at: str | None
    token_hash: bytes
    via_cookie: bool = False


class Authenticator:
    """Token → Principal, asking the accounts service on a miss; revocations arrive by broadcast."""

    def __init__(self, bus: Bus, clock: Callable[[], float] = time.monotonic) -> None:
        self._bus = bus
        self._clock = clock
        self._cache: dict[bytes, tuple[float, Principal | DomainError]] = {}
        self._subscription: Any = None

    async def start(self) -> None:
        self._subscription = await self._bus.listen(m.revocations_subject(self._bus.prefix), self._on_revoked)
        self._bus.on_reconnect(self.clear)

    async def close(self) -> None:
        if self._subscription is not None:
            try:
                await self._subscription.unsubscribe()
            except Exception:  # noqa: BLE001 - the connection may be closing
                pass

    def clear(self) -> None:
        self._cache.clear()

    def forget(self, digest: bytes) -> None:
        self._cache.pop(digest, None)

    async def _on_revoked(self, data: Any) -> None:
        for digest in (data or {}).get("token_hashes", []):
            try:
                self._cache.pop(bytes.fromhex(digest), None)
            except (ValueError, TypeError):
                continue

    async def resolve(self, token: str) -> Principal:
        if not looks_like_token(token):
            raise Unauthenticated("Mã truy cập không đúng định dạng", "Malformed token", reason="unknown")
        digest = token_hash(token)
        now = self._clock()
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            if isinstance(cached[1], DomainError):
                raise cached[1]
            return cached[1]
        try:
            reply = await self._bus.request(m.Authenticate(token_hash=digest.hex()))
        except m.ServiceError as exc:
            if exc.code != "unauthenticated":
                raise
            refusal = Unauthenticated(exc.message, exc.message_en, **exc.details)
            if len(self._cache) < 100_000:
                self._cache[digest] = (now + NEGATIVE_CACHE_S, refusal)
            raise refusal from exc
        principal = Principal(Actor.from_dict(reply["actor"]), reply.get("csrf"), reply.get("expires_at"),  # type: ignore[arg-type]
                              digest)
        if len(self._cache) > 100_000:
            self._cache.clear()
        keep = CACHE_S
        if principal.expires_at:                  # never past the session's own end
            left = (datetime.fromisoformat(principal.expires_at) - datetime.now(timezone.utc)).total_seconds()
            keep = min(keep, max(0.0, left))
        self._cache[digest] = (now + keep, principal)
        return principal


AUTHENTICATOR = web.AppKey("authenticator", Authenticator)


def principal_of(request: web.Request) -> Principal | None:
    return request.get(PRINCIPAL)  # type: ignore[return-value]


def actor_of(request: web.Request) -> dict[str, Any] | None:
    """The caller as a command's `actor`, or None when anonymous."""
    principal = principal_of(request)
    return principal.actor.as_dict() if principal else None


def holds(request: web.Request, right: Right, office: str | None = None) -> bool:
    principal = principal_of(request)
    try:
        check(principal.actor if principal else None, right, office)
    except DomainError:
        return False
    return True


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def _identify(request: web.Request) -> Principal | None:
    """The caller's principal; raises Unauthenticated for credentials that are presented but not valid."""
    authenticator = request.config_dict[AUTHENTICATOR]
    token = _bearer(request)
    if token is not None:
        return await authenticator.resolve(token)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    principal = await authenticator.resolve(cookie)
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not principal.csrf or not hmac.compare_digest(sent.encode(), principal.csrf.encode()):
            raise Forbidden("Thiếu hoặc sai mã chống giả mạo (CSRF); hãy tải lại trang",
                            "Missing or wrong anti-forgery (CSRF) token; reload the page")
    return Principal(principal.actor, principal.csrf, principal.expires_at, principal.token_hash, via_cookie=True)


@web.middleware
async def authorize(request: web.Request, handler):  # type: ignore[no-untyped-def]
    policy = access_of(request)
    if policy is None:
        log.error("route %s has no access policy: refused", request.match_info.route)
        return error_response("forbidden", "Địa chỉ này chưa được cấp quyền truy cập", "This route has no access policy",
                              403)
    try:
        principal = await _identify(request)
    except (DomainError, m.ServiceError) as exc:
        if policy.right is None:
            principal = None          # a stale cookie (or a busy accounts service) must not break a public page
        elif isinstance(exc, m.ServiceError):
            raise
        else:
            return _refused(request, exc, None)
    request[PRINCIPAL] = principal
    if policy.right is not None:
        office = request.match_info.get(policy.office) if policy.office else None
        counter = request.match_info.get(policy.counter) if policy.counter else None
        try:
            check(principal.actor if principal else None, policy.right, office, counter)
        except DomainError as exc:
            return _refused(request, exc, principal)
    return await handler(request)


def to_login(request: web.Request) -> web.HTTPSeeOther:
    """The login page, and back to this page afterwards (what every staff page does without a staff session)."""
    return web.HTTPSeeOther(f"/login?next={quote(request.path_qs, safe='/')}")


def _refused(request: web.Request, exc: DomainError, principal: Principal | None) -> web.StreamResponse:
    who = principal.actor.describe() if principal else "anonymous"
    log.warning("refused %s %s for %s from %s: %s", request.method, request.path, who, request.remote,
                exc.message_en)
    if request.path.startswith("/api") or "text/html" not in request.headers.get("Accept", ""):
        return error_response(exc.code, exc.message_vi, exc.message_en, details=exc.details)
    if exc.code == "unauthenticated":
        raise to_login(request)
    return error_response(exc.code, exc.message_vi, exc.message_en, details=exc.details)

