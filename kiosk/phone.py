"""The phone page a ticket's QR code opens (/t/{ticket}): the ticket's status, live, on the citizen's phone."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from kiosk.views import TEMPLATES, TICKET_ID
from services import messages as m
from services.api.auth import public
from services.bus import Bus
from services.live import LiveHub, phone_response
from services.screens import pages
from services.screens.rating import rating_config
from services.ticketing.views import without_personal

BUS = web.AppKey("phone_bus", Bus)
HUB = web.AppKey("phone_hub", LiveHub)

_NO_TICKET = ("Không tìm thấy phiếu", "Ticket not found")
_NO_TICKET_DETAIL = ("Mã phiếu không đúng hoặc phiếu đã quá cũ. Vui lòng quét lại mã QR trên phiếu.",
                     "The ticket code is wrong or too old. Please scan the QR code on the ticket again.")


async def _ticket(request: web.Request) -> dict[str, Any]:
    ticket_id = request.match_info["ticket"]
    if not TICKET_ID.match(ticket_id):
        raise pages.as_http(pages.error_page(request, 404, _NO_TICKET, _NO_TICKET_DETAIL))
    try:
        return await request.app[BUS].request(m.GetTicket(ticket_id=ticket_id))
    except m.ServiceError as exc:
        if exc.code in ("not_found", "invalid"):
            raise pages.as_http(pages.error_page(request, 404, _NO_TICKET, _NO_TICKET_DETAIL)) from exc
        raise pages.as_http(pages.service_error_page(request, exc)) from exc


@public
async def phone_page(request: web.Request) -> web.Response:
    ticket = await _ticket(request)
    office = await pages.load_office(request, request.app[BUS], ticket["office"])
    config = {
        "ticket": without_personal(ticket), "office": ticket["office"], "name": office["name"], "timezone": office.get("timezone"),
        "services": {s["code"]: {"name": s["name"], "name_en": s.get("name_en") or s["name"]}
                     for s in office["services"]},
        "counters": {c["id"]: c["name"] for c in office["counters"]},
        "counter_order": [c["id"] for c in office["counters"]],
        "priority_categories": {c["code"]: {"name": c["name"], "name_en": c["name_en"]}
                                for c in office["priority_categories"]},
        "grace_s": office.get("no_show_grace_s", 600),
        "rating": rating_config(office),
        "urls": {"ticket": f"/api/tickets/{ticket['id']}", "cancel": f"/api/tickets/{ticket['id']}/cancel",
                 "events": str(request.app.router["events"].url_for(ticket=ticket["id"]))},
    }
    return pages.render(request, TEMPLATES / "phone.html", config=config, office_name=office["name"],
                        number=ticket["number"], css=pages.asset(request, "static", "phone.css"),
                        js=pages.asset(request, "static", "phone.js"),
                        rating_css=pages.asset(request, "common", "rating.css"),
                        rating_js=pages.asset(request, "common", "rating.js"),
                        vote_js=pages.asset(request, "static", "phone_vote.js"))


@public
async def phone_events(request: web.Request) -> web.StreamResponse:
    """This ticket only, live: its state at once, its place in line and who is being served at each counter as
    they change. Never another ticket's id; the stream ends once the ticket is finished. A hall full of phones
    reconnecting at once costs one index lookup each (which office?), then nothing: the office's read model
    knows every waiting and called ticket."""
    hub, bus = request.app[HUB], request.app[BUS]
    ticket_id = request.match_info["ticket"]
    if not TICKET_ID.match(ticket_id):
        raise pages.as_http(pages.error_page(request, 404, _NO_TICKET, _NO_TICKET_DETAIL))
    try:
        known = await hub.find_ticket(ticket_id, lambda: bus.request(m.LocateTicket(ticket_id=ticket_id)))
    except m.ServiceError as exc:
        if exc.code in ("not_found", "invalid"):
            raise pages.as_http(pages.error_page(request, 404, _NO_TICKET, _NO_TICKET_DETAIL)) from exc
        raise pages.as_http(pages.service_error_page(request, exc)) from exc
    ticket = known or await _ticket(request)         # finished, or missed: as the database has it
    return await phone_response(request, hub, ticket,
                                None if known else lambda: bus.request(m.GetTicket(ticket_id=ticket["id"])))
