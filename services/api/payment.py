"""Fees, the gateways' webhooks, payment exceptions, the day's reconciliation and receipts, over the payment service.

No database and no secret here: a webhook's body and Authorization header go to the payment service as received,
which checks their authenticity (so a compromised web front still cannot forge a payment) and answers only once the
notice is durably recorded. Until then the gateway gets no success: 503 while the service is down, 504 when it did
not answer in time; both gateways retry on any status outside 2xx.

Who may call what: creating and cancelling fees, staff of the ticket's office (TAKE_FEES; the service checks the
office and that the ticket is being served); exceptions and the day's list, staff of the office (RESOLVE_PAYMENTS:
clerks close the day's till too, managers and admins as well); a fee, its QR and a receipt, anyone holding their
unguessable id (the citizen-facing page and the receipt link carry no personal data).
"""
from __future__ import annotations

import asyncio
import base64
import html

import qrcode
import qrcode.image.svg
from aiohttp import web

from services import messages as m
from services.api.accounts import SETTINGS
from services.api.auth import actor_of, public, requires
from services.api.body import field, max_body, read_bytes, read_json
from services.api.responses import error_response, json_response
from services.api.security import client_address
from services.api.tickets import BUS, ask
from services.domain.access import Right
from services.payment import receipt as receipts
from services.payment.report_csv import filename, to_csv
from services.screens import pages

WEBHOOK_MAX_BODY = 64 * 1024   # a notice is well under 2 KiB


# ------------------------------------------------------------ fees

@requires(Right.TAKE_FEES, office=None)
async def create_fee(request: web.Request) -> web.Response:
    """{"amount": 50000, "description": "Lệ phí chứng thực"} → 201 the fee with its VietQR payload."""
    body = await read_json(request)
    fee = await ask(request, m.CreateFee(
        ticket_id=request.match_info["ticket"], amount=field(body, "amount", int, required=True),
        description=field(body, "description", str, required=True),
        idempotency_key=request.headers.get("Idempotency-Key"), actor=actor_of(request)))
    return json_response(fee, status=200 if fee.get("replayed") else 201,
                         headers={"Location": f"/api/fees/{fee['id']}"})


@public
async def get_fee(request: web.Request) -> web.Response:
    return json_response(await ask(request, m.GetFee(fee_id=request.match_info["fee"])))


