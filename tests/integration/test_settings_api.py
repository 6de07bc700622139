"""What the settings pages need from the API: the office's whole configuration to load, edit and put back; refusals
that name their field; managers creating clerks and enrolling devices of their own office only; province managers
reading the figures of their province's offices and of no other."""
from __future__ import annotations

import asyncio
import copy
from typing import Any

import aiohttp

from services import messages as m
from services.system import Running
from tests.conftest import unique
from tests.integration.conftest import OFFICE_SPEC, PASSWORD, ask, bearer, login

FULL_SPEC: dict[str, Any] = {
    "name": "Trung tâm Phục vụ hành chính công phường Đông Hòa",
    "timezone": "Asia/Ho_Chi_Minh",
    "settings": {"opening_time": "07:30", "closing_time": "17:00", "no_show_grace_s": 300, "fair_normal": 3,
                 "fair_priority": 1, "fair_after_wait_s": 900, "rating_scale": 3, "wait_alert_min": 20,
                 "priority_categories": {"elderly": {"name": "Người cao tuổi", "name_en": "Elderly"}},
                 "bank": {"bin": "970436", "account": "0011000123456", "name": "UBND PHUONG DONG HOA"},
                 "something_a_later_version_knows": {"kept": True}},
    "services": [
        {"code": "HT", "name": "Hộ tịch", "name_en": "Civil status", "field": "Hộ tịch", "prefix": "HT", "width": 3,
         "start": 0, "icon": "family", "procedures": [
             {"code": "HT-KS", "name": "Đăng ký khai sinh", "name_en": "Birth registration", "icon": "birth",
              "popular": True, "fee": None},
             {"code": "HT-TL", "name": "Trích lục hộ tịch", "name_en": "Copy of a record", "icon": "copy",
              "popular": False, "fee": 8000}]},
        {"code": "DD", "name": "Đất đai", "name_en": "Land", "field": "", "prefix": None, "width": 3, "start": 1000,
         "icon": None, "procedures": []},
    ],
    "counters": [{"id": "1", "name": "Quầy 1", "services": ["HT"]},
                 {"id": "2", "name": "Quầy Đất đai", "services": ["DD", "HT"]}],
}


async def _status(session: aiohttp.ClientSession, method: str, path: str, token: str | None = None,
                  body: Any = None) -> tuple[int, Any]:
    headers = bearer(token) if token else {}
    async with session.request(method, path, json=body, headers=headers) as r:
        return r.status, await r.json()


async def test_the_configuration_comes_back_in_the_shape_put_takes(system: Running, http: aiohttp.ClientSession,
                                                                  anonymous: aiohttp.ClientSession) -> None:
    office = unique("o")
    status, _ = await _status(http, "PUT", f"/api/offices/{office}", body=FULL_SPEC)
    assert status == 200
    manager = await login(system, unique("mg"), "manager", office)
    path = f"/api/offices/{office}/configuration"
    status, loaded = await _status(anonymous, "GET", path, manager)
    assert status == 200
    assert loaded == FULL_SPEC                       # settings kept as written, unknown keys included

    status, _ = await _status(anonymous, "PUT", f"/api/offices/{office}", manager, loaded)   # the page saves it
    assert status == 200
    assert (await _status(anonymous, "GET", path, manager))[1] == loaded

    # The page's edit: a new service and a new counter serving it, and both are at once what the kiosk offers.
    edited = copy.deepcopy(loaded)
    edited["services"].append({"code": "XD", "name": "Xây dựng", "name_en": "Construction", "field": "Xây dựng",
                               "prefix": "XD", "width": 3, "start": 0, "icon": "house", "procedures": [
                                   {"code": "XD-GP", "name": "Cấp giấy phép xây dựng", "name_en": "Building permit",
                                    "icon": "house", "popular": True, "fee": 75000}]})
    edited["counters"].append({"id": "6", "name": "Quầy 6", "services": ["XD"]})
    assert (await _status(anonymous, "PUT", f"/api/offices/{office}", manager, edited))[0] == 200
    assert (await _status(anonymous, "GET", path, manager))[1] == edited
    _, services = await _status(anonymous, "GET", f"/api/offices/{office}/services")
    assert [s["code"] for s in services] == ["HT", "DD", "XD"]


async def test_the_configuration_is_for_the_office_managers_and_admins(system: Running,
                                                                      anonymous: aiohttp.ClientSession,
                                                                      office: str) -> None:
    other = unique("o")
    await ask(system, m.ConfigureOffice(office=other, **OFFICE_SPEC))
    path = f"/api/offices/{office}/configuration"
    assert (await _status(anonymous, "GET", path))[0] == 401
    clerk = await login(system, unique("cl"), "clerk", office, "1")
    assert (await _status(anonymous, "GET", path, clerk))[0] == 403
    stranger = await login(system, unique("mg"), "manager", other)
    assert (await _status(anonymous, "GET", path, stranger))[0] == 403
    admin = await login(system, unique("ad"), "admin")
    assert (await _status(anonymous, "GET", path, admin))[0] == 200
    assert (await _status(anonymous, "GET", f"/api/offices/{unique('none')}/configuration", admin))[0] == 404


