"""Staff logins, lock-out, expiry and revocation; enrolled devices; what anonymous callers and boards may see."""
from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from typing import AsyncIterator

import aiohttp
import pytest

from services import messages as m
from services.config import Settings
from services.system import Running, whole_system
from tests.conftest import unique
from tests.integration.conftest import OFFICE_SPEC, PASSWORD, ask, bearer, enrol, login

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
async def proxied(infra: Settings) -> AsyncIterator[Running]:
    """Behind a trusted proxy (127.0.0.1), so tests choose the caller's address with X-Forwarded-For; short
    sessions; a slow kiosk rate."""
    settings = replace(infra, db_schema=unique("t_"), subject_prefix=unique("t"), port=0,
                       trusted_proxies=("127.0.0.1/32",), session_ttl_s=3, kiosk_tickets_per_min=6)
    async with whole_system(settings, with_screens=True) as running:
        yield running
        await running.system_bus.js.delete_stream(settings.stream)


async def attempt(http: aiohttp.ClientSession, username: str, password: str, address: str) -> aiohttp.ClientResponse:
    async with http.post("/api/auth/login", json={"username": username, "password": password},
                         headers={"X-Forwarded-For": f"10.9.8.7, {address}"}) as r:
        await r.read()
        return r


async def test_login_answers_a_token_with_role_office_and_expiry(system: Running, anonymous: aiohttp.ClientSession,
                                                                 office: str) -> None:
    await ask(system, m.CreateUser(username="Canbo.Mot", password=PASSWORD, role="clerk", office=office, counter="2"))
    async with anonymous.post("/api/auth/login", json={"username": "canbo.mot", "password": PASSWORD}) as r:
        assert r.status == 200
        session = await r.json()
    assert (session["role"], session["office"], session["counter"]) == ("clerk", office, "2")
    assert session["token"].startswith("mcs_") and session["expires_at"] > "2026"
    async with anonymous.get("/api/auth/me", headers=bearer(session["token"])) as r:
        me = (await r.json())["actor"]
    assert (me["type"], me["name"], me["role"], me["office"]) == ("user", "canbo.mot", "clerk", office)
    for body in ({"username": "canbo.mot", "password": "sai mật khẩu"}, {"username": "khong-co", "password": PASSWORD}):
        async with anonymous.post("/api/auth/login", json=body) as r:
            assert r.status == 401
            error = (await r.json())["error"]
        assert error["message"] == "Sai tên đăng nhập hoặc mật khẩu"      # the same answer: no user enumeration
    async with anonymous.get("/api/auth/me", headers=bearer("mcs_" + "x" * 43)) as r:
        assert r.status == 401


async def test_five_failures_for_one_name_or_from_one_address_lock_out(proxied: Running) -> None:
    await ask(proxied, m.CreateUser(username="nan", password=PASSWORD, role="admin"))
    await ask(proxied, m.CreateUser(username="khac", password=PASSWORD, role="admin"))
    async with aiohttp.ClientSession(proxied.base_url) as http:
        for i in range(5):                                        # one name, from five places
            assert (await attempt(http, "nan", "sai mật khẩu", f"192.0.2.{i}")).status == 401
        locked = await attempt(http, "nan", PASSWORD, "192.0.2.99")          # even the right password
        assert locked.status == 429 and 200 <= int(locked.headers["Retry-After"]) <= 300
        assert (await attempt(http, "khac", PASSWORD, "192.0.2.99")).status == 200   # others are not locked

        for i in range(5):                                        # five names, from one place
            assert (await attempt(http, f"doan{i}", "sai mật khẩu", "198.51.100.7")).status == 401
        assert (await attempt(http, "khac", PASSWORD, "198.51.100.7")).status == 429
        assert (await attempt(http, "khac", PASSWORD, "198.51.100.8")).status == 200


async def test_sessions_expire_and_logout_or_disabling_revokes_at_once(proxied: Running) -> None:
    office = unique("o")
    await ask(proxied, m.ConfigureOffice(office=office, **OFFICE_SPEC))
    token = await login(proxied, "hethan", "clerk", office)
    async with aiohttp.ClientSession(proxied.base_url) as http:
        async with http.get("/api/auth/me", headers=bearer(token)) as r:
            assert r.status == 200
        await asyncio.sleep(3.2)                                   # this system's sessions last 3 s
        async with http.get("/api/auth/me", headers=bearer(token)) as r:
            assert r.status == 401
            assert (await r.json())["error"]["details"]["reason"] == "expired"

        token = await login(proxied, "dangxuat", "clerk", office)
        async with http.post("/api/auth/logout", headers=bearer(token)) as r:
            assert r.status == 200
        async with http.get("/api/auth/me", headers=bearer(token)) as r:
            assert r.status == 401 and (await r.json())["error"]["details"]["reason"] == "revoked"

        clerk = await login(proxied, "bikhoa", "clerk", office)
        manager = await login(proxied, "truongphong", "manager", office)
        async with http.post(f"/api/offices/{office}/counters/1/pause", headers=bearer(clerk)) as r:
            assert r.status == 200                                  # cached as valid now
        async with http.post("/api/users/bikhoa/disable", headers=bearer(manager)) as r:
            assert r.status == 200 and (await r.json())["disabled"] is True
        async with http.post(f"/api/offices/{office}/counters/1/resume", headers=bearer(clerk)) as r:
            assert r.status == 401                                  # from that moment
        async with http.post("/api/auth/login", json={"username": "bikhoa", "password": PASSWORD}) as r:
            assert r.status == 401 and "khoá" in (await r.json())["error"]["message"]


