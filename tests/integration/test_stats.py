"""Figures for managers against real NATS and PostgreSQL: a scripted day checked against values computed by hand,
the rebuild from the stream, a second replica, the province view, rights and exports."""
from __future__ import annotations

import asyncio
import csv
import io
from datetime import date, datetime, timedelta, timezone
from typing import Any, Awaitable, Callable

import aiohttp
import openpyxl
import pytest

from services import messages as m
from services.stats.service import run_stats
from services.store.db import create_pool
from services.system import Running, bus_connection
from tests.conftest import FakeClock, unique
from tests.integration.conftest import OFFICE_SPEC, ask, bearer, login

VN = timezone(timedelta(hours=7))
DAY = date(2026, 3, 10)


def at(hh: int, mm: int) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hh, mm, tzinfo=VN)


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "the figures never caught up"
        await asyncio.sleep(0.1)


async def figures(http: aiohttp.ClientSession, office: str, first: date = DAY, last: date = DAY) -> dict[str, Any]:
    async with http.get(f"/api/offices/{office}/stats", params={"from": first.isoformat(),
                                                                "to": last.isoformat()}) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def scripted_day(system: Running, http: aiohttp.ClientSession, clock: FakeClock, office: str,
                       province: dict[str, str] | None = None) -> tuple[str, str]:
    """The day of the hand-computed figures below. Returns the two clerks' names."""
    settings = {**OFFICE_SPEC["settings"], "wait_alert_min": 15, **({"province": province} if province else {})}
    await ask(system, m.ConfigureOffice(office=office, **{**OFFICE_SPEC, "settings": settings}))
    x, y = unique("x"), unique("y")
    tokens = {x: await login(system, x, "clerk", office), y: await login(system, y, "clerk", office)}
    sessions = {name: aiohttp.ClientSession(system.base_url, headers=bearer(t)) for name, t in tokens.items()}
    tickets: dict[str, dict[str, Any]] = {}

    async def step(when: datetime, session: aiohttp.ClientSession, method: str, path: str,
                   body: dict[str, Any] | None = None) -> dict[str, Any]:
        clock.fixed = when.astimezone(timezone.utc)
        async with session.request(method, path, json=body or {}) as r:
            assert r.status in (200, 201), (path, await r.text())
            return await r.json()

    try:
        api = f"/api/offices/{office}"
        for name, hh, mm, service in (("A", 8, 0, "HT"), ("B", 8, 5, "HT"), ("C", 8, 10, "CT"), ("D", 8, 20, "HT")):
            tickets[name] = await step(at(hh, mm), http, "POST", f"{api}/tickets", {"service": service})
        sx, sy = sessions[x], sessions[y]
        await step(at(8, 10), sx, "POST", f"{api}/counters/1/call", {"ticket_id": tickets["A"]["id"]})
        await step(at(8, 12), sx, "POST", f"/api/tickets/{tickets['A']['id']}/start")
        await step(at(8, 20), sx, "POST", f"/api/tickets/{tickets['A']['id']}/complete")
        await step(at(8, 20), sx, "POST", f"{api}/counters/1/call", {"ticket_id": tickets["B"]["id"]})
        await step(at(8, 21), sy, "POST", f"{api}/counters/2/call", {"ticket_id": tickets["D"]["id"]})
        await step(at(8, 30), sx, "POST", f"/api/tickets/{tickets['B']['id']}/complete")
        await step(at(8, 30), sx, "POST", f"{api}/counters/1/call", {"ticket_id": tickets["C"]["id"]})
        await step(at(8, 31), sy, "POST", f"/api/tickets/{tickets['D']['id']}/skip")
        await step(at(8, 45), sx, "POST", f"/api/tickets/{tickets['C']['id']}/complete")
        tickets["E"] = await step(at(9, 0), http, "POST", f"{api}/tickets", {"service": "HT"})
        await step(at(9, 5), http, "POST", f"/api/tickets/{tickets['E']['id']}/cancel")
        async with aiohttp.ClientSession(system.base_url) as phone:
            for name, level, reasons in (("A", 5, []), ("B", 2, ["waited_too_long"]), ("C", 4, [])):
                clock.fixed = at(9, 10).astimezone(timezone.utc)
                async with phone.post(f"/api/tickets/{tickets[name]['id']}/rating",
                                      json={"level": level, "reasons": reasons}) as r:
                    assert r.status == 201, await r.text()
    finally:
        for session in sessions.values():
            await session.close()
    return x, y


def strip(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("in_progress",)}


