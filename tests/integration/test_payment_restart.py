"""Nothing is lost when the payment service stops between receiving and recording a notice: while it is down the
gateway gets a 5xx and retries; a notice stored but not yet matched when it stopped is matched when it starts; a
notice retried after it was recorded is recorded once."""
from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import aiohttp

from services.payment.notices import NoticeDesk, authenticate
from services.payment.service import run_payment
from services.system import bus_connection, database
from tests.conftest import FakeClock, unique
from tests.integration.conftest import bearer, login
from tests.integration.payment_support import (
    PAYOS_KEY, SEPAY_KEY, create_fee, get, later, new_office, payment_system, post_sepay, served_ticket, sepay_notice,
)


async def test_notices_survive_a_stopped_payment_service(infra: Any, clock: FakeClock) -> None:
    async with payment_system(infra, clock, payment=False) as system, database(system.settings) as pool:
        settings = system.settings
        running = contextlib.AsyncExitStack()
        bus = await running.enter_async_context(bus_connection(settings, "payment"))
        await running.enter_async_context(run_payment(bus, pool, settings, clock=clock))
        office = await new_office(system)
        ticket = await served_ticket(system, office)
        token = await login(system, unique("cr"), "clerk", office, "1")
        async with aiohttp.ClientSession(system.base_url, headers=bearer(token)) as clerk, \
                aiohttp.ClientSession(system.base_url) as gateway:
            first = await create_fee(clerk, ticket["id"], 50_000, "Lệ phí chứng thực")
            second = await create_fee(clerk, (await served_ticket(system, office))["id"], 30_000, "Lệ phí hộ tịch")
            await running.aclose()                                   # the payment service stops

            notice = sepay_notice(f"{first['reference']} chuyen tien", 50_000)
            status, body = await post_sepay(gateway, notice)
            assert status == 503 and body["error"]["code"] == "unavailable"   # SePay will send it again
            assert body["error"]["message"] and body["error"]["message_en"]

            # A stop right after a notice was stored and before it was matched: it waits in the table.
            raw = json.dumps(sepay_notice(f"{second['reference']}", 30_000)).encode()
            received = authenticate("sepay", raw, f"Apikey {SEPAY_KEY}", {"sepay": SEPAY_KEY, "payos": PAYOS_KEY})
            desk = NoticeDesk(pool, settings.subject_prefix, {}, clock=clock)
            async with pool.acquire() as conn, conn.transaction():
                stored, repeat = await desk.store(conn, received, raw, clock())
            assert not repeat
            assert await desk.pending() == [stored]

            async with bus_connection(settings, "payment") as bus, run_payment(bus, pool, settings, clock=clock):
                assert await desk.pending() == []                    # matched as the service started
                assert (await get(gateway, f"/api/fees/{second['id']}"))["status"] == "paid"
                for _ in range(2):                                   # SePay's retry, and one more
                    assert await post_sepay(gateway, notice) == (200, {"success": True})
                paid = await get(gateway, f"/api/fees/{first['id']}")
                assert paid["status"] == "paid"
                day = await get(clerk, f"/api/offices/{office}/payments")
                assert sorted(p["amount"] for p in day["payments"]) == [30_000, 50_000]
                assert sorted(f["receipt"]["number"] for f in day["fees"]) == [1, 2]
                assert day["exceptions"] == []
            async with pool.acquire() as conn:
                repeats = await conn.fetchval("SELECT repeats FROM bank_notices WHERE gateway_key = $1",
                                              f"sepay:{notice['id']}")
                count = await conn.fetchval("SELECT count(*) FROM bank_notices")
                stored_raw = bytes(await conn.fetchval("SELECT raw FROM bank_notices WHERE id = $1", stored))
            assert (repeats, count, stored_raw) == (1, 2, raw)      # once each, the body exactly as received


async def test_overdue_fees_are_written_expired_and_announced(infra: Any, clock: FakeClock) -> None:
    async with payment_system(infra, clock, payment=False) as system, database(system.settings) as pool, \
            bus_connection(system.settings, "payment") as bus, \
            run_payment(bus, pool, system.settings, clock=clock) as runtime:
        office = await new_office(system)
        ticket = await served_ticket(system, office)
        token = await login(system, unique("ce"), "clerk", office, "1")
        events: list[Any] = []

        async def on_event(event: Any) -> None:
            events.append(event)

        sub = await system.bus.subscribe_events(office, on_event)
        async with aiohttp.ClientSession(system.base_url, headers=bearer(token)) as clerk:
            fee = await create_fee(clerk, ticket["id"])
            await runtime.sweep_once()
            assert (await get(clerk, f"/api/fees/{fee['id']}"))["status"] == "pending"
            clock.fixed = later(system.settings.fee_expiry_min + 1)        # past the QR's deadline
            await runtime.sweep_once()
            assert (await get(clerk, f"/api/fees/{fee['id']}"))["status"] == "expired"
            async with pool.acquire() as conn:
                assert await conn.fetchval("SELECT status FROM fees WHERE id = $1::uuid", fee["id"]) == "expired"
            await runtime.sweep_once()                               # once only
            for _ in range(100):
                if any(e.type == "fee.expired" for e in events):
                    break
                await asyncio.sleep(0.05)
        await sub.unsubscribe()
        assert [e.data["fee"]["id"] for e in events if e.type == "fee.expired"] == [fee["id"]]
