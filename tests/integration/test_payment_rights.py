"""Who may ask, cancel and settle fees, and what a clerk may type: real roles over HTTP."""
from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from services import messages as m
from services.system import Running
from tests.conftest import unique
from tests.integration.conftest import as_device, ask, bearer, enrol, login
from tests.integration.payment_support import (
    create_fee, outsiders, exceptions, new_office, post_sepay, served_ticket, sepay_notice,
)

pytest_plugins = ["tests.integration.payment_fixtures"]   # its fixtures: paysystem, pay_office, clerk, admin, gateway

FEE = {"amount": 50_000, "description": "Lệ phí chứng thực"}


async def status_of(http: aiohttp.ClientSession, method: str, path: str, body: Any = None,
                    headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    async with http.request(method, path, json=body, headers=headers or {}) as r:
        return r.status, await r.json()


async def test_who_may_ask_a_fee(paysystem: Running, pay_office: str, clerk: aiohttp.ClientSession,
                                 gateway: aiohttp.ClientSession) -> None:
    ticket = await served_ticket(paysystem, pay_office)
    path = f"/api/tickets/{ticket['id']}/fees"
    other_office = await new_office(paysystem)
    callers = {
        **await outsiders(paysystem, pay_office, other_office),
        "tablet": (await as_device(paysystem, pay_office, "tablet", "1"), 403),
        "manager of another office": (bearer(await login(paysystem, unique("mx"), "manager", other_office)), 403),
    }
    for who, (headers, expected) in callers.items():
        status, body = await status_of(gateway, "POST", path, FEE, headers)
        assert status == expected, (who, body)
        assert body["error"]["message"] and body["error"]["message_en"]
    manager = bearer(await login(paysystem, unique("mg"), "manager", pay_office))
    status, fee = await status_of(gateway, "POST", path, FEE, manager)
    assert status == 201 and fee["status"] == "pending"
    status, again = await status_of(clerk, "POST", path, FEE)          # one pending fee per ticket: this one
    assert status == 409 and again["error"]["details"]["fee"]["id"] == fee["id"]

    # Another office's clerk may not cancel it either; the office's own clerk may.
    other = bearer(await login(paysystem, unique("cy"), "clerk", other_office, "1"))
    assert (await status_of(gateway, "POST", f"/api/fees/{fee['id']}/cancel", {}, other))[0] == 403
    assert (await status_of(gateway, "POST", f"/api/fees/{fee['id']}/cancel", {}))[0] == 401
    assert (await status_of(clerk, "POST", f"/api/fees/{fee['id']}/cancel", {}))[0] == 200


async def test_fees_are_asked_only_while_the_ticket_is_served(paysystem: Running, pay_office: str,
                                                              clerk: aiohttp.ClientSession) -> None:
    waiting = await ask(paysystem, m.IssueTicket(office=pay_office, service="HT"))
    status, body = await status_of(clerk, "POST", f"/api/tickets/{waiting['id']}/fees", FEE)
    assert status == 409 and "đang được phục vụ" in body["error"]["message"]
    called = await served_ticket(paysystem, pay_office, "2", start=False)
    assert called["status"] == "called"
    await create_fee(clerk, called["id"])                             # called to the counter: it may
    await ask(paysystem, m.Start(ticket_id=called["id"]))
    await ask(paysystem, m.Complete(ticket_id=called["id"]))
    status, body = await status_of(clerk, "POST", f"/api/tickets/{called['id']}/fees", FEE)
    assert status == 409 and body["error"]["details"]["ticket_status"] == "done"
    status, _ = await status_of(clerk, "POST", "/api/tickets/00000000-0000-4000-8000-000000000000/fees", FEE)
    assert status == 404


async def test_an_office_without_a_bank_account_cannot_ask_fees(paysystem: Running) -> None:
    office = await new_office(paysystem, bank=None)
    ticket = await served_ticket(paysystem, office)
    token = await login(paysystem, unique("cn"), "clerk", office, "1")
    async with aiohttp.ClientSession(paysystem.base_url, headers=bearer(token)) as http:
        status, body = await status_of(http, "POST", f"/api/tickets/{ticket['id']}/fees", FEE)
    assert status == 409 and "tài khoản ngân hàng" in body["error"]["message"]
    assert "bank account" in body["error"]["message_en"]


@pytest.mark.parametrize("body", [
    {"amount": 0, "description": "Lệ phí"}, {"amount": -50_000, "description": "Lệ phí"},
    {"amount": 500, "description": "Lệ phí"}, {"amount": 100_000_001, "description": "Lệ phí"},
    {"amount": 50_000.5, "description": "Lệ phí"}, {"amount": "50000", "description": "Lệ phí"},
    {"amount": True, "description": "Lệ phí"}, {"amount": 50_000, "description": "   "},
    {"amount": 50_000}, {"description": "Lệ phí"}, {"amount": 50_000, "description": "x" * 201},
])
async def test_what_a_clerk_types_is_checked(paysystem: Running, pay_office: str, clerk: aiohttp.ClientSession,
                                             body: dict[str, Any]) -> None:
    ticket = await served_ticket(paysystem, pay_office)
    status, answer = await status_of(clerk, "POST", f"/api/tickets/{ticket['id']}/fees", body)
    assert status == 400, answer
    assert answer["error"]["code"] == "invalid" and answer["error"]["message"] != answer["error"]["message_en"]


async def test_a_retried_request_with_its_key_gets_the_same_fee(paysystem: Running, pay_office: str,
                                                                clerk: aiohttp.ClientSession) -> None:
    ticket = await served_ticket(paysystem, pay_office)
    key = {"Idempotency-Key": unique("k")}
    first = await create_fee(clerk, ticket["id"], headers=key)
    status, again = await status_of(clerk, "POST", f"/api/tickets/{ticket['id']}/fees",
                                    {"amount": 50_000, "description": "Lệ phí chứng thực bản sao"}, key)
    assert (status, again["id"], again["reference"], again["replayed"]) == (200, first["id"], first["reference"], True)
    status, _ = await status_of(clerk, "POST", f"/api/tickets/{ticket['id']}/fees", FEE, key)
    assert status == 409                                               # same key, another fee


async def test_who_may_see_and_settle_payments(paysystem: Running, pay_office: str, clerk: aiohttp.ClientSession,
                                               gateway: aiohttp.ClientSession) -> None:
    await create_fee(clerk, (await served_ticket(paysystem, pay_office))["id"])   # the account is now the office's
    await post_sepay(gateway, sepay_notice("chuyen tien khong ghi ma", 70_000))
    [exception] = await exceptions(clerk, pay_office)
    other_office = await new_office(paysystem)
    other = bearer(await login(paysystem, unique("cz"), "clerk", other_office, "1"))
    display = bearer((await enrol(paysystem, pay_office, "display"))["token"])
    manager = bearer(await login(paysystem, unique("mz"), "manager", pay_office))
    for path in (f"/api/offices/{pay_office}/payments/exceptions", f"/api/offices/{pay_office}/payments",
                 f"/api/offices/{pay_office}/payments?format=csv"):
        assert (await status_of(gateway, "GET", path))[0] == 401
        for headers in (other, display):
            assert (await status_of(gateway, "GET", path, headers=headers))[0] == 403
    assert len((await status_of(gateway, "GET", f"/api/offices/{pay_office}/payments", headers=manager))[1]
               ["exceptions"]) == 1
    resolve = f"/api/payments/exceptions/{exception['id']}/resolve"
    assert (await status_of(gateway, "POST", resolve, {"note": "của tôi"}, other))[0] == 403
    assert (await status_of(gateway, "POST", resolve, {"note": "của tôi"}))[0] == 401
    assert (await status_of(clerk, "POST", resolve, {}))[0] == 400
    status, settled = await status_of(gateway, "POST", resolve, {"note": "Đã hoàn trả cho công dân"}, manager)
    assert status == 200 and settled["resolved_by"].startswith("user:") and "(manager@" in settled["resolved_by"]
    assert (await status_of(clerk, "GET", f"/api/offices/{pay_office}/payments?format=xml"))[0] == 400
    assert (await status_of(clerk, "GET", f"/api/offices/{pay_office}/payments?day=2025-02-30"))[0] == 400