async def test_devices_are_enrolled_and_revoked_by_an_admin(system: Running, http: aiohttp.ClientSession,
                                                            anonymous: aiohttp.ClientSession, office: str) -> None:
    async with http.post("/api/devices", json={"office": office, "kind": "kiosk", "name": "Kiosk sảnh"}) as r:
        assert r.status == 201
        kiosk = await r.json()
    assert set(kiosk) >= {"id", "token"} and kiosk["link"] == f"/kiosk/{office}#device={kiosk['token']}"
    async with http.post("/api/devices", json={"office": office, "kind": "tablet", "name": "Bảng quầy 2",
                                               "counter": "2"}) as r:
        assert r.status == 201 and (await r.json())["counter"] == "2"
    for bad in ({"office": office, "kind": "printer", "name": "x"}, {"office": office, "kind": "kiosk", "name": " "},
                {"office": office, "kind": "kiosk", "name": "k", "counter": "1"}, {"kind": "kiosk", "name": "k"}):
        async with http.post("/api/devices", json=bad) as r:
            assert r.status == 400, bad
            assert (await r.json())["error"]["message"]

    tickets = f"/api/offices/{office}/tickets"
    async with anonymous.post(tickets, json={"service": "HT"}, headers=bearer(kiosk["token"])) as r:
        assert r.status == 201
        issued = await r.json()
    assert issued["number"] == "HT-001"
    async with http.delete(f"/api/devices/{kiosk['id']}") as r:
        assert r.status == 200 and (await r.json())["revoked_at"]
    async with anonymous.post(tickets, json={"service": "HT"}, headers=bearer(kiosk["token"])) as r:
        assert r.status == 401
    async with http.get("/api/devices", params={"office": office}) as r:
        listed = {d["id"]: d for d in await r.json()}
    assert listed[kiosk["id"]]["revoked_at"] and "token" not in listed[kiosk["id"]]

    # A stolen display token reads the board of its office, and nothing else.
    display = await enrol(system, office, "display")
    for method, path in (("POST", f"/api/offices/{office}/counters/1/next"), ("POST", tickets),
                         ("POST", f"/api/tickets/{issued['id']}/complete"), ("PUT", f"/api/offices/{office}")):
        async with anonymous.request(method, path, json={"service": "HT", "name": "x"},
                                     headers=bearer(display["token"])) as r:
            assert r.status == 403, (method, path)


