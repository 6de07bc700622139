"""Fees on a counter's live screens, against real NATS and PostgreSQL: the citizen-facing pay screen's stream (its
snapshot after a reconnection, a fee shown, paid, cancelled; the counter moving on; other counters' fees left out),
the clerk's counter stream carrying the served ticket's fees, who may watch which counter, one pending fee per
ticket under a double tap, and the fee slip on the server's printer."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any, AsyncIterator

import aiohttp
import pytest

from counter.fee_slip import fee_slip, render_fee_slip
from services import messages as m
from services.api.payment import qr_svg
from services.device_settings import PrinterSpec
from services.screens.thermal import escpos_bytes
from services.system import Running
from tests.conftest import FakeClock, unique
from tests.integration.conftest import as_device, ask, bearer, enrol, login
from tests.integration.payment_support import (
    create_fee, get, later, new_office, outsiders, payment_system, post_sepay, served_ticket, sepay_notice,
)
from tests.integration.test_live import sse

pytest_plugins = ["tests.integration.payment_fixtures"]   # its fixtures: paysystem, pay_office, clerk, admin, gateway

Stream = AsyncIterator[tuple[str, Any]]


async def next_event(stream: Stream, *names: str, timeout: float = 10) -> tuple[str, Any]:
    """The next event named one of `names` (others are skipped)."""
    async with asyncio.timeout(timeout):
        async for name, data in stream:
            if name in names:
                return name, data
    raise AssertionError(f"the stream ended before any of {names}")


@pytest.fixture
async def tablet(paysystem: Running, pay_office: str) -> AsyncIterator[aiohttp.ClientSession]:
    """The citizen-facing tablet of counter 1."""
    token = (await enrol(paysystem, pay_office, "tablet", "1"))["token"]
    async with aiohttp.ClientSession(paysystem.base_url, headers=bearer(token)) as session:
        yield session


async def test_the_pay_screen_follows_its_counters_fees(paysystem: Running, pay_office: str,
                                                        clerk: aiohttp.ClientSession, tablet: aiohttp.ClientSession,
                                                        gateway: aiohttp.ClientSession) -> None:
    stream = sse(tablet, f"/counter/{pay_office}/1/pay/events")
    name, snapshot = await anext(stream)
    assert name == "snapshot"
    assert (snapshot["number"], snapshot["fee"], snapshot["available"]) == (None, None, True)
    assert snapshot["counter"] == {"id": "1", "name": "Quầy 1"} and snapshot["name"] == "UBND xã Đông Hòa – Bộ phận Một cửa"

    ticket = await served_ticket(paysystem, pay_office)
    assert await next_event(stream, "serving") == ("serving", {"number": ticket["number"]})
    fee = await create_fee(clerk, ticket["id"])
    _, shown = await next_event(stream, "fee")
    assert shown["type"] == "fee.created" and shown["fee"]["id"] == fee["id"]
    assert (shown["fee"]["amount"], shown["fee"]["qr"], shown["fee"]["ticket_number"]) == (50_000, fee["qr"],
                                                                                           ticket["number"])
    assert shown["fee"]["bank"] == {**fee["bank"], "label": "Vietcombank"}
    assert "ticket_id" not in str(shown) and ticket["id"] not in str(shown)     # the ticket's key stays with staff

    await post_sepay(gateway, sepay_notice(f"{fee['reference']} NGUYEN VAN A chuyen", 50_000))
    _, paid = await next_event(stream, "fee")
    assert paid["type"] == "fee.paid" and paid["fee"]["status"] == "paid"
    assert paid["fee"]["receipt"]["label"].startswith("0000001/")
    assert "NGUYEN VAN A" not in str(paid)                                       # the transfer's content: staff only
    receipt = paid["fee"]["receipt"]
    async with gateway.get(receipt["qr_svg"]) as r:                              # the citizen keeps the receipt
        assert r.status == 200 and r.content_type == "image/svg+xml"
        assert await r.read() == qr_svg(f"{paysystem.base_url}{receipt['html']}")
    async with gateway.get("/receipts/00000000-0000-4000-8000-000000000000/qr.svg") as r:
        assert r.status == 404

    again = sse(tablet, f"/counter/{pay_office}/1/pay/events")                   # a restart, a reconnection
    _, resumed = await anext(again)
    assert resumed["number"] == ticket["number"] and resumed["fee"]["status"] == "paid"
    assert resumed["fee"]["receipt"] == paid["fee"]["receipt"]

    # Another counter's fee never reaches this screen; this counter's next citizen does.
    await ask(paysystem, m.IssueTicket(office=pay_office, service="HT"))
    elsewhere = (await ask(paysystem, m.CallNext(office=pay_office, counter="2")))["ticket"]
    other_fee = await create_fee(clerk, elsewhere["id"], 12_000, "Phí sao y")
    await ask(paysystem, m.Complete(ticket_id=ticket["id"]))
    assert await next_event(stream, "serving", "fee") == ("serving", {"number": None})     # the citizen left
    following = await served_ticket(paysystem, pay_office)
    assert await next_event(stream, "serving", "fee") == ("serving", {"number": following["number"]})
    cancelled = await create_fee(clerk, following["id"], 30_000, "Lệ phí hộ tịch")
    async with clerk.post(f"/api/fees/{cancelled['id']}/cancel", json={}) as r:
        assert r.status == 200
    seen = [(await next_event(stream, "fee"))[1] for _ in range(2)]
    assert [(e["type"], e["fee"]["id"]) for e in seen] == [("fee.created", cancelled["id"]),
                                                           ("fee.cancelled", cancelled["id"])]
    assert other_fee["counter"] == "2"


async def test_a_pay_screen_opened_late_shows_the_fee_waiting(paysystem: Running, pay_office: str,
                                                               clerk: aiohttp.ClientSession,
                                                               tablet: aiohttp.ClientSession) -> None:
    ticket = await served_ticket(paysystem, pay_office, start=False)             # called, not yet started
    fee = await create_fee(clerk, ticket["id"], 8_000, "Trích lục hộ tịch")
    _, snapshot = await anext(sse(tablet, f"/counter/{pay_office}/1/pay/events"))
    assert snapshot["number"] == ticket["number"]
    assert (snapshot["fee"]["id"], snapshot["fee"]["status"], snapshot["fee"]["qr_svg"]) == (
        fee["id"], "pending", f"/api/fees/{fee['id']}/qr.svg")


async def test_who_may_watch_a_counters_pay_screen(paysystem: Running, pay_office: str) -> None:
    other_office = await new_office(paysystem)
    callers = {
        **await outsiders(paysystem, pay_office, other_office),
        "tablet of counter 2": (await as_device(paysystem, pay_office, "tablet", "2"), 403),
        "tablet of another office": (await as_device(paysystem, other_office, "tablet", "1"), 403),
        "tablet of counter 1": (await as_device(paysystem, pay_office, "tablet", "1"), 200),
        "tablet of no counter": (await as_device(paysystem, pay_office, "tablet"), 200),
        "clerk of counter 2": (bearer(await login(paysystem, unique("c2"), "clerk", pay_office, "2")), 200),
        "manager": (bearer(await login(paysystem, unique("mg"), "manager", pay_office)), 200),
    }
    timeout = aiohttp.ClientTimeout(total=10, sock_read=5)
    async with aiohttp.ClientSession(paysystem.base_url) as http:
        for who, (headers, expected) in callers.items():
            async with http.get(f"/counter/{pay_office}/1/pay/events", headers=headers, timeout=timeout) as r:
                assert r.status == expected, who
                if expected != 200:
                    error = (await r.json())["error"]
                    assert error["message"] and error["message_en"], who
        tablet = callers["tablet of counter 1"][0]
        async with http.get(f"/counter/{pay_office}/9/pay/events", headers=callers["manager"][0]) as r:
            assert r.status == 404                                                # no such counter
        async with http.get(f"/counter/{pay_office}/events?counter=1", headers=tablet) as r:
            assert r.status == 403                                                # the clerk's stream is not its
        async with http.get(f"/counter/{pay_office}/1/pay") as r:                # the page: public, no data
            page = await r.text()
            assert r.status == 200 and 'data-auth="tablet"' in page and "/common/stream.js" in page


async def test_the_counter_stream_carries_the_served_tickets_fees(paysystem: Running, pay_office: str,
                                                                  clerk: aiohttp.ClientSession,
                                                                  gateway: aiohttp.ClientSession) -> None:
    path = f"/counter/{pay_office}/events?counter=1"
    stream = sse(clerk, path)
    assert (await anext(stream))[0] == "snapshot"
    name, fees = await anext(stream)
    assert name == "fees" and (fees["ticket"], fees["fees"], fees["available"]) == (None, [], True)

    ticket = await served_ticket(paysystem, pay_office)
    fee = await create_fee(clerk, ticket["id"])
    _, created = await next_event(stream, "fee.created")
    assert (created["counter"], created["data"]["fee"]["id"], created["data"]["ticket_id"]) == ("1", fee["id"],
                                                                                                ticket["id"])
    await post_sepay(gateway, sepay_notice(f"{fee['reference']} NGUYEN VAN A", 40_000))   # too little
    _, raised = await next_event(stream, "payment.exception")
    assert raised["data"]["exception"]["kind"] == "underpaid" and raised["counter"] == "1"

    again = sse(clerk, path)                                                    # a reload of the counter screen
    await anext(again)
    _, resumed = await next_event(again, "fees")
    assert resumed["ticket"] == ticket["id"]
    [listed] = resumed["fees"]
    assert (listed["id"], listed["status"]) == (fee["id"], "pending")
    [waiting] = listed["exceptions"]
    assert (waiting["kind"], waiting["amount"], waiting["fee_id"]) == ("underpaid", 40_000, fee["id"])
    assert "content" not in waiting and "NGUYEN" not in str(resumed)


async def test_one_pending_fee_per_ticket_even_for_a_double_tap(paysystem: Running, pay_office: str,
                                                                clerk: aiohttp.ClientSession,
                                                                clock: FakeClock) -> None:
    ticket = await served_ticket(paysystem, pay_office)
    path = f"/api/tickets/{ticket['id']}/fees"

    async def tap(key: str) -> tuple[int, Any]:
        async with clerk.post(path, json={"amount": 50_000, "description": "Lệ phí"},
                              headers={"Idempotency-Key": key}) as r:
            return r.status, await r.json()

    answers = await asyncio.gather(*(tap(unique("k")) for _ in range(4)))     # four taps, four keys, at once
    created = [body for status, body in answers if status == 201]
    refused = [body for status, body in answers if status == 409]
    assert len(created) == 1 and len(refused) == 3, answers
    assert {body["error"]["details"]["fee"]["id"] for body in refused} == {created[0]["id"]}
    assert "chờ thanh toán" in refused[0]["error"]["message"] and "cancel it" in refused[0]["error"]["message_en"]

    clock.fixed = later(31)                                   # past its deadline, before the sweeper noticed
    status, fresh = await tap(unique("k"))
    assert status == 201 and fresh["id"] != created[0]["id"]
    assert (await get(clerk, f"/api/fees/{created[0]['id']}"))["status"] == "expired"
    async with clerk.post(f"/api/fees/{fresh['id']}/cancel", json={}) as r:
        assert r.status == 200
    assert (await tap(unique("k")))[0] == 201                 # once cancelled, another may be asked


async def test_the_fee_slip_prints_on_the_servers_printer(infra: Any, clock: FakeClock, tmp_path: Any) -> None:
    target = tmp_path / "lp0"
    async with payment_system(replace(infra, printer=PrinterSpec("file", path=str(target))), clock) as system:
        office = await new_office(system)
        ticket = await served_ticket(system, office)
        async with aiohttp.ClientSession(system.base_url, headers=bearer(
                await login(system, unique("cp"), "clerk", office, "1"))) as clerk:
            fee = await create_fee(clerk, ticket["id"], 50_000, "Lệ phí chứng thực bản sao")
            async with clerk.post(f"/counter/{office}/1/fees/{fee['id']}/print") as r:
                assert r.status == 200, await r.text()
                assert (await r.json())["reference"] == fee["reference"]
            printed = target.read_bytes()
            office_config = await ask(system, m.GetOffice(office=office))
            expected = fee_slip(fee, office_config, "Quầy 1")
            assert printed == escpos_bytes(lambda device: render_fee_slip(device, expected))
            assert fee["reference"].encode() in printed and b"50.000 d\n" in printed and b"Vietcombank" in printed
            assert b"\x1dv0" in printed                                     # the VietQR code as a raster image

            other = await new_office(system)
            async with clerk.post(f"/counter/{other}/1/fees/{fee['id']}/print") as r:
                assert r.status == 403                                       # not this clerk's office
            async with clerk.post(f"/api/fees/{fee['id']}/cancel", json={}) as r:
                assert r.status == 200
            async with clerk.post(f"/counter/{office}/1/fees/{fee['id']}/print") as r:
                assert r.status == 409 and (await r.json())["error"]["details"]["status"] == "cancelled"
        tablet = (await enrol(system, office, "tablet", "1"))["token"]
        async with aiohttp.ClientSession(system.base_url, headers=bearer(tablet)) as device, \
                device.post(f"/counter/{office}/1/fees/{fee['id']}/print") as r:
            assert r.status == 403


async def test_without_a_printer_the_slip_is_refused_with_a_reason(paysystem: Running, pay_office: str,
                                                                   clerk: aiohttp.ClientSession) -> None:
    fee = await create_fee(clerk, (await served_ticket(paysystem, pay_office))["id"])
    async with clerk.post(f"/counter/{pay_office}/1/fees/{fee['id']}/print") as r:
        error = (await r.json())["error"]
    assert r.status == 503 and error["code"] == "no_printer" and "MOTCUA_PRINTER" in error["message"]
    async with clerk.get(f"/counter/{pay_office}/1") as r:                  # the dialog prints with the browser
        assert '"print":"browser"' in await r.text()
