"""Who may call what: every route of the web front against every kind of caller.

The routes come from the application's own router (sub-applications included): a route missing from EXPECTED
fails the test, so no new endpoint can slip through without a decision on who may call it. A call is "allowed"
when the answer is anything but 401 or 403 (a 404 or 409 means the rights were granted and the request then
went its way)."""
from __future__ import annotations

import asyncio
import uuid
from typing import AsyncIterator

import aiohttp
from aiohttp import web
from aiohttp.web_urldispatcher import DynamicResource, PlainResource, PrefixedSubAppResource, StaticResource

from services import messages as m
from services.system import Running
from tests.conftest import unique
from tests.integration.conftest import OFFICE_SPEC, PASSWORD, ask, bearer, enrol, login

ANYONE = frozenset({"anonymous", "admin", "manager", "clerk", "clerk_b", "kiosk", "display", "tablet"})
STAFF = frozenset({"admin", "manager", "clerk"})
ADMIN = frozenset({"admin"})
MANAGERS = frozenset({"admin", "manager"})
SIGNED_IN = ANYONE - {"anonymous"}

# (method, route as registered) -> who may call it. Path parameters are filled in by `fill`.
EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/healthz"): ANYONE,
    ("GET", "/api/openapi.json"): ANYONE,
    ("GET", "/api/offices/{office}"): ANYONE,
    ("PUT", "/api/offices/{office}"): MANAGERS,
    ("GET", "/api/offices/{office}/services"): ANYONE,
    ("POST", "/api/offices/{office}/tickets"): STAFF | {"kiosk"},
    ("GET", "/api/offices/{office}/queue"): ANYONE,                  # anyone else sees numbers and counts only
    ("POST", "/api/offices/{office}/counters/{counter}/next"): STAFF,
    ("POST", "/api/offices/{office}/counters/{counter}/call"): STAFF,
    ("POST", "/api/offices/{office}/counters/{counter}/pause"): STAFF,
    ("POST", "/api/offices/{office}/counters/{counter}/resume"): STAFF,
    ("GET", "/api/tickets/{ticket}"): ANYONE,                        # the id is the citizen's key
    ("POST", "/api/tickets/{ticket}/cancel"): ANYONE - {"clerk_b"},  # the citizen may leave; staff of another office may not act
    ("POST", "/api/tickets/{ticket}/transfer"): STAFF,
    ("POST", "/api/tickets/{ticket}/{action}"): STAFF,
    ("POST", "/api/auth/login"): ANYONE,
    ("POST", "/api/auth/logout"): ANYONE,
    ("GET", "/api/auth/me"): SIGNED_IN,
    ("POST", "/api/users"): MANAGERS,                                # managers: clerks of their office only
    ("GET", "/api/users"): MANAGERS,
    ("POST", "/api/users/{user}/disable"): MANAGERS,
    ("POST", "/api/users/{user}/enable"): MANAGERS,
    ("PUT", "/api/users/{user}/password"): MANAGERS,
    ("POST", "/api/devices"): MANAGERS,                              # managers: their office's devices only
    ("GET", "/api/devices"): MANAGERS,
    ("DELETE", "/api/devices/{device}"): MANAGERS,
    # Citizens belong to the province, not one office: staff of any office read them and erase a face on request.
    ("POST", "/api/identity/cccd"): STAFF | {"clerk_b", "kiosk"},
    ("POST", "/api/citizens"): STAFF | {"clerk_b", "kiosk"},
    ("GET", "/api/citizens/{citizen_id}"): STAFF | {"clerk_b"},
    ("DELETE", "/api/citizens/{citizen_id}/face"): STAFF | {"clerk_b"},
    ("GET", "/api/citizens/{citizen_id}/audit"): ADMIN,
    ("POST", "/api/offices/{office}/identify"): STAFF | {"kiosk"},
    ("GET", "/"): ANYONE,
    ("GET", "/login"): ANYONE,
    ("GET", "/kiosk/qr/{ticket}.svg"): ANYONE,
    ("GET", "/kiosk/{office}"): ANYONE,
    ("POST", "/kiosk/{office}/print/{ticket}"): STAFF | {"kiosk"},
    ("GET", "/counter/{office}"): ANYONE,
    ("GET", "/counter/{office}/events"): STAFF,
    # The page: without a staff session it sends to /login; a clerk of another office is told why not.
    ("GET", "/counter/{office}/{counter}"): ANYONE - {"clerk_b"},
    # The citizen-facing pay screen: the page holds no data; its stream is the office's staff' and the tablet
    # enrolled for that counter's (the tablet here is counter 1's; another counter's: tests/integration/test_pay_screen).
    ("GET", "/counter/{office}/{counter}/pay"): ANYONE,
    ("GET", "/counter/{office}/{counter}/pay/events"): STAFF | {"tablet"},
    ("POST", "/counter/{office}/{counter}/fees/{fee}/print"): STAFF,       # no such fee here: 404 once allowed
    ("GET", "/display/chime.wav"): ANYONE,
    ("GET", "/display/{office}"): ANYONE,
    ("GET", "/display/{office}/events"): STAFF | {"display"},
    ("GET", "/display/{office}/announce"): STAFF | {"display"},
    ("GET", "/display/{office}/announce.wav"): STAFF | {"display"},
    ("GET", "/t/{ticket}"): ANYONE,
    ("GET", "/t/{ticket}/events"): ANYONE,
    # Payment. Fees: staff, and the service checks the ticket's office (the ticket here waits: staff get 409).
    ("POST", "/api/tickets/{ticket}/fees"): STAFF,
    ("GET", "/api/fees/{fee}"): ANYONE,                              # the fee's id is the citizen's key
    ("GET", "/api/fees/{fee}/qr.svg"): ANYONE,
    # No such fee or exception here: its office is checked once found (tests/integration/test_payment.py).
    ("POST", "/api/fees/{fee}/cancel"): STAFF | {"clerk_b"},
    ("POST", "/api/payments/exceptions/{exception}/resolve"): STAFF | {"clerk_b"},
    ("POST", "/api/payments/sepay"): frozenset(),                    # the gateway's key, never staff credentials
    ("POST", "/api/payments/payos"): frozenset(),
    ("GET", "/api/payments/exceptions"): ADMIN,                      # transfers of no known office
    ("GET", "/api/offices/{office}/payments"): STAFF,
    ("GET", "/api/offices/{office}/payments/exceptions"): STAFF,
    ("GET", "/api/receipts/{receipt}"): ANYONE,                      # by the receipt's unguessable id
    ("GET", "/receipts/{receipt}"): ANYONE,
    ("GET", "/receipts/{receipt}.pdf"): ANYONE,
    ("GET", "/receipts/{receipt}/qr.svg"): ANYONE,                   # the pay screen shows it to keep the receipt
    # Votes: the citizen's phone (the ticket's id is its key) and the counter's tablet; staff may not vote for a
    # citizen, nor may the kiosk or the hall display. The ticket here still waits: those allowed get 409.
    ("POST", "/api/tickets/{ticket}/rating"): frozenset({"anonymous", "tablet"}),
    ("GET", "/counter/{office}/{counter}/rate"): ANYONE,                # the page holds no data
    ("GET", "/counter/{office}/{counter}/rate/events"): frozenset({"admin", "tablet"}),
    # Figures: the office's managers (and a province's managers: tests/integration/test_stats.py) and admins.
    ("GET", "/api/offices/{office}/stats"): MANAGERS,
    ("GET", "/api/offices/{office}/stats/export"): MANAGERS,
    ("GET", "/api/stats/offices"): MANAGERS,
    ("GET", "/api/provinces/{province}/stats"): ADMIN,                 # this manager's office is in no province
    ("POST", "/api/stats/rebuild"): ADMIN,
    # The manager's view (display/manage/views.py). Pages: without a staff session (devices included) they send to
    # /login (303, "allowed" here); a clerk, or a manager of another office or province, gets a 403 page. The stream
    # is REPORT over the office. This manager's office is in no province: "ha-noi" is not theirs.
    ("GET", "/manage/"): ANYONE - {"clerk", "clerk_b"},                 # an office's manager is sent to their office
    ("GET", "/manage/province/{province}"): ANYONE - {"manager", "clerk", "clerk_b"},
    ("GET", "/manage/{office}"): ANYONE - {"clerk", "clerk_b"},
    ("GET", "/manage/{office}/events"): MANAGERS,
    ("GET", "/manage/{office}/history"): ANYONE - {"clerk", "clerk_b"},
    ("GET", "/manage/{office}/report"): ANYONE - {"clerk", "clerk_b"},
    # -- end of the manager's view
    # The settings pages (display/manage/settings.py).
    ("GET", "/api/offices/{office}/configuration"): MANAGERS,
    # The pages hold no data: without a staff session they send to /login (303, "anonymous" below); a clerk, a device
    # or another office's staff get a 403 page saying why.
    ("GET", "/manage/{office}/settings"): MANAGERS | {"anonymous"},
    ("GET", "/manage/{office}/settings/staff"): MANAGERS | {"anonymous"},
    ("GET", "/manage/{office}/settings/devices"): MANAGERS | {"anonymous"},
    # -- end of the settings pages
}
STREAMS = ("/events",)
TICKET_ACTIONS = ("recall", "skip", "start", "complete", "return")


