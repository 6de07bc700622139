"""Settling money inside the caller's transaction: a payment pays its fee and the receipt is issued, or the transfer
waits as an exception for a person. Both return the events to write with the change."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping
from zoneinfo import ZoneInfo

import asyncpg

from services import messages as m
from services.domain.fees import amount_in_words, receipt_label
from services.payment import store
from services.payment.views import exception_view, fee_view, receipt_summary

GATEWAY_NAMES = {"sepay": "SePay", "payos": "payOS"}


def receipt_content(fee: Mapping[str, Any], payment: Mapping[str, Any], year: int, number: int,
                    issued_at: datetime) -> dict[str, Any]:
    """What the receipt says, frozen when it is issued (the office's name may change later; the receipt does not).
    Nothing about the payer: the receipt is fetched by its unguessable id."""
    tz = ZoneInfo(fee["timezone"])
    return {
        "office": fee["office_id"], "office_name": fee["office_name"], "year": year, "number": number,
        "label": receipt_label(year, number), "reference": fee["reference"], "description": fee["description"],
        "amount": fee["amount"], "amount_words": amount_in_words(fee["amount"]),
        "paid_at": payment["occurred_at"].isoformat(),
        "paid_local": payment["occurred_at"].astimezone(tz).strftime("%H:%M %d/%m/%Y"),
        "issued_at": issued_at.isoformat(), "issued_local": issued_at.astimezone(tz).strftime("%H:%M %d/%m/%Y"),
        "method": "Chuyển khoản VietQR / VietQR bank transfer",
        "gateway": GATEWAY_NAMES.get(payment["gateway"], payment["gateway"]), "payment_id": str(payment["id"]),
        "bank": {"bin": fee["bank_bin"], "account": fee["bank_account"], "name": fee["bank_name"]},
        "ticket_number": fee["ticket_number"], "counter": fee["counter_id"], "fee_id": str(fee["id"]),
    }


async def pay_fee(conn: asyncpg.Connection, fee: Mapping[str, Any], payment: Mapping[str, Any], now: datetime,
                  actor: dict | None = None) -> list[m.Event]:
    """`payment` pays `fee` (pending or expired): the fee is paid, the payment applied, the receipt issued with the
    next number of the office and the local year of the payment."""
    await store.mark_paid(conn, fee["id"], payment["id"], payment["occurred_at"])
    await store.apply_payment(conn, payment["id"], fee["id"], fee["office_id"], now)
    year = payment["occurred_at"].astimezone(ZoneInfo(fee["timezone"])).year
    number = await store.next_receipt_number(conn, fee["office_id"], year)
    receipt = await store.insert_receipt(
        conn, office=fee["office_id"], year=year, number=number, fee_id=fee["id"], payment_id=payment["id"],
        issued_at=now, content=receipt_content(fee, payment, year, number, now))
    paid = await store.get_fee(conn, str(fee["id"]))
    data = {"fee": fee_view(paid, now, receipt),
            "payment": {"id": str(payment["id"]), "amount": payment["amount"], "gateway": payment["gateway"],
                        "occurred_at": payment["occurred_at"].isoformat()},
            "receipt": receipt_summary(receipt)}
    return [m.FeePaid(office=fee["office_id"], counter=fee["counter_id"], data=data, actor=actor)]


async def raise_exception(conn: asyncpg.Connection, *, kind: str, office: str | None, notice_id: Any,
                          payment: Mapping[str, Any] | None, fee: Mapping[str, Any] | None, amount: int | None,
                          now: datetime) -> list[m.Event]:
    row = await store.insert_exception(conn, office=office, kind=kind, notice_id=notice_id,
                                       payment_id=payment["id"] if payment else None,
                                       fee_id=fee["id"] if fee else None, amount=amount, at=now)
    if office is None:
        return []          # no office's screens to tell; admins find it in the list of unattributed exceptions
    counter = fee["counter_id"] if fee else None
    return [m.PaymentExceptionRaised(office=office, counter=counter, data={"exception": exception_view(row)})]