def qr_svg(text: str) -> bytes:
    """A QR code as SVG, with the standard quiet zone of 4 modules (bank apps insist on it)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=4,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    return image.to_string(encoding="unicode").encode("utf-8")


def not_payable(fee: dict) -> web.Response | None:
    """409 for a fee that no longer awaits payment (its code must not be shown or printed any more), else None."""
    if fee["status"] == "pending":
        return None
    vi = {"paid": "đã được thanh toán", "cancelled": "đã bị huỷ", "expired": "đã hết hạn"}[fee["status"]]
    return error_response("conflict", f"Khoản phí {fee['reference']} {vi}: không còn nhận chuyển khoản",
                          f"Fee {fee['reference']} is {fee['status']}: it takes no transfer any more", 409,
                          details={"status": fee["status"]})


@public
async def fee_qr(request: web.Request) -> web.Response:
    """The fee's VietQR as SVG, for the citizen-facing page and printing; only while the fee awaits payment, so that
    no screen keeps showing a code whose transfer could no longer pay anything."""
    fee = await ask(request, m.GetFee(fee_id=request.match_info["fee"]))
    return not_payable(fee) or web.Response(body=qr_svg(fee["qr"]), content_type="image/svg+xml")


@requires(Right.TAKE_FEES, office=None)
async def cancel_fee(request: web.Request) -> web.Response:
    body = await read_json(request)
    return json_response(await ask(request, m.CancelFee(fee_id=request.match_info["fee"],
                                                        reason=field(body, "reason", str), actor=actor_of(request))))


# ------------------------------------------------------------ the gateways' webhooks

async def _notice(request: web.Request, gateway: str) -> web.Response:
    raw = await read_bytes(request, WEBHOOK_MAX_BODY)
    await ask(request, m.RecordBankNotice(
        gateway=gateway, body_b64=base64.b64encode(raw).decode("ascii"),
        authorization=request.headers.get("Authorization"),
        address=client_address(request, request.config_dict[SETTINGS].trusted_proxies)))
    return json_response({"success": True})   # what SePay asks for; payOS takes any 2xx and documents the same


@public
@max_body(WEBHOOK_MAX_BODY)
async def sepay_webhook(request: web.Request) -> web.Response:
    """SePay, authenticated by `Authorization: Apikey <MOTCUA_SEPAY_API_KEY>` (checked by the payment service)."""
    return await _notice(request, "sepay")


@public
@max_body(WEBHOOK_MAX_BODY)
async def payos_webhook(request: web.Request) -> web.Response:
    """payOS, authenticated by its `signature` under MOTCUA_PAYOS_CHECKSUM_KEY (checked by the payment service)."""
    return await _notice(request, "payos")


# ------------------------------------------------------------ exceptions and the day's list

def _status(request: web.Request) -> str:
    return request.query.get("status", "open")


@requires(Right.RESOLVE_PAYMENTS)
async def office_exceptions(request: web.Request) -> web.Response:
    return json_response(await ask(request, m.ListPaymentExceptions(
        office=request.match_info["office"], status=_status(request), actor=actor_of(request))))


@requires(Right.RESOLVE_PAYMENTS, office=None)
async def unattributed_exceptions(request: web.Request) -> web.Response:
    """Transfers into an account no office has asked fees into (admins; the service refuses anyone else)."""
    return json_response(await ask(request, m.ListPaymentExceptions(office=None, status=_status(request),
                                                                    actor=actor_of(request))))


@requires(Right.RESOLVE_PAYMENTS, office=None)
async def resolve_exception(request: web.Request) -> web.Response:
    """{"note": "Đã hoàn tiền cho công dân", "fee": "<fee id>"?}: settled, by whom is recorded."""
    body = await read_json(request)
    return json_response(await ask(request, m.ResolvePaymentException(
        exception_id=request.match_info["exception"], note=field(body, "note", str, required=True),
        fee_id=field(body, "fee", str), actor=actor_of(request))))


@requires(Right.RESOLVE_PAYMENTS)
async def payments_day(request: web.Request) -> web.Response:
    """?day=YYYY-MM-DD (the office's local day; today by default) and format=json (default) or csv."""
    fmt = request.query.get("format", "json")
    if fmt not in ("json", "csv"):
        return error_response("invalid", "format phải là json hoặc csv", "format must be json or csv", 400)
    report = await ask(request, m.PaymentsDay(office=request.match_info["office"], day=request.query.get("day"),
                                              actor=actor_of(request)))
    if fmt == "json":
        return json_response(report)
    return web.Response(body=to_csv(report), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename(report)}"'})


# ------------------------------------------------------------ receipts

@public
async def receipt_json(request: web.Request) -> web.Response:
    return json_response(await ask(request, m.GetReceipt(receipt_id=request.match_info["receipt"])))


async def _receipt_or_page(request: web.Request) -> dict | web.Response:
    try:
        return await ask(request, m.GetReceipt(receipt_id=request.match_info["receipt"]))
    except m.ServiceError as exc:
        if exc.code != "not_found":
            raise
        text = (f"<!doctype html><meta charset='utf-8'><title>Không tìm thấy biên lai</title>"
                f"<p>{html.escape(exc.message)}</p><p>{html.escape(exc.message_en)}</p>")
        return web.Response(text=text, status=404, content_type="text/html", charset="utf-8")


@public
async def receipt_page(request: web.Request) -> web.Response:
    """The printable receipt (biên lai), by its unguessable id."""
    receipt = await _receipt_or_page(request)
    if isinstance(receipt, web.Response):
        return receipt
    static = request.app.router["receipt_static"]
    page = receipts.render_html(receipt, str(static.url_for(filename="receipt.css")),
                                str(static.url_for(filename="receipt.js")))
    return web.Response(text=page, content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-store"})


@public
async def receipt_pdf(request: web.Request) -> web.Response:
    receipt = await _receipt_or_page(request)
    if isinstance(receipt, web.Response):
        return receipt
    pdf = await asyncio.to_thread(receipts.render_pdf, receipt)     # CPU work off the event loop
    return web.Response(body=pdf, content_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="bien-lai-{receipt["year"]}-'
                                                        f'{receipt["number"]:07d}.pdf"'})


@public
async def receipt_qr(request: web.Request) -> web.Response:
    """The receipt's address as a QR code: the citizen keeps the receipt by scanning it from the pay screen."""
    receipt = await _receipt_or_page(request)
    if isinstance(receipt, web.Response):
        return receipt
    url = f"{pages.public_base(request, request.config_dict[BUS])}{receipt['html']}"
    return web.Response(body=qr_svg(url), content_type="image/svg+xml", headers={"Cache-Control": "no-store"})


def add_payment_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/api/tickets/{ticket}/fees", create_fee)
    r.add_get("/api/fees/{fee}", get_fee)
    r.add_get("/api/fees/{fee}/qr.svg", fee_qr)
    r.add_post("/api/fees/{fee}/cancel", cancel_fee)
    r.add_post("/api/payments/sepay", sepay_webhook)
    r.add_post("/api/payments/payos", payos_webhook)
    r.add_get("/api/payments/exceptions", unattributed_exceptions)
    r.add_post("/api/payments/exceptions/{exception}/resolve", resolve_exception)
    r.add_get("/api/offices/{office}/payments", payments_day)
    r.add_get("/api/offices/{office}/payments/exceptions", office_exceptions)
    r.add_get("/api/receipts/{receipt}", receipt_json)
    r.add_static("/receipts/static", receipts.STATIC, name="receipt_static", append_version=True)
    r.add_get("/receipts/{receipt}.pdf", receipt_pdf)
    r.add_get("/receipts/{receipt}/qr.svg", receipt_qr)
    r.add_get("/receipts/{receipt}", receipt_page)