async def test_a_scripted_day_gives_the_figures_computed_by_hand(system: Running, http: aiohttp.ClientSession,
                                                                 clock: FakeClock) -> None:
    office = unique("o")
    x, y = await scripted_day(system, http, clock, office)

    async def complete() -> bool:
        body = await figures(http, office)
        return body["issued"] == 5 and body["satisfaction"]["votes"] == 3
    await until(complete)
    body = await figures(http, office)
    # Waits: A 600 s, B 900, D 60, C 1200. Service: A 480 (from start), B 600 (from the call), C 900.
    assert (body["issued"], body["served"], body["no_show"], body["cancelled"], body["expired"]) == (5, 3, 1, 1, 0)
    assert body["wait_s"] == {"avg": 690.0, "p90": 1110.0, "max": 1200.0, "over_alert": 1}
    assert body["service_s"] == {"avg": 660.0, "p90": 840.0}
    assert body["ratings"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    assert body["satisfaction"] == {"votes": 3, "mean": round(11 / 3, 3), "satisfied_share": round(2 / 3, 4)}
    assert body["reasons"] == {"waited_too_long": 1}
    ht, ct = body["by_service"]["HT"], body["by_service"]["CT"]
    assert (ht["name"], ht["issued"], ht["served"], ht["no_show"], ht["cancelled"]) == ("Hộ tịch", 4, 2, 1, 1)
    assert ht["wait_s"]["avg"] == 520.0 and ht["service_s"]["avg"] == 540.0
    assert (ct["issued"], ct["served"], ct["wait_s"]["avg"], ct["ratings"]["4"]) == (1, 1, 1200.0, 1)
    assert body["by_clerk"][x]["served"] == 3 and body["by_clerk"][x]["satisfaction"]["votes"] == 3
    assert body["by_clerk"][y]["served"] == 0 and body["by_clerk"][y]["no_show"] == 1
    one = body["by_counter"]["1"]
    assert (one["name"], one["served"], one["busy_s"]) == ("Quầy 1", 3, 1980)
    assert one["utilisation"] == round(1980 / (23 * 3600 + 59 * 60), 4)
    assert body["by_counter"]["2"]["no_show"] == 1
    assert body["by_hour"]["8"]["issued"] == 4 and body["by_hour"]["9"]["issued"] == 1
    assert list(body["by_day"]) == [DAY.isoformat()]
    assert (await figures(http, office, DAY + timedelta(days=1), DAY + timedelta(days=1)))["issued"] == 0

    # The same figures after the stream is projected again from its first event.
    async with http.post("/api/stats/rebuild", json={}) as r:
        assert r.status == 202, await r.text()

    async def rebuilt() -> bool:
        return strip(await figures(http, office)) == strip(body)
    await until(rebuilt, 30)


async def test_a_second_replica_applies_nothing_twice(system: Running, http: aiohttp.ClientSession,
                                                      clock: FakeClock) -> None:
    pool = await create_pool(system.settings.database_url, system.settings.db_schema)
    try:
        async with bus_connection(system.settings, "stats") as bus, run_stats(bus, pool):
            office = unique("o")
            await scripted_day(system, http, clock, office)

            async def complete() -> bool:
                return (await figures(http, office))["satisfaction"]["votes"] == 3
            await until(complete)
            body = await figures(http, office)
            assert (body["issued"], body["served"], body["wait_s"]["avg"]) == (5, 3, 690.0)
    finally:
        await pool.close()


async def test_the_province_sees_its_offices_side_by_side(system: Running, http: aiohttp.ClientSession,
                                                          clock: FakeClock) -> None:
    province = {"code": unique("p"), "name": "Thành phố Hồ Chí Minh"}
    first, second = unique("o"), unique("o")
    await scripted_day(system, http, clock, first, province)
    settings = {**OFFICE_SPEC["settings"], "province": province}
    await ask(system, m.ConfigureOffice(office=second, **{**OFFICE_SPEC, "name": "Phường Bến Nghé",
                                                          "settings": settings}))
    clock.fixed = at(10, 0).astimezone(timezone.utc)
    async with http.post(f"/api/offices/{second}/tickets", json={"service": "HT"}) as r:
        ticket = await r.json()
    clock.fixed = at(10, 2).astimezone(timezone.utc)
    async with http.post(f"/api/offices/{second}/counters/1/call", json={"ticket_id": ticket["id"]}) as r:
        assert r.status == 200

    async def both() -> bool:
        async with http.get(f"/api/provinces/{province['code']}/stats",
                            params={"from": DAY.isoformat(), "to": DAY.isoformat()}) as r:
            if r.status != 200:
                return False
            body = await r.json()
        # both offices' tickets and the second's call (its wait): they are projected in batches, maybe apart
        return sorted(o["issued"] for o in body["offices"]) == [1, 5] and all(
            o["wait_s"]["avg"] is not None for o in body["offices"])
    await until(both)
    async with http.get(f"/api/provinces/{province['code']}/stats",
                        params={"from": DAY.isoformat(), "to": DAY.isoformat()}) as r:
        body = await r.json()
    assert body["name"] == "Thành phố Hồ Chí Minh"
    by_office = {o["office"]: o for o in body["offices"]}
    assert by_office[second]["wait_s"]["avg"] == 120.0 and by_office[second]["rank_wait"] == 1
    assert by_office[first]["wait_s"]["avg"] == 690.0 and by_office[first]["rank_wait"] == 2
    assert by_office[first]["rank_satisfaction"] == 1 and by_office[second]["rank_satisfaction"] is None
    assert 600 <= by_office[first]["wait_s"]["p90_estimate"] <= 1200
    async with http.get("/api/provinces/khong-co/stats") as r:
        assert r.status == 404


async def test_who_may_read_the_figures(system: Running, http: aiohttp.ClientSession,
                                        anonymous: aiohttp.ClientSession, office: str) -> None:
    other = unique("o")
    await ask(system, m.ConfigureOffice(office=other, **OFFICE_SPEC))
    manager = await login(system, unique("lanhdao"), "manager", office)
    other_manager = await login(system, unique("lanhdao"), "manager", other)
    clerk = await login(system, unique("canbo"), "clerk", office)
    cases = [(anonymous, None, 401), (http, None, 200), (None, manager, 200), (None, other_manager, 403),
             (None, clerk, 403)]
    for session, token, status in cases:
        async with aiohttp.ClientSession(system.base_url, headers=bearer(token) if token else {}) as own:
            client = session or own
            async with client.get(f"/api/offices/{office}/stats") as r:
                assert r.status == status, (token, await r.text())
            async with client.get(f"/api/offices/{office}/stats/export", params={"what": "tickets"}) as r:
                assert r.status == status, (token, await r.text())
    async with aiohttp.ClientSession(system.base_url, headers=bearer(manager)) as own:
        async with own.post("/api/stats/rebuild", json={}) as r:
            assert r.status == 403
        async with own.get("/api/stats/offices") as r:
            assert [o["office"] for o in await r.json()] == [office]
    for params in ({"from": "2026-13-01"}, {"from": "2026-03-10", "to": "2026-03-01"},
                   {"from": "2024-01-01", "to": "2026-01-01"}):
        async with http.get(f"/api/offices/{office}/stats", params=params) as r:
            assert r.status == 400, params
            assert (await r.json())["error"]["message_en"]
    async with http.get("/api/offices/khong-co/stats") as r:
        assert r.status == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_exports_open_with_the_same_numbers(system: Running, http: aiohttp.ClientSession,
                                                  clock: FakeClock, fmt: str) -> None:
    office = unique("o")
    await scripted_day(system, http, clock, office)

    async def complete() -> bool:
        return (await figures(http, office))["satisfaction"]["votes"] == 3
    await until(complete)
    params = {"from": DAY.isoformat(), "to": DAY.isoformat(), "format": fmt}
    sheets = {}
    for what in ("figures", "tickets"):
        async with http.get(f"/api/offices/{office}/stats/export", params={**params, "what": what}) as r:
            assert r.status == 200, await r.text()
            assert f"{DAY.isoformat()}.{fmt}" in r.headers["Content-Disposition"]
            data = await r.read()
        if fmt == "csv":
            assert data.startswith(b"\xef\xbb\xbf")
            sheets[what] = list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))
        else:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
            sheets[what] = [[("" if c is None else str(c)) for c in row]
                            for row in book.worksheets[-1].iter_rows(values_only=True)]
    total = sheets["figures"][1]
    assert total[0] == "Tổng / Total" and total[3:6] == ["5", "3", "1"] and float(total[9]) == 690.0
    assert any(row[0] == "Dịch vụ / Service" and row[2] == "Hộ tịch" for row in sheets["figures"])
    tickets = sheets["tickets"]
    assert tickets[0][1] == "Số / Number" and len(tickets) == 6
    outcomes = sorted(row[9] for row in tickets[1:])
    assert outcomes == sorted(["Đã phục vụ / served"] * 3 + ["Vắng mặt / no-show", "Đã huỷ / cancelled"])
    assert [row[5][11:16] for row in tickets[1:]] == ["08:00", "08:05", "08:10", "08:20", "09:00"]
