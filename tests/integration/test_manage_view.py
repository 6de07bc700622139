"""The manager's view against real NATS and PostgreSQL: who may open its pages and its stream, what the pages say,
and the live view's snapshot and updates (one shared consumer per office, like the other screens)."""
from __future__ import annotations

import asyncio
import html
import json
import re
from typing import Any

import aiohttp

from services import messages as m
from services.system import Running
from tests.conftest import unique
from tests.integration.conftest import OFFICE_SPEC, PASSWORD, ask, bearer, login
from tests.integration.test_live import consumers, sse, system_hub


def page_config(text: str) -> dict[str, Any]:
    found = re.search(r'<script id="config" type="application/json">(.*?)</script>', text, re.S)
    assert found, text[:500]
    return json.loads(found.group(1))


async def get(http: aiohttp.ClientSession, path: str, token: str | None = None) -> tuple[int, str, str]:
    headers = {**(bearer(token) if token else {}), "Accept": "text/html"}
    async with http.get(path, headers=headers, allow_redirects=False) as r:
        return r.status, r.headers.get("Location", ""), await r.text()


async def test_pages_send_to_login_refuse_clerks_and_other_offices(system: Running, office: str) -> None:
    other = unique("o")
    await ask(system, m.ConfigureOffice(office=other, **{**OFFICE_SPEC, "name": "UBND phường Khác"}))
    manager = await login(system, unique("mg"), "manager", office)
    clerk = await login(system, unique("cl"), "clerk", office, "1")
    stranger = await login(system, unique("mb"), "manager", other)
    admin = await login(system, unique("ad"), "admin")
    async with aiohttp.ClientSession(system.base_url) as http:
        for path in (f"/manage/{office}", f"/manage/{office}/history", f"/manage/{office}/report?day=2026-03-10"):
            status, location, _ = await get(http, path)
            assert status == 303 and location.startswith("/login?next=/manage/"), (path, status, location)
            for who in (clerk, stranger):
                status, _, text = await get(http, path, who)
                assert status == 403, (path, status)
                assert "Không có quyền xem báo cáo" in text and "Not allowed to see the reports" in text
                assert html.escape(OFFICE_SPEC["name"]) in text or OFFICE_SPEC["name"] in text
            for who in (manager, admin):
                status, _, text = await get(http, path, who)
                assert status == 200, (path, status, text[:300])
        status, location, _ = await get(http, f"/manage/{office}/report?day=2026-02-30", manager)
        assert status == 400
        assert (await get(http, "/manage/no-such-office", admin))[0] == 404

        # The stream: REPORT over the office (no redirect: an API answer).
        for who, expected in ((None, 401), (clerk, 403), (stranger, 403)):
            async with http.get(f"/manage/{office}/events", headers=bearer(who) if who else {}) as r:
                assert r.status == expected, (who, r.status)

        # Where each lands, and the list of offices.
        status, location, _ = await get(http, "/manage/", manager)
        assert status == 303 and location == f"/manage/{office}"
        assert (await get(http, "/manage/", clerk))[0] == 403
        status, _, text = await get(http, "/manage/", admin)
        assert status == 200
        assert (await get(http, "/manage/province/ha-noi", manager))[0] == 403
        assert (await get(http, "/manage/province/ha-noi", clerk))[0] == 403
        status, _, text = await get(http, "/manage/province/ha-noi", admin)
        assert status == 200 and page_config(text)["urls"]["stats"] == "/api/provinces/ha-noi/stats"


async def test_a_manager_lands_on_the_live_view(system: Running, office: str) -> None:
    name = unique("mg")
    await ask(system, m.CreateUser(username=name, password=PASSWORD, role="manager", office=office))
    async with aiohttp.ClientSession(system.base_url) as http:
        async with http.post("/api/auth/login", json={"username": name, "password": PASSWORD}) as r:
            assert (await r.json())["home"] == f"/manage/{office}"


