"""The counter's fee dialog, server side: what its script is told (each procedure's usual fee, the limits, how the
slip is printed, where the citizen's pay screen is) and the fee slip printed on the server's printer.

Route (mounted at /counter):
    POST /counter/{office}/{counter}/fees/{fee}/print   the fee's slip on MOTCUA_PRINTER (staff of the office)
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from counter.fee_slip import fee_slip, render_fee_slip
from counter.state import BUS
from services import messages as m
from services.api.auth import requires
from services.api.payment import not_payable
from services.api.responses import error_response
from services.domain.access import Right
from services.domain.banks import BANK_NAMES
from services.domain.fees import MIN_AMOUNT
from services.screens.thermal import PRINTER


def fee_config(request: web.Request, office: dict[str, Any], counter_id: str) -> dict[str, Any]:
    router = request.app.router
    procedures = {p["code"]: {"name": p["name"], "name_en": p.get("name_en") or p["name"], "fee": p.get("fee")}
                  for s in office["services"] for p in s.get("procedures") or ()}
    return {
        "min": MIN_AMOUNT, "max": request.app[BUS].settings.fee_max_vnd, "procedures": procedures, "banks": BANK_NAMES,
        "print": "server" if request.app[PRINTER].spec else "browser",
        "urls": {"create": "/api/tickets/TICKET/fees", "fee": "/api/fees/FEE", "cancel": "/api/fees/FEE/cancel",
                 "print": str(router["fee_print"].url_for(office=office["id"], counter=counter_id, fee="FEE")),
                 "pay": str(router["pay"].url_for(office=office["id"], counter=counter_id))},
    }


@requires(Right.TAKE_FEES)
async def print_fee(request: web.Request) -> web.Response:
    """Print a fee of this office that still awaits payment."""
    office_id, counter_id = request.match_info["office"], request.match_info["counter"]
    bus = request.app[BUS]
    fee = await bus.request(m.GetFee(fee_id=request.match_info["fee"]))
    if fee["office"] != office_id:
        return error_response("not_found", "Khoản phí không thuộc văn phòng này", "The fee is not of this office", 404)
    refused = not_payable(fee)
    if refused is not None:
        return refused
    office = await bus.request(m.GetOffice(office=office_id))
    counter_name = next((c["name"] for c in office["counters"] if c["id"] == (fee.get("counter") or counter_id)),
                        f"Quầy {counter_id}")
    slip = fee_slip(fee, office, counter_name)
    return await request.app[PRINTER].answer(lambda device: render_fee_slip(device, slip),
                                             ("phiếu thanh toán", "fee slip"), reference=fee["reference"])