def routes_of(app: web.Application) -> list[tuple[str, str]]:
    """(method, path template) of every route, sub-applications included (their routes carry the prefix already);
    static folders are public by nature."""
    found = []
    for resource in app.router.resources():
        if isinstance(resource, PrefixedSubAppResource):
            found += routes_of(resource._app)
        elif isinstance(resource, StaticResource):
            continue
        elif isinstance(resource, (PlainResource, DynamicResource)):
            canonical = resource.canonical.replace("{action:recall|skip|start|complete|return}", "{action}")
            found += [(route.method, canonical) for route in resource if route.method != "HEAD"]
    return found


async def test_every_route_against_every_caller(system: Running) -> None:
    from services.web import build_web_app

    declared = set(routes_of(build_web_app(system.bus)))
    assert declared == set(EXPECTED), (f"routes without an expectation: {sorted(declared - set(EXPECTED))}; "
                                       f"expectations without a route: {sorted(set(EXPECTED) - declared)}")

    office_a, office_b = unique("a"), unique("b")
    for office in (office_a, office_b):
        await ask(system, m.ConfigureOffice(office=office, **OFFICE_SPEC))
    tokens = {
        "admin": await login(system, unique("ad"), "admin"),
        "manager": await login(system, unique("mg"), "manager", office_a),
        "clerk": await login(system, unique("cl"), "clerk", office_a, "1"),
        "clerk_b": await login(system, unique("cb"), "clerk", office_b, "1"),
        "kiosk": (await enrol(system, office_a, "kiosk"))["token"],
        "display": (await enrol(system, office_a, "display"))["token"],
        "tablet": (await enrol(system, office_a, "tablet", "1"))["token"],
    }
    target = await ask(system, m.CreateUser(username=unique("tg"), password=PASSWORD, role="clerk", office=office_a))
    device = await enrol(system, office_a, "kiosk")

    async def fill(template: str) -> str:
        ticket = await ask(system, m.IssueTicket(office=office_a, service="HT"))
        return (template.replace("{office}", office_a).replace("{counter}", "1").replace("{ticket}", ticket["id"])
                .replace("{user}", target["id"]).replace("{device}", device["id"])
                .replace("{citizen_id}", "00000000-0000-4000-8000-000000000000")
                .replace("{fee}", str(uuid.uuid4())).replace("{exception}", str(uuid.uuid4()))
                .replace("{receipt}", str(uuid.uuid4())).replace("{province}", "ha-noi"))

    async with aiohttp.ClientSession(system.base_url) as http:
        async def status(method: str, path: str, who: str) -> int:
            headers = bearer(tokens[who]) if who in tokens else {}
            body = {"username": unique("x"), "password": "sai mật khẩu", "service": "HT", "name": "Văn phòng thử",
                    "office": office_a, "kind": "kiosk", "role": "clerk", "amount": 50000, "description": "Lệ phí",
                    "note": "Đã xử lý"}
            if path.endswith("/password"):
                body = {"password": "một mật khẩu mới đủ dài"}
            if method == "PUT" and path.startswith("/api/offices/"):
                body = OFFICE_SPEC
            if path.endswith("/login"):
                body = {"username": target["username"], "password": PASSWORD}
            if path.endswith("/logout"):
                headers = {}           # logging out a caller's own session is tried separately below
            timeout = aiohttp.ClientTimeout(total=10, sock_read=3)
            async with http.request(method, path, json=body if method != "GET" else None, headers=headers,
                                    timeout=timeout, allow_redirects=False) as r:
                return r.status        # streams: the status line is enough

        refusals = []
        for method, template in sorted(EXPECTED):
            paths = [template.replace("{action}", a) for a in TICKET_ACTIONS] if "{action}" in template else [template]
            for path_template in paths:
                for who in sorted(ANYONE):
                    path = await fill(path_template)
                    code = await status(method, path, who)
                    allowed = code not in (401, 403)
                    if allowed != (who in EXPECTED[(method, template)]):
                        refusals.append(f"{method} {path_template} as {who}: {code}")
                    no_printer = code == 503 and "/print/" in path        # no ESC/POS printer in this test
                    assert code < 500 or no_printer, f"{method} {path} as {who}: {code}"
        assert not refusals, "\n".join(refusals)


