"""The HTTP contract of issue #2, end to end through NATS and PostgreSQL."""
from __future__ import annotations

import aiohttp

from services.system import Running


async def issue(http: aiohttp.ClientSession, office: str, service: str = "HT", **kw: object) -> dict:
    async with http.post(f"/api/offices/{office}/tickets", json={"service": service, **kw}) as r:
        assert r.status == 201, await r.text()
        return await r.json()


async def test_services_are_listed_with_vietnamese_names(http: aiohttp.ClientSession, office: str) -> None:
    async with http.get(f"/api/offices/{office}/services") as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("application/json")
        services = await r.json()
    assert [(s["code"], s["name"]) for s in services] == [("HT", "Hộ tịch"), ("CT", "Chứng thực"), ("DD", "Đất đai")]


async def test_issue_call_serve_complete(http: aiohttp.ClientSession, office: str) -> None:
    first = await issue(http, office)
    second = await issue(http, office)
    assert (first["number"], second["number"]) == ("HT-001", "HT-002")
    assert first["status"] == "waiting" and first["service"] == "HT"
    assert (first["waiting_ahead"], second["waiting_ahead"]) == (0, 1)
    assert second["estimated_wait_s"] > 0 and isinstance(first["estimated_wait_s"], int)

    async with http.post(f"/api/offices/{office}/counters/2/next") as r:
        assert r.status == 200
        called = (await r.json())["ticket"]
    assert (called["id"], called["status"], called["counter"]) == (first["id"], "called", "2")

    for action, status in (("recall", "called"), ("start", "serving"), ("complete", "done")):
        async with http.post(f"/api/tickets/{first['id']}/{action}") as r:
            assert r.status == 200, await r.text()
            assert (await r.json())["ticket"]["status"] == status

    async with http.get(f"/api/tickets/{second['id']}") as r:
        assert (await r.json())["waiting_ahead"] == 0


async def test_plain_numeric_range_service(http: aiohttp.ClientSession, office: str) -> None:
    assert (await issue(http, office, "DD"))["number"] == "1001"


async def test_nobody_waiting_is_404_with_a_message(http: aiohttp.ClientSession, office: str) -> None:
    async with http.post(f"/api/offices/{office}/counters/3/next") as r:
        assert r.status == 404
        error = (await r.json())["error"]
    assert error["code"] == "nobody_waiting" and "quầy 3" in error["message"] and error["message_en"]


async def test_idempotency_key_returns_the_same_ticket(http: aiohttp.ClientSession, office: str) -> None:
    headers = {"Idempotency-Key": "kiosk-7-press-42"}
    tickets = []
    for _ in range(3):
        async with http.post(f"/api/offices/{office}/tickets", json={"service": "CT"}, headers=headers) as r:
            assert r.status == 201
            tickets.append(await r.json())
    assert len({t["id"] for t in tickets}) == 1 and tickets[0]["number"] == "CT-001"
    assert (await issue(http, office, "CT"))["number"] == "CT-002"  # no number was burnt
    async with http.post(f"/api/offices/{office}/tickets", json={"service": "HT"}, headers=headers) as r:
        assert r.status == 409  # same key, another request


async def test_errors_are_404_400_409_in_vietnamese_and_english(http: aiohttp.ClientSession, office: str) -> None:
    cases = [
        ("GET", "/api/offices/nope/services", None, 404),
        ("POST", "/api/offices/nope/tickets", {"service": "HT"}, 404),
        ("POST", f"/api/offices/{office}/tickets", {"service": "XX"}, 404),
        ("POST", f"/api/offices/{office}/counters/99/next", None, 404),
        ("POST", "/api/tickets/00000000-0000-0000-0000-000000000000/complete", None, 404),
        ("POST", "/api/tickets/not-a-uuid/complete", None, 404),
        ("POST", f"/api/offices/{office}/tickets", {"priority": "elderly"}, 400),
        ("POST", f"/api/offices/{office}/tickets", {"service": 12}, 400),
        ("POST", f"/api/offices/{office}/tickets", {"service": "HT", "priority": "vip"}, 400),
        ("POST", f"/api/offices/{office}/tickets", ["HT"], 400),
    ]
    for method, path, body, status in cases:
        async with http.request(method, path, json=body) as r:
            assert r.status == status, (path, body, await r.text())
            error = (await r.json())["error"]
            assert error["message"] and error["message_en"], error
    async with http.post(f"/api/offices/{office}/tickets", data=b"{not json", headers={"Content-Type": "application/json"}) as r:
        assert r.status == 400 and "JSON" in (await r.json())["error"]["message"]

    ticket = await issue(http, office)
    async with http.post(f"/api/tickets/{ticket['id']}/complete") as r:
        assert r.status == 409
        assert "đang chờ" in (await r.json())["error"]["message"]


