"""A ticket the kiosk tied to an identified citizen: who the citizen is (`citizen_id`) reaches the staff of its office
only; the citizen's phone, anyone else holding the ticket's id and the staff of other offices get the ticket without
it. And the kiosk page offers the identification step as the identity service can serve it."""
from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import aiohttp

from services import messages as m
from services.config import Settings
from services.system import Running
from tests.conftest import unique
from tests.integration.conftest import OFFICE_SPEC, ask, bearer, enrol as enrol_device, login
from tests.integration.identity_support import VALID_2, call, enrol, started, system  # noqa: F401  (fixtures)
from tests.integration.test_live import sse


async def identified_ticket(system: Running, office: str) -> tuple[dict[str, Any], str]:
    """A citizen recorded from their card (no face) and a ticket the office's kiosk issued for them."""
    kiosk = await enrol_device(system, office, "kiosk")
    async with aiohttp.ClientSession(system.base_url, headers=bearer(kiosk["token"])) as s:
        status, citizen = await enrol(s, VALID_2, consent=False)
        assert status in (200, 201), citizen
        status, ticket = await call(s, "POST", f"/api/offices/{office}/tickets",
                                    json={"service": "HT", "citizen_id": citizen["citizen_id"]})
        assert status == 201 and ticket["citizen_id"] == citizen["citizen_id"], ticket
    return ticket, citizen["citizen_id"]


def page_config(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="config" type="application/json">(.*?)</script>', html, re.S)
    assert found, html[:500]
    return json.loads(found.group(1))


async def test_who_the_citizen_is_reaches_only_the_staff_of_the_office(system: Running) -> None:  # noqa: F811
    office, elsewhere = unique("o"), unique("o")
    for office_id in (office, elsewhere):
        await ask(system, m.ConfigureOffice(office=office_id, **OFFICE_SPEC))
    ticket, citizen_id = await identified_ticket(system, office)
    path = f"/api/tickets/{ticket['id']}"
    clerk = await login(system, unique("cl"), "clerk", office)
    stranger = await login(system, unique("cl"), "clerk", elsewhere)

    async with aiohttp.ClientSession(system.base_url) as anonymous:
        status, seen = await call(anonymous, "GET", path)
        assert status == 200 and seen["number"] == ticket["number"] and "citizen_id" not in seen, seen
        async with anonymous.get(f"/t/{ticket['id']}") as r:                   # the phone page
            assert r.status == 200 and citizen_id not in await r.text()
            assert "citizen_id" not in page_config(await r.text())["ticket"]

        async def phone_sees_called() -> dict[str, Any]:
            async for name, data in sse(anonymous, f"/t/{ticket['id']}/events"):
                assert "citizen_id" not in data and citizen_id not in json.dumps(data), (name, data)
                if name == "ticket" and data["status"] == "called":
                    return data
            raise AssertionError("the phone's stream ended before the call")

        async with aiohttp.ClientSession(system.base_url, headers=bearer(clerk)) as desk:
            status, same_office = await call(desk, "GET", path)
            assert same_office["citizen_id"] == citizen_id, same_office
            async with aiohttp.ClientSession(system.base_url, headers=bearer(stranger)) as other:
                status, other_office = await call(other, "GET", path)
                assert status == 200 and "citizen_id" not in other_office, other_office
            watching = asyncio.create_task(phone_sees_called())
            await asyncio.sleep(0.3)
            status, called = await call(desk, "POST", f"/api/offices/{office}/counters/1/call",
                                        json={"ticket_id": ticket["id"]})
            assert status == 200 and called["ticket"]["citizen_id"] == citizen_id, called
            assert (await asyncio.wait_for(watching, 10))["number"] == ticket["number"]

        status, left = await call(anonymous, "POST", f"{path}/cancel", json={})
        assert status == 200 and left["ticket"]["status"] == "cancelled", left
        assert "citizen_id" not in left["ticket"], left


async def kiosk_config(system: Running, office: str, query: str = "") -> dict[str, Any]:
    async with aiohttp.ClientSession(system.base_url) as s:
        async with s.get(f"/kiosk/{office}{query}") as r:
            assert r.status == 200
            return page_config(await r.text())


async def test_the_kiosk_offers_identification_as_the_identity_service_can(system: Running) -> None:  # noqa: F811
    office = unique("o")
    await ask(system, m.ConfigureOffice(office=office, **OFFICE_SPEC))
    faces = (await ask(system, m.IdentityHealth()))["faces"]
    config = await kiosk_config(system, office)
    assert config["identify"] == {"mode": "on" if faces else "card"}
    assert config["urls"]["cccd"] == "/api/identity/cccd" and config["urls"]["citizens"] == "/api/citizens"
    assert config["urls"]["identify"] == f"/api/offices/{office}/identify"
    assert (await kiosk_config(system, office, "?identify=card"))["identify"] == {"mode": "card"}
    assert (await kiosk_config(system, office, "?identify=off"))["identify"] == {"mode": "off"}
    assert (await kiosk_config(system, office, "?identify=maybe"))["identify"] == config["identify"]


async def test_without_faces_the_kiosk_offers_the_card_only(infra: Settings) -> None:
    async with started(infra, identity_key=None) as running:
        office = unique("o")
        await ask(running, m.ConfigureOffice(office=office, **OFFICE_SPEC))
        assert (await kiosk_config(running, office))["identify"] == {"mode": "card"}
        assert (await kiosk_config(running, office, "?identify=off"))["identify"] == {"mode": "off"}
