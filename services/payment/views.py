"""The shapes that leave the payment service: fees, payments, exceptions and receipts as JSON-ready dicts.

A fee's view carries nothing about a person (amount, what for, its reference, the office's account that every QR
prints anyway) and not the ticket's id (the citizen's key to their ticket: whoever holds it may cancel it), so the
citizen-facing page may show it by the fee's unguessable id. Payments and exceptions carry
the transfer's content, which may hold the payer's name: staff only."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from services.domain.fee_matching import OUTCOMES
from services.domain.fees import effective_status, receipt_label

EXCEPTION_TEXT: dict[str, tuple[str, str]] = {
    **{kind: text for kind, text in OUTCOMES.items()},
    "malformed": ("Thông báo của cổng thanh toán không đọc được; cần kiểm tra với ngân hàng",
                  "The gateway's notice could not be read; check it with the bank"),
    "conflicting": ("Cổng thanh toán gửi hai nội dung khác nhau cho cùng một giao dịch",
                    "The gateway sent two different notices for the same transaction"),
}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def fee_urls(fee_id: str) -> dict[str, str]:
    return {"self": f"/api/fees/{fee_id}", "qr_svg": f"/api/fees/{fee_id}/qr.svg",
            "cancel": f"/api/fees/{fee_id}/cancel"}


def receipt_urls(receipt_id: str) -> dict[str, str]:
    return {"html": f"/receipts/{receipt_id}", "pdf": f"/receipts/{receipt_id}.pdf",
            "qr_svg": f"/receipts/{receipt_id}/qr.svg"}


def fee_view(row: Mapping[str, Any], now: datetime, receipt: Mapping[str, Any] | None = None) -> dict[str, Any]:
    fee_id = str(row["id"])
    view = {
        "id": fee_id, "office": row["office_id"], "reference": row["reference"], "amount": row["amount"],
        "description": row["description"], "status": effective_status(row["status"], row["expires_at"], now),
        "qr": row["qr"], "qr_svg": fee_urls(fee_id)["qr_svg"],
        "bank": {"bin": row["bank_bin"], "account": row["bank_account"], "name": row["bank_name"]},
        "ticket_number": row["ticket_number"], "counter": row["counter_id"],
        "created_at": _iso(row["created_at"]), "expires_at": _iso(row["expires_at"]),
        "paid_at": _iso(row["paid_at"]), "cancelled_at": _iso(row["cancelled_at"]), "receipt": None,
    }
    if receipt is not None:
        view["receipt"] = receipt_summary(receipt)
    return view


def listed_fee_view(row: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """A fee read with its receipt's columns (store.FEES_WITH_RECEIPTS)."""
    receipt = ({"id": row["receipt_id"], "year": row["receipt_year"], "number": row["receipt_number"]}
               if row["receipt_id"] else None)
    return fee_view(row, now, receipt)


def receipt_summary(row: Mapping[str, Any]) -> dict[str, Any]:
    receipt_id = str(row["id"])
    return {"id": receipt_id, "number": row["number"], "year": row["year"],
            "label": receipt_label(row["year"], row["number"]), **receipt_urls(receipt_id)}


def payment_view(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": str(row["id"]), "office": row["office_id"], "gateway": row["gateway"], "amount": row["amount"],
            "content": row["content"], "account": row["account"], "occurred_at": _iso(row["occurred_at"]),
            "recorded_at": _iso(row["recorded_at"]), "fee_id": str(row["fee_id"]) if row["fee_id"] else None,
            "applied_at": _iso(row["applied_at"])}


def exception_view(row: Mapping[str, Any]) -> dict[str, Any]:
    vi, en = EXCEPTION_TEXT.get(row["kind"], (row["kind"], row["kind"]))
    keys = row.keys() if hasattr(row, "keys") else ()
    return {
        "id": str(row["id"]), "office": row["office_id"], "kind": row["kind"], "message": vi, "message_en": en,
        "amount": row["amount"], "fee_id": str(row["fee_id"]) if row["fee_id"] else None,
        "payment_id": str(row["payment_id"]) if row["payment_id"] else None,
        "content": row["content"] if "content" in keys else None,
        "occurred_at": _iso(row["occurred_at"]) if "occurred_at" in keys else None,
        "gateway": row["gateway"] if "gateway" in keys else None,
        "created_at": _iso(row["created_at"]), "resolved_at": _iso(row["resolved_at"]),
        "resolved_by": row["resolved_by"], "resolution": row["resolution"],
        "resolved_fee": str(row["resolved_fee"]) if row["resolved_fee"] else None,
    }


def exception_summary(row: Mapping[str, Any]) -> dict[str, Any]:
    """What a counter's screen shows of a transfer about its fee that waits for a person: no transfer content."""
    view = exception_view(row)
    return {k: view[k] for k in ("id", "kind", "message", "message_en", "amount", "fee_id", "created_at")}