async def test_every_response_carries_the_security_headers(system: Running) -> None:
    async with aiohttp.ClientSession(system.base_url) as http:
        for path in ("/healthz", "/login", "/api/offices/nope", "/kiosk/nope", "/common/base.css", "/nowhere"):
            async with http.get(path) as r:
                csp = r.headers.get("Content-Security-Policy", "")
                assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp, path
                assert "http" not in csp, path                              # no remote origin at all
                assert r.headers["X-Content-Type-Options"] == "nosniff", path
                assert r.headers["Referrer-Policy"] == "same-origin", path


async def test_bodies_over_a_mebibyte_are_refused_with_413(system: Running) -> None:
    token = await login(system, unique("ad"), "admin")
    async with aiohttp.ClientSession(system.base_url, headers=bearer(token)) as http:
        async with http.post("/api/offices/x/tickets", data=b"{" + b" " * (1024 * 1024 + 10) + b"}",
                             headers={"Content-Type": "application/json"}) as r:
            assert r.status == 413
            assert (await r.json())["error"]["code"] == "payload_too_large"

        async def chunked() -> AsyncIterator[bytes]:     # no Content-Length: refused while reading
            for _ in range(20):
                yield b" " * 100_000
                await asyncio.sleep(0)

        async with http.post("/api/users", data=chunked(), headers={"Content-Type": "application/json"}) as r:
            assert r.status == 413


async def test_the_openapi_description_covers_every_api_route(system: Running) -> None:
    from services.api.openapi import openapi_document
    from services.web import build_web_app

    described = {(method.upper(), path) for path, ops in openapi_document()["paths"].items() for method in ops}
    declared = set()
    for method, template in routes_of(build_web_app(system.bus)):
        if template.startswith("/api/") and template != "/api/openapi.json":
            paths = [template.replace("{action}", a) for a in TICKET_ACTIONS] if "{action}" in template else [template]
            declared |= {(method, p) for p in paths}
    assert described == declared, (sorted(declared - described), sorted(described - declared))