async def test_the_live_page_carries_what_its_script_needs(system: Running, office: str) -> None:
    manager = await login(system, unique("mg"), "manager", office)
    async with aiohttp.ClientSession(system.base_url) as http:
        status, _, text = await get(http, f"/manage/{office}", manager)
        assert status == 200
        cfg = page_config(text)
        assert cfg["office"] == office and cfg["wait_alert_s"] == 1800 and cfg["rating_scale"] == 5
        assert cfg["urls"]["events"] == f"/manage/{office}/events"
        assert cfg["urls"]["stats"] == f"/api/offices/{office}/stats"
        assert cfg["urls"]["exports"]["tickets_xlsx"] == f"/api/offices/{office}/stats/export?what=tickets&format=xlsx"
        assert [lv["name"] for lv in cfg["levels"]][0] == "Rất hài lòng"
        assert "Hàng chờ theo dịch vụ" in text and "Mức độ hài lòng hôm nay" in text
        assert "<script>" not in text                                   # no inline script: the CSP forbids it
        for src in re.findall(r'<script src="([^"]+)"', text):           # every script is served from here
            async with http.get(src) as r:
                assert r.status == 200, src
        status, _, text = await get(http, f"/manage/{office}/history?period=week&day=2026-03-11", manager)
        assert status == 200 and page_config(text)["range"]["period"] == "week"


async def test_the_daily_report_shows_the_api_figures(system: Running, office: str) -> None:
    manager = await login(system, unique("mg"), "manager", office)
    clerk = await login(system, unique("cl"), "clerk", office, "1")
    async with aiohttp.ClientSession(system.base_url, headers=bearer(manager)) as http, \
            aiohttp.ClientSession(system.base_url, headers=bearer(clerk)) as desk:
        issued = []
        for service in ("HT", "HT", "CT"):
            async with desk.post(f"/api/offices/{office}/tickets", json={"service": service}) as r:
                issued.append(await r.json())
        async with desk.post(f"/api/offices/{office}/counters/1/next") as r:
            served = (await r.json())["ticket"]
        async with desk.post(f"/api/tickets/{served['id']}/complete") as r:
            assert r.status == 200
        async with aiohttp.ClientSession(system.base_url) as phone:
            async with phone.post(f"/api/tickets/{served['id']}/rating", json={"level": 4}) as r:
                assert r.status == 201
        for _ in range(100):
            async with http.get(f"/api/offices/{office}/stats") as r:
                stats = await r.json()
            if stats["issued"] == 3 and stats["satisfaction"]["votes"] == 1:
                break
            await asyncio.sleep(0.1)
        status, _, text = await get(http, f"/manage/{office}/report?day={stats['from']}")
        assert status == 200
        assert "Báo cáo tình hình tiếp nhận và phục vụ công dân" in text and "Daily report" in text
        assert page_config(text)["stats"] == stats                       # the API's own numbers
        overview = text[text.index("Tổng quan"):text.index("Theo lĩnh vực")]
        assert '<div class="kpi-value">3</div><div class="kpi-label">Cấp số' in overview
        assert '<div class="kpi-value">1</div><div class="kpi-label">Đã phục vụ' in overview
        assert "Hài lòng<span class=\"en\">Satisfied</span></td><td>1</td><td>100,0 %</td>" in text
        assert "@page" not in text                                       # print CSS lives in report.css
        async with http.get(re.search(r'href="([^"]*report\.css[^"]*)"', text).group(1)) as r:
            assert "size: A4" in await r.text()