async def test_refusals_name_the_field_a_form_highlights(system: Running, http: aiohttp.ClientSession,
                                                        office: str) -> None:
    def spec(**change: Any) -> dict[str, Any]:
        body = copy.deepcopy(OFFICE_SPEC)
        body["services"][2]["procedures"] = [{"code": "DD-1", "name": "Cấp giấy chứng nhận"}]
        for path, value in change.items():
            target: Any = body
            *parents, last = path.split("__")
            for part in parents:
                target = target[int(part)] if part.isdigit() else target[part]
            target[int(last) if last.isdigit() else last] = value
        return body

    cases = {
        "services[2].prefix": spec(services__2__prefix="HT"),                        # the same prefix as HT's
        "services[1].prefix": spec(services__1__prefix="ct-có-dấu"),
        "services[0].name": spec(services__0__name=""),
        "services[2].procedures[0].fee": spec(services__2__procedures__0__fee=-5),
        "services[2].procedures[0].icon": spec(services__2__procedures__0__icon="rocket"),
        "services[1].code": spec(services__1__code="HT"),
        "counters[1].services": spec(counters__1__services=["XX"]),
        "counters[2].id": spec(counters__2__id="1"),
        "settings.closing_time": spec(settings={"opening_time": "17:00", "closing_time": "08:00"}),
        "settings.rating_scale": spec(settings={"rating_scale": 4}),
        "settings.wait_alert_min": spec(settings={"wait_alert_min": 0}),
        "name": spec(name="  "),
        "timezone": spec(timezone="Asia/Sai_Gon"),
    }
    for field, body in cases.items():
        status, answer = await _status(http, "PUT", f"/api/offices/{office}", body=body)
        assert status == 400, (field, answer)
        error = answer["error"]
        assert error["details"]["field"] == field, (field, error)
        assert error["message"] != error["message_en"] and error["message_en"], error   # Vietnamese first
    # Nothing was changed by a refused configuration.
    _, loaded = await _status(http, "GET", f"/api/offices/{office}/configuration")
    assert [s["code"] for s in loaded["services"]] == ["HT", "CT", "DD"]


async def test_a_manager_creates_clerks_and_devices_of_their_own_office_only(
        system: Running, anonymous: aiohttp.ClientSession, office: str) -> None:
    other = unique("o")
    await ask(system, m.ConfigureOffice(office=other, **OFFICE_SPEC))
    manager = await login(system, unique("mg"), "manager", office)

    clerk = {"username": unique("cb"), "password": PASSWORD, "role": "clerk", "office": office, "counter": "2",
             "display_name": "Nguyễn Thị Lan"}
    status, created = await _status(anonymous, "POST", "/api/users", manager, clerk)
    assert status == 201 and created["office"] == office and created["counter"] == "2", created
    async with anonymous.post("/api/auth/login", json={"username": clerk["username"], "password": PASSWORD}) as r:
        assert r.status == 200 and (await r.json())["role"] == "clerk"

    refused = {
        "an admin": {**clerk, "username": unique("x"), "role": "admin", "office": None},
        "a manager": {**clerk, "username": unique("x"), "role": "manager"},
        "a clerk of another office": {**clerk, "username": unique("x"), "office": other},
        "a province manager": {**clerk, "username": unique("x"), "role": "manager", "office": None,
                               "province": "ha-noi"},
    }
    for what, body in refused.items():
        status, answer = await _status(anonymous, "POST", "/api/users", manager, body)
        assert status == 403, (what, answer)
    status, answer = await _status(anonymous, "POST", "/api/users", manager, {**clerk, "username": "Có Dấu"})
    assert status == 400 and answer["error"]["details"]["field"] == "username"
    status, answer = await _status(anonymous, "POST", "/api/users", manager, clerk)
    assert status == 409 and answer["error"]["details"]["field"] == "username"       # taken

    status, kiosk = await _status(anonymous, "POST", "/api/devices", manager,
                                  {"office": office, "kind": "kiosk", "name": "Kiosk sảnh"})
    assert status == 201 and kiosk["link"] == f"/kiosk/{office}#device={kiosk['token']}"
    status, _ = await _status(anonymous, "POST", "/api/devices", manager,
                              {"office": other, "kind": "kiosk", "name": "Kiosk nhà bên"})
    assert status == 403
    status, _ = await _status(anonymous, "POST", f"/api/offices/{office}/tickets", kiosk["token"], {"service": "HT"})
    assert status == 201
    status, revoked = await _status(anonymous, "DELETE", f"/api/devices/{kiosk['id']}", manager)
    assert status == 200 and revoked["revoked_at"]
    status, _ = await _status(anonymous, "POST", f"/api/offices/{office}/tickets", kiosk["token"], {"service": "HT"})
    assert status == 401
    foreign = await ask(system, m.EnrolDevice(office=other, kind="display", name="Màn hình nhà bên"))
    assert (await _status(anonymous, "DELETE", f"/api/devices/{foreign['id']}", manager))[0] == 403

    # A clerk creates nobody and enrols nothing.
    clerk_token = await login(system, unique("cl"), "clerk", office, "1")
    assert (await _status(anonymous, "POST", "/api/users", clerk_token, {**clerk, "username": unique("x")}))[0] == 403
    assert (await _status(anonymous, "POST", "/api/devices", clerk_token,
                          {"office": office, "kind": "kiosk", "name": "k"}))[0] == 403


