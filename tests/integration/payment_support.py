"""Helpers of the payment tests: a system with the gateways' keys, an office with a bank account, a ticket being
served, and bank notices built from the gateways' documented formats (signed independently of the code under test).
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, AsyncIterator
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg

from services import messages as m
from services.config import Settings
from services.system import Running, whole_system
from tests.conftest import FakeClock, unique
from tests.integration.conftest import OFFICE_SPEC, as_device, ask, bearer, login

SEPAY_KEY = "khoa-sepay-thu-nghiem-8f3a9c2e71"
PAYOS_KEY = "5f0c1a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19"
BANK = {"bin": "970436", "account": "0011004123456", "name": "UBND XA DEMO"}
VN = ZoneInfo("Asia/Ho_Chi_Minh")
_sepay_ids = iter(range(90_000_000, 10**9))


def office_spec(bank: dict[str, str] | None = BANK) -> dict[str, Any]:
    settings = {**OFFICE_SPEC["settings"], **({"bank": bank} if bank else {})}
    return {**OFFICE_SPEC, "settings": settings}


@contextlib.asynccontextmanager
async def payment_system(infra: Settings, clock: FakeClock, **options: Any) -> AsyncIterator[Running]:
    """The whole system with the gateways' keys, its own schema and prefix, dropped afterwards."""
    settings = replace(infra, db_schema=unique("t_"), subject_prefix=unique("t"), port=0,
                       sepay_api_key=SEPAY_KEY, payos_checksum_key=PAYOS_KEY)
    try:
        async with whole_system(settings, clock=clock, **options) as running:
            yield running
            with contextlib.suppress(Exception):
                await running.system_bus.js.delete_stream(settings.stream)
    finally:
        conn = await asyncpg.connect(settings.database_url)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{settings.db_schema}" CASCADE')
        finally:
            await conn.close()


async def new_office(system: Running, bank: dict[str, str] | None = BANK) -> str:
    office = unique("o")
    await ask(system, m.ConfigureOffice(office=office, **office_spec(bank)))
    return office


async def outsiders(system: Running, office: str, other_office: str) -> dict[str, tuple[dict[str, str], int]]:
    """Callers refused a staff matter of `office`, with the status each gets: (headers, 401 or 403)."""
    return {
        "anonymous": ({}, 401),
        "display": (await as_device(system, office, "display"), 403),
        "kiosk": (await as_device(system, office, "kiosk"), 403),
        "clerk of another office": (bearer(await login(system, unique("cx"), "clerk", other_office, "1")), 403),
    }


async def served_ticket(system: Running, office: str, counter: str = "1", *, start: bool = True) -> dict[str, Any]:
    """A ticket called to `counter` (and being served when `start`). The ticket the counter served before is
    completed first; its fees stay as they are (a ticket waits on one fee at a time: tests that need several fees
    pending at once ask each for another citizen)."""
    queue = await ask(system, m.GetQueue(office=office))
    current = next((c["current"] for c in queue["counters"] if c["id"] == counter), None)
    if current is not None:
        await ask(system, m.Complete(ticket_id=current["id"]))
    await ask(system, m.IssueTicket(office=office, service="CT"))
    called = (await ask(system, m.CallNext(office=office, counter=counter)))["ticket"]
    return await ask(system, m.Start(ticket_id=called["id"])) if start else called


async def create_fee(http: aiohttp.ClientSession, ticket: str, amount: int = 50_000,
                     description: str = "Lệ phí chứng thực bản sao", **kw: Any) -> dict[str, Any]:
    async with http.post(f"/api/tickets/{ticket}/fees", json={"amount": amount, "description": description},
                         **kw) as r:
        assert r.status == 201, await r.text()
        return await r.json()


def local(moment: datetime) -> str:
    return moment.astimezone(VN).strftime("%Y-%m-%d %H:%M:%S")


def sepay_notice(content: str, amount: int, *, account: str = BANK["account"], at: datetime | None = None,
                 direction: str = "in", **extra: Any) -> dict[str, Any]:
    """A SePay webhook body as SePay documents it."""
    sepay_id = next(_sepay_ids)
    return {"id": sepay_id, "gateway": "Vietcombank", "transactionDate": local(at or datetime.now(timezone.utc)),
            "accountNumber": account, "code": None, "content": content, "transferType": direction,
            "transferAmount": amount, "accumulated": 19_077_000, "subAccount": None,
            "referenceCode": f"FT{sepay_id}", "description": f"BankAPINotify {content}", **extra}


async def post_sepay(http: aiohttp.ClientSession, body: dict[str, Any] | bytes,
                     authorization: str | None = f"Apikey {SEPAY_KEY}") -> tuple[int, Any]:
    headers = {"Authorization": authorization} if authorization else {}
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    async with http.post("/api/payments/sepay", data=data,
                         headers={**headers, "Content-Type": "application/json"}) as r:
        return r.status, await r.json()


def payos_sign(data: dict[str, Any], key: str = PAYOS_KEY) -> str:
    """payOS's documented rule, written here on its own: `data`'s keys sorted, `key=value` joined by `&`, null as
    empty, HMAC-SHA256 under the checksum key, hex."""
    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)
    message = "&".join(f"{k}={text(data[k])}" for k in sorted(data))
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def payos_notice(description: str, amount: int, *, order: int = 1234567, account: str = BANK["account"],
                 at: datetime | None = None, key: str = PAYOS_KEY) -> dict[str, Any]:
    data = {"orderCode": order, "amount": amount, "description": description, "accountNumber": account,
            "reference": f"FT{order}{amount}", "transactionDateTime": local(at or datetime.now(timezone.utc)),
            "currency": "VND", "paymentLinkId": hashlib.md5(str(order).encode()).hexdigest(), "code": "00",
            "desc": "Thành công", "counterAccountBankId": "", "counterAccountBankName": "",
            "counterAccountName": None, "counterAccountNumber": None, "virtualAccountName": "",
            "virtualAccountNumber": ""}
    return {"code": "00", "desc": "success", "success": True, "data": data, "signature": payos_sign(data, key)}


def later(minutes: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(minutes=minutes)


async def get(http: aiohttp.ClientSession, path: str, status: int = 200) -> Any:
    async with http.get(path) as r:
        assert r.status == status, await r.text()
        return await r.json()


async def exceptions(http: aiohttp.ClientSession, office: str, status: str = "open") -> list[dict[str, Any]]:
    return await get(http, f"/api/offices/{office}/payments/exceptions?status={status}")