async def test_priority_skip_return_transfer_cancel(http: aiohttp.ClientSession, office: str) -> None:
    normal = await issue(http, office, "CT")
    elderly = await issue(http, office, "CT", priority="elderly")
    assert elderly["waiting_ahead"] == 0 and elderly["priority"] == "elderly"
    async with http.post(f"/api/offices/{office}/counters/1/next") as r:
        assert (await r.json())["ticket"]["id"] == elderly["id"]
    async with http.post(f"/api/tickets/{elderly['id']}/skip") as r:
        assert (await r.json())["ticket"]["status"] == "no_show"
    async with http.post(f"/api/tickets/{elderly['id']}/return") as r:
        assert (await r.json())["ticket"]["status"] == "waiting"
    async with http.post(f"/api/offices/{office}/counters/1/next") as r:
        assert (await r.json())["ticket"]["id"] == elderly["id"]
    async with http.post(f"/api/tickets/{elderly['id']}/transfer", json={"service": "HT"}) as r:
        moved = (await r.json())["ticket"]
    assert (moved["service"], moved["number"], moved["status"]) == ("HT", elderly["number"], "waiting")
    async with http.post(f"/api/tickets/{normal['id']}/transfer", json={"service": "DD", "counter": "1"}) as r:
        assert r.status == 400  # counter 1 does not serve DD
    async with http.post(f"/api/tickets/{normal['id']}/cancel") as r:
        assert (await r.json())["ticket"]["status"] == "cancelled"


async def test_call_a_chosen_ticket_pause_and_queue(http: aiohttp.ClientSession, office: str) -> None:
    a, b = await issue(http, office), await issue(http, office)
    async with http.post(f"/api/offices/{office}/counters/2/call", json={"number": b["number"]}) as r:
        assert r.status == 200 and (await r.json())["ticket"]["id"] == b["id"]
    async with http.post(f"/api/offices/{office}/counters/1/call", json={"ticket_id": b["id"]}) as r:
        assert r.status == 409  # already called at counter 2: a second clerk cannot take it
    async with http.post(f"/api/offices/{office}/counters/1/pause") as r:
        assert (await r.json())["paused"] is True
    async with http.post(f"/api/offices/{office}/counters/1/next") as r:
        assert r.status == 409 and "tạm dừng" in (await r.json())["error"]["message"]
    async with http.post(f"/api/offices/{office}/counters/1/resume") as r:
        assert (await r.json())["paused"] is False
    async with http.post(f"/api/offices/{office}/counters/2/next", json={"complete": b["id"]}) as r:
        body = await r.json()
    assert body["completed"]["id"] == b["id"] and body["ticket"]["id"] == a["id"]
    async with http.get(f"/api/offices/{office}/queue") as r:
        queue = await r.json()
    counters = {c["id"]: c for c in queue["counters"]}
    assert counters["2"]["current"]["number"] == a["number"] and counters["1"]["current"] is None
    assert {s["code"]: s["waiting"] for s in queue["services"]} == {"HT": 0, "CT": 0, "DD": 0}


async def test_openapi_and_health(http: aiohttp.ClientSession) -> None:
    async with http.get("/api/openapi.json") as r:
        doc = await r.json()
    assert doc["openapi"].startswith("3.") and "/api/offices/{office}/tickets" in doc["paths"]
    async with http.get("/healthz") as r:
        body = await r.json()
        assert r.status == 200 and {k: body[k] for k in ("status", "nats", "database")} == \
            {"status": "ok", "nats": True, "database": True}
        assert body["outbox"]["backlog"] >= 0 and body["outbox"]["oldest_s"] >= 0


async def test_health_is_503_when_the_ticketing_service_is_gone(infra, system: Running) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from services.system import bus_connection, web_server
    from services.web import build_web_app

    lonely = replace(system.settings, subject_prefix="nobody-serves-this")
    async with bus_connection(lonely, "web") as bus, web_server(build_web_app(bus, with_screens=False),
                                                                "127.0.0.1", 0) as port:
        async with aiohttp.ClientSession() as s, s.get(f"http://127.0.0.1:{port}/healthz") as r:
            assert r.status == 503
            body = await r.json()
    # Nobody answers for ticketing: its database is unknown (null), not blamed.
    assert body["nats"] is True and body["database"] is None
    assert body["parts"]["ticketing"]["ok"] is False and body["parts"]["ticketing"]["error"]["code"] == "unavailable"


async def test_offices_are_isolated(system: Running, http: aiohttp.ClientSession, office: str) -> None:
    from services import messages as m
    from tests.conftest import unique
    from tests.integration.conftest import OFFICE_SPEC, ask

    other = unique("o")
    await ask(system, m.ConfigureOffice(office=other, **OFFICE_SPEC))
    mine = [await issue(http, office) for _ in range(3)]
    theirs = await issue(http, other)
    assert theirs["number"] == "HT-001" and [t["number"] for t in mine] == ["HT-001", "HT-002", "HT-003"]
    async with http.post(f"/api/offices/{other}/counters/2/next") as r:
        assert (await r.json())["ticket"]["id"] == theirs["id"]
    async with http.post(f"/api/offices/{other}/counters/2/next", json={"complete": theirs["id"]}) as r:
        body = await r.json()                # completed; office A's waiting citizens are not office B's
    assert r.status == 200 and body["ticket"] is None and body["completed"]["id"] == theirs["id"]
    async with http.post(f"/api/offices/{other}/counters/2/next") as r:
        assert r.status == 404
    async with http.post(f"/api/offices/{other}/counters/1/call", json={"ticket_id": mine[0]["id"]}) as r:
        assert r.status == 404
    async with http.get(f"/api/offices/{office}/queue") as r:
        assert len((await r.json())["waiting"]) == 3