async def test_only_admins_move_an_office_to_another_province(system: Running, anonymous: aiohttp.ClientSession,
                                                              http: aiohttp.ClientSession) -> None:
    office = unique("o")
    spec = {**OFFICE_SPEC, "settings": {**OFFICE_SPEC["settings"], "province": {"code": "p1", "name": "Tỉnh Một"}}}
    assert (await _status(http, "PUT", f"/api/offices/{office}", body=spec))[0] == 200
    manager = await login(system, unique("mg"), "manager", office)
    moved = {**spec, "settings": {**spec["settings"], "province": {"code": "p2", "name": "Tỉnh Hai"}}}
    status, answer = await _status(anonymous, "PUT", f"/api/offices/{office}", manager, moved)
    assert status == 403 and answer["error"]["details"]["field"] == "settings.province.code"
    renamed = {**spec, "settings": {**spec["settings"], "province": {"code": "p1", "name": "Tỉnh Một (mới)"}}}
    assert (await _status(anonymous, "PUT", f"/api/offices/{office}", manager, renamed))[0] == 200
    assert (await _status(http, "PUT", f"/api/offices/{office}", body=moved))[0] == 200


async def test_a_province_manager_reads_the_figures_of_their_province_only(
        system: Running, http: aiohttp.ClientSession, anonymous: aiohttp.ClientSession) -> None:
    mine, theirs = unique("p"), unique("p")
    offices = {}
    for province in (mine, theirs):
        office = unique("o")
        settings = {**OFFICE_SPEC["settings"], "province": {"code": province, "name": f"Tỉnh {province}"}}
        await ask(system, m.ConfigureOffice(office=office, **{**OFFICE_SPEC, "settings": settings}))
        assert (await _status(http, "POST", f"/api/offices/{office}/tickets", body={"service": "HT"}))[0] == 201
        offices[province] = office

    username = unique("tinh")
    status, created = await _status(http, "POST", "/api/users", body={
        "username": username, "password": PASSWORD, "role": "manager", "province": mine})
    assert status == 201 and created["province"] == mine and created["office"] is None
    for bad in ({"role": "clerk", "province": mine}, {"role": "manager", "office": offices[mine], "province": mine}):
        status, answer = await _status(http, "POST", "/api/users", body={
            "username": unique("x"), "password": PASSWORD, **bad})
        assert status == 400 and answer["error"]["details"]["field"] == "province", answer
    async with anonymous.post("/api/auth/login", json={"username": username, "password": PASSWORD}) as r:
        session = await r.json()
    assert session["role"] == "manager" and session["province"] == mine and session["office"] is None
    token = session["token"]
    me = (await _status(anonymous, "GET", "/api/auth/me", token))[1]
    assert me["actor"]["province"] == mine

    assert (await _status(anonymous, "GET", f"/api/offices/{offices[mine]}/stats", token))[0] == 200
    assert (await _status(anonymous, "GET", f"/api/offices/{offices[theirs]}/stats", token))[0] == 403
    assert (await _status(anonymous, "GET", f"/api/provinces/{theirs}/stats", token))[0] == 403
    for _ in range(100):                         # the figures follow the events: the office arrives shortly
        status, listed = await _status(anonymous, "GET", "/api/stats/offices", token)
        if status != 200 or listed:
            break
        await asyncio.sleep(0.1)
    assert status == 200 and {o["office"] for o in listed} == {offices[mine]}
    # Figures only: not an office's configuration, accounts or devices.
    assert (await _status(anonymous, "GET", f"/api/offices/{offices[mine]}/configuration", token))[0] == 403
    assert (await _status(anonymous, "PUT", f"/api/offices/{offices[mine]}", token, OFFICE_SPEC))[0] == 403
    assert (await _status(anonymous, "GET", "/api/users", token))[0] == 403
    assert (await _status(anonymous, "GET", "/api/devices", token))[0] == 403
    assert (await _status(anonymous, "POST", "/api/devices", token,
                          {"office": offices[mine], "kind": "kiosk", "name": "k"}))[0] == 403