async def test_cookie_sessions_need_the_csrf_token_for_changes(system: Running, office: str) -> None:
    await ask(system, m.CreateUser(username="trinhduyet", password=PASSWORD, role="clerk", office=office))
    async with aiohttp.ClientSession(system.base_url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        await _cookie_session(browser, office)


async def _cookie_session(anonymous: aiohttp.ClientSession, office: str) -> None:
    async with anonymous.post("/api/auth/login", json={"username": "trinhduyet", "password": PASSWORD,
                                                       "session": "cookie"}) as r:
        session = await r.json()
        cookies = {c.key: c for c in r.cookies.values()}
    assert cookies["motcua_session"]["httponly"] and cookies["motcua_session"]["samesite"] == "Strict"
    assert not cookies["motcua_csrf"]["httponly"] and cookies["motcua_csrf"].value == session["csrf"]
    async with anonymous.get(f"/api/offices/{office}/queue") as r:
        assert "waiting" in await r.json()                        # the cookie alone reads (GET)
    pause = f"/api/offices/{office}/counters/1/pause"
    async with anonymous.post(pause) as r:
        assert r.status == 403 and "CSRF" in (await r.json())["error"]["message"]
    async with anonymous.post(pause, headers={"X-CSRF-Token": "doan-bua"}) as r:
        assert r.status == 403
    async with anonymous.post(pause, headers={"X-CSRF-Token": session["csrf"]}) as r:
        assert r.status == 200


async def test_ticket_issuing_is_rate_limited_per_kiosk(proxied: Running) -> None:
    office = unique("o")
    await ask(proxied, m.ConfigureOffice(office=office, **OFFICE_SPEC))
    first, second = await enrol(proxied, office, "kiosk"), await enrol(proxied, office, "kiosk")
    path = f"/api/offices/{office}/tickets"
    async with aiohttp.ClientSession(proxied.base_url) as http:
        statuses = []
        for _ in range(8):                                          # a burst of 5 (the minimum) at 6 a minute
            async with http.post(path, json={"service": "HT"}, headers=bearer(first["token"])) as r:
                statuses.append(r.status)
                retry = r.headers.get("Retry-After")
        assert statuses[:5] == [201] * 5 and statuses[5:] == [429] * 3 and retry and int(retry) >= 1
        async with http.post(path, json={"service": "HT"}, headers=bearer(second["token"])) as r:
            assert r.status == 201                                  # per device


async def test_managers_configure_their_own_office_only(system: Running, anonymous: aiohttp.ClientSession,
                                                        office: str) -> None:
    manager = await login(system, "lanhdao", "manager", office)
    body = {**OFFICE_SPEC, "name": "Bộ phận Một cửa – đổi tên"}
    async with anonymous.put(f"/api/offices/{office}", json=body, headers=bearer(manager)) as r:
        assert r.status == 200
    async with anonymous.get(f"/api/offices/{office}") as r:
        assert (await r.json())["name"] == "Bộ phận Một cửa – đổi tên"
    async with anonymous.put(f"/api/offices/{unique('new')}", json=body, headers=bearer(manager)) as r:
        assert r.status == 403                                      # other offices, and new ones: admins only


async def test_anonymous_reads_and_the_board_stream_carry_no_ids_and_no_categories(
        system: Running, http: aiohttp.ClientSession, anonymous: aiohttp.ClientSession, office: str) -> None:
    display = await enrol(system, office, "display")
    clerk = await login(system, "nguoigoi", "clerk", office)
    board: list[str] = []

    async def read_board() -> None:
        async with anonymous.get(f"/display/{office}/events", headers=bearer(display["token"])) as r:
            assert r.status == 200
            async for line in r.content:
                board.append(line.decode())

    reader = asyncio.create_task(read_board())
    await asyncio.sleep(0.5)
    normal = await ask(system, m.IssueTicket(office=office, service="HT"))
    elderly = await ask(system, m.IssueTicket(office=office, service="HT", priority="disability"))
    async with anonymous.post(f"/api/offices/{office}/counters/1/next", headers=bearer(clerk)) as r:
        assert (await r.json())["ticket"]["id"] == elderly["id"]
    for _ in range(50):
        if sum("ticket.called" in line for line in board) and len([x for x in board if x.startswith("data:")]) >= 4:
            break
        await asyncio.sleep(0.1)
    reader.cancel()
    if reader.done() and not reader.cancelled() and reader.exception():
        raise reader.exception()  # type: ignore[misc]
    text = "".join(board)
    assert "ticket.issued" in text and "ticket.called" in text and elderly["number"] in text
    event_ids = {json.loads(line[5:]).get("event_id") for line in board if line.startswith("data:")}
    assert normal["id"] not in text and elderly["id"] not in text
    assert set(UUID.findall(text)) <= event_ids, text    # no id but the events' own (for de-duplication)
    assert "disability" not in text and "khuyết tật" not in text and "actor" not in text
    called = [json.loads(line[5:]) for line in board if line.startswith("data:") and "ticket.called" in line][-1]
    assert called["counts"]["HT"] == {"waiting": 1, "priority_waiting": 0} and called["counter"] == "1"

    async with anonymous.get(f"/api/offices/{office}/queue") as r:
        public = await r.text()
    assert normal["number"] not in public and not UUID.search(public) and "disability" not in public
    assert '"waiting": 1' in public
    async with http.get(f"/api/offices/{office}/queue") as r:
        detail = await r.json()
    assert detail["waiting"][0]["id"] == normal["id"]              # staff see the detail

    async with anonymous.get(f"/display/{office}/events") as r:
        assert r.status == 401                                    # the board's stream needs the display's token


async def test_every_ticket_event_records_who_acted(system: Running, office: str) -> None:
    from tests.integration.test_events import stream_events

    kiosk = await enrol(system, office, "kiosk")
    clerk = await login(system, "ghinhan", "clerk", office)
    async with aiohttp.ClientSession(system.base_url) as http:
        async with http.post(f"/api/offices/{office}/tickets", json={"service": "CT"},
                             headers=bearer(kiosk["token"])) as r:
            ticket = await r.json()
        async with http.post(f"/api/offices/{office}/counters/1/next", headers=bearer(clerk)) as r:
            assert (await r.json())["ticket"]["id"] == ticket["id"]
        async with http.post(f"/api/offices/{office}/tickets", json={"service": "CT"},
                             headers=bearer(kiosk["token"])) as r:
            leaving = await r.json()
        async with http.post(f"/api/tickets/{leaving['id']}/cancel") as r:        # the citizen leaves the queue
            assert r.status == 200
    events = await stream_events(system, office, 5)
    issued, called, cancelled = events[1], events[2], events[4]
    assert (issued["actor"]["type"], issued["actor"]["id"], issued["actor"]["kind"]) == ("device", kiosk["id"], "kiosk")
    assert (called["actor"]["type"], called["actor"]["name"], called["actor"]["role"]) == ("user", "ghinhan", "clerk")
    assert cancelled["type"] == "ticket.cancelled" and cancelled["actor"] is None        # by the holder of the id
