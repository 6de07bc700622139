"""One day's reconciliation (services.payment.reports.PaymentReads.payments_day) as CSV for a spreadsheet, in the
dialect of services.spreadsheets; amounts as plain whole numbers of VND so they sum."""
from __future__ import annotations

from typing import Any, Iterable
from zoneinfo import ZoneInfo

from services.spreadsheets import csv_bytes, local_time as _local

HEADER = ("Loại / Kind", "Thời gian / Time", "Mã thanh toán / Reference", "Số tiền (đồng) / Amount (VND)",
          "Trạng thái / Status", "Nội dung / Description", "Phiếu / Ticket", "Quầy / Counter",
          "Biên lai / Receipt", "Mã / Id", "Ghi chú / Note")
FEE_STATUS = {"pending": "Chờ thanh toán / pending", "paid": "Đã thanh toán / paid", "cancelled": "Đã huỷ / cancelled",
              "expired": "Hết hạn / expired"}


def rows(report: dict[str, Any]) -> Iterable[tuple[Any, ...]]:
    tz = ZoneInfo(report["timezone"])
    for f in report["fees"]:
        receipt = (f.get("receipt") or {}).get("label", "")
        yield ("Phí / fee", _local(f["created_at"], tz), f["reference"], f["amount"], FEE_STATUS[f["status"]],
               f["description"], f["ticket_number"], f["counter"], receipt, f["id"], "")
    for p in report["payments"]:
        status = "Đã ghi cho phí / applied" if p["fee_id"] else "Chưa ghi cho phí / not applied"
        yield ("Thanh toán / payment", _local(p["occurred_at"], tz), "", p["amount"], status, p["content"], "", "",
               "", p["id"], f"{p['gateway']} → {p['account']}")
    for e in report["exceptions"]:
        status = "Đã xử lý / settled" if e["resolved_at"] else "Chưa xử lý / open"
        note = f"{e['resolved_by']}: {e['resolution']}" if e["resolved_at"] else ""
        yield ("Ngoại lệ / exception", _local(e["created_at"], tz), "", e["amount"], status,
               f"{e['message']} / {e['message_en']}" + (f" — {e['content']}" if e.get("content") else ""), "", "",
               "", e["id"], note)
    t = report["totals"]
    yield ("Tổng phí / fees total", "", "", t["fees"]["amount"], f"{t['fees']['count']} khoản / fees", "", "", "",
           "", "", "")
    yield ("Tổng đã thu / paid total", "", "", t["fees"]["paid"]["amount"],
           f"{t['fees']['paid']['count']} khoản / fees", "", "", "", "", "", "")
    yield ("Tổng tiền nhận / received total", "", "", t["payments"]["amount"],
           f"{t['payments']['count']} giao dịch / transfers", "", "", "", "", "", "")
    yield ("Ngoại lệ chưa xử lý / open exceptions", "", "", t["exceptions"]["open_amount"],
           f"{t['exceptions']['open']} ngoại lệ / exceptions", "", "", "", "", "", "")


def to_csv(report: dict[str, Any]) -> bytes:
    return csv_bytes(HEADER, rows(report))


def filename(report: dict[str, Any]) -> str:
    return f"thanh-toan-{report['office']}-{report['day']}.csv"
