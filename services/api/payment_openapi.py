"""OpenAPI description of the payment routes (services.api.payment), merged into /api/openapi.json."""
from __future__ import annotations

from typing import Any

from services.api.openapi import NSTR, OFFICE, STAFF_ERRORS, STR, TICKET, _body, _op, _path_param, _resp

FEE = _path_param("fee", "Mã khoản phí (UUID, chìa khóa của công dân) / fee id (the citizen's key)")
EXCEPTION = _path_param("exception", "Mã ngoại lệ thanh toán / payment exception id")
RECEIPT = _path_param("receipt", "Mã biên lai (UUID) / receipt id")
INT = {"type": "integer"}
FEE_SCHEMA = {"type": "object", "required": ["id", "reference", "amount", "status", "qr", "qr_svg", "expires_at"],
              "properties": {"id": STR, "reference": STR, "amount": INT, "description": STR,
                             "status": {"enum": ["pending", "paid", "cancelled", "expired"]}, "qr": STR, "qr_svg": STR,
                             "expires_at": STR, "paid_at": NSTR, "bank": {"type": "object"},
                             "receipt": {"type": ["object", "null"]}}}
STATUS_QUERY = {"name": "status", "in": "query", "schema": {"enum": ["open", "resolved", "all"]}}
NOTICE_ERRORS = (401, 413, 503)
SUCCESS = _resp("Đã ghi nhận bền vững / durably recorded", {"type": "object", "properties": {"success": {
    "const": True}}})


def payment_paths() -> dict[str, Any]:
    return {
        "/api/tickets/{ticket}/fees": {"post": _op(
            "Thu phí bằng VietQR (cán bộ đang phục vụ phiếu; mỗi phiếu chờ một khoản phí một lúc: 409 kèm khoản đang "
            "chờ trong error.details.fee) / ask a fee by VietQR (staff serving the ticket; one pending fee per ticket: "
            "409 with the waiting one in error.details.fee)",
            [TICKET, {"name": "Idempotency-Key", "in": "header", "required": False, "schema": STR}],
            _resp("Khoản phí mới / the new fee", FEE_SCHEMA), STAFF_ERRORS, status="201",
            body=_body({"amount": INT, "description": STR}, ["amount", "description"]))},
        "/api/fees/{fee}": {"get": _op("Trạng thái khoản phí / a fee's state", [FEE], _resp("OK", FEE_SCHEMA),
                                       (404,), public=True)},
        "/api/fees/{fee}/qr.svg": {"get": _op("Mã VietQR của khoản phí (SVG) / the fee's VietQR as SVG", [FEE],
                                              _resp("image/svg+xml"), (404,), public=True)},
        "/api/fees/{fee}/cancel": {"post": _op("Huỷ khoản phí chưa thanh toán / cancel an unpaid fee", [FEE],
                                               _resp("OK", FEE_SCHEMA), STAFF_ERRORS, body=_body({"reason": STR}))},
        "/api/payments/sepay": {"post": _op(
            "Webhook SePay (Authorization: Apikey <MOTCUA_SEPAY_API_KEY>); trả lời thành công chỉ sau khi đã ghi "
            "nhận / SePay webhook; success only once durably recorded", [], SUCCESS, NOTICE_ERRORS, public=True,
            body=_body({"id": INT, "content": STR, "transferAmount": INT}))},
        "/api/payments/payos": {"post": _op(
            "Webhook payOS (chữ ký HMAC-SHA256 với MOTCUA_PAYOS_CHECKSUM_KEY) / payOS webhook (signed)", [], SUCCESS,
            NOTICE_ERRORS, public=True, body=_body({"data": {"type": "object"}, "signature": STR}))},
        "/api/payments/exceptions": {"get": _op(
            "Ngoại lệ vào tài khoản chưa gắn văn phòng (admin) / exceptions of no known office (admins)",
            [STATUS_QUERY], _resp("OK"), (401, 403, 503))},
        "/api/payments/exceptions/{exception}/resolve": {"post": _op(
            "Xử lý ngoại lệ, có thể ghi cho một khoản phí / settle an exception, optionally paying a fee",
            [EXCEPTION], _resp("OK"), STAFF_ERRORS, body=_body({"note": STR, "fee": STR}, ["note"]))},
        "/api/offices/{office}/payments": {"get": _op(
            "Đối soát trong ngày: phí, thanh toán, ngoại lệ và tổng (format=csv: CSV UTF-8) / the day's fees, "
            "payments, exceptions and totals (format=csv for a spreadsheet)",
            [OFFICE, {"name": "day", "in": "query", "schema": {"type": "string", "format": "date"}},
             {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]}}], _resp("OK"),
            (400, 401, 403, 404, 503))},
        "/api/offices/{office}/payments/exceptions": {"get": _op(
            "Ngoại lệ thanh toán của văn phòng / the office's payment exceptions", [OFFICE, STATUS_QUERY],
            _resp("OK"), (400, 401, 403, 503))},
        "/api/receipts/{receipt}": {"get": _op(
            "Biên lai (JSON; trang in: /receipts/{receipt}, PDF: /receipts/{receipt}.pdf) / a receipt", [RECEIPT],
            _resp("OK"), (404,), public=True)},
    }