async def test_the_live_view_starts_from_a_snapshot_then_follows_each_event(system: Running, office: str) -> None:
    manager = await login(system, unique("mg"), "manager", office)
    clerk_name = unique("cl")
    clerk = await login(system, clerk_name, "clerk", office, "1")
    await ask(system, m.ConfigureOffice(office=office, **{**OFFICE_SPEC, "settings": {
        **OFFICE_SPEC["settings"], "wait_alert_min": 1}}))
    before = await consumers(system)
    async with aiohttp.ClientSession(system.base_url, headers=bearer(manager)) as http, \
            aiohttp.ClientSession(system.base_url, headers=bearer(clerk)) as desk:
        seen: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

        async def follow(path: str, into: asyncio.Queue[tuple[str, Any]] | None = None) -> None:
            async for item in sse(http, path):
                if into is not None:
                    await into.put(item)

        async def until(check: Any) -> dict[str, Any]:
            while True:
                name, data = await asyncio.wait_for(seen.get(), 10)
                if check(name, data):
                    return data

        reader = asyncio.create_task(follow(f"/manage/{office}/events", seen))
        board = asyncio.create_task(follow(f"/counter/{office}/events"))     # another screen of the same office
        try:
            snapshot = await until(lambda n, d: n == "snapshot")
            assert snapshot["office"] == office and snapshot["waiting"] == 0 and snapshot["wait_alert_s"] == 60
            assert [c["state"] for c in snapshot["counters"]] == ["idle", "idle", "idle"]
            assert [s["code"] for s in snapshot["services"]] == ["HT", "CT", "DD"]

            async with desk.post(f"/api/offices/{office}/tickets", json={"service": "HT"}) as r:
                first = await r.json()
            live = await until(lambda n, d: n == "live" and d["cause"] == "ticket.issued")
            ht = live["services"][0]
            assert live["waiting"] == 1 and ht["waiting"] == 1 and ht["oldest_queued_at"] == first["queued_at"]
            assert ht["alert"] is False and live["alerts"] == []
            assert "id" not in json.dumps(live["services"])                # no ticket id in the manager's view

            async with desk.post(f"/api/offices/{office}/counters/1/next") as r:
                assert (await r.json())["ticket"]["number"] == first["number"]
            live = await until(lambda n, d: n == "live" and d["cause"] == "ticket.called")
            one = live["counters"][0]
            assert one["state"] == "called" and one["number"] == first["number"] and one["clerk"] == clerk_name
            assert one["since"] is not None and live["waiting"] == 0

            async with desk.post(f"/api/tickets/{first['id']}/start") as r:
                assert r.status == 200
            live = await until(lambda n, d: n == "live" and d["cause"] == "ticket.started")
            assert live["counters"][0]["state"] == "serving"

            async with desk.post(f"/api/tickets/{first['id']}/complete") as r:
                assert r.status == 200
            live = await until(lambda n, d: n == "live" and d["cause"] == "ticket.completed")
            assert live["counters"][0]["state"] == "idle" and live["counters"][0]["clerk"] == clerk_name

            async with aiohttp.ClientSession(system.base_url) as phone:
                async with phone.post(f"/api/tickets/{first['id']}/rating", json={"level": 5}) as r:
                    assert r.status == 201
            await until(lambda n, d: n == "live" and d["cause"] == "rating.given")

            async with desk.post(f"/api/offices/{office}/counters/2/pause") as r:
                assert r.status == 200
            live = await until(lambda n, d: n == "live" and d["cause"] == "counter.paused")
            assert live["counters"][1]["state"] == "paused"
            assert system_hub(system).offices == [office] and await consumers(system) == before + 1
        finally:
            for task in (reader, board):
                task.cancel()
            await asyncio.gather(reader, board, return_exceptions=True)


async def test_a_wait_past_the_threshold_raises_the_alert(system: Running, office: str, clock: Any) -> None:
    """The ticket waits since 40 minutes before now (the ticketing service's clock); the office's threshold is 30."""
    from datetime import datetime, timedelta, timezone

    manager = await login(system, unique("mg"), "manager", office)
    clock.fixed = datetime.now(timezone.utc) - timedelta(minutes=40)
    try:
        ticket = await ask(system, m.IssueTicket(office=office, service="CT"))
    finally:
        clock.fixed = None
    async with aiohttp.ClientSession(system.base_url, headers=bearer(manager)) as http:
        async for name, data in sse(http, f"/manage/{office}/events"):
            assert name == "snapshot"
            ct = next(s for s in data["services"] if s["code"] == "CT")
            assert ct["alert"] is True and ct["longest_wait_s"] >= 40 * 60 - 5
            assert ct["oldest_queued_at"] == ticket["queued_at"]
            assert data["alerts"] == [{"service": "CT", "name": "Chứng thực", "longest_wait_s": ct["longest_wait_s"]}]
            break
