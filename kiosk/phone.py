"""The phone page a ticket's QR code opens (/t/{ticket}): the ticket's status, live, on the citizen's phone."""
from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from kiosk import pages
from kiosk.views import TICKET_ID
from services import messages as m
from services.bus import Bus
from services.live import HEARTBEAT_S, LiveHub, event_stream, sse_event

BUS = web.AppKey("phone_bus", Bus)
HUB = web.AppKey("phone_hub", LiveHub)
FINAL = ("done", "cancelled")
COALESCE_S = 0.5

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


async def phone_page(request: web.Request) -> web.Response:
    ticket = await _ticket(request)
    office = await pages.load_office(request, request.app[BUS], ticket["office"])
    config = {
        "ticket": ticket, "office": ticket["office"], "name": office["name"], "timezone": office.get("timezone"),
        "services": {s["code"]: {"name": s["name"], "name_en": s.get("name_en") or s["name"]}
                     for s in office["services"]},
        "counters": {c["id"]: c["name"] for c in office["counters"]},
        "priority_categories": {c["code"]: {"name": c["name"], "name_en": c["name_en"]}
                                for c in office["priority_categories"]},
        "grace_s": office.get("no_show_grace_s", 600),
        "urls": {"ticket": f"/api/tickets/{ticket['id']}",
                 "events": str(request.app.router["events"].url_for(ticket=ticket["id"]))},
    }
    return pages.render(request, "phone.html", config=config, office_name=office["name"],
                        number=ticket["number"], css=pages.asset(request, "static", "phone.css"),
                        js=pages.asset(request, "static", "phone.js"))


async def phone_events(request: web.Request) -> web.StreamResponse:
    """This ticket only, live: its state and place in line after every change in its office.

    Fed by the office's live stream, but a phone never receives other tickets (their ids or numbers): the page
    is public, on the citizen's own device. Others' events are coalesced (COALESCE_S), the ticket's own are not
    delayed, and the stream ends once the ticket is finished."""
    ticket = await _ticket(request)
    bus, hub = request.app[BUS], request.app[HUB]
    response = event_stream()
    async with hub.listen(ticket["office"]) as events:
        try:
            ticket = await bus.request(m.GetTicket(ticket_id=ticket["id"]))   # subscribed: nothing missed now
        except m.ServiceError as exc:
            raise web.HTTPServiceUnavailable(text=exc.message) from exc
        await response.prepare(request)
        try:
            await _follow(response, events, bus, ticket)
        except ConnectionResetError:
            pass  # the phone closed the page or lost its network; it reconnects by itself
    return response


async def _follow(response: web.StreamResponse, events: asyncio.Queue[m.Event | None], bus: Bus,
                  ticket: dict[str, Any]) -> None:
    await response.write(b"retry: 2000\n\n" + sse_event("ticket", ticket))
    while ticket["status"] not in FINAL:
        try:
            async with asyncio.timeout(HEARTBEAT_S):
                event = await events.get()
        except TimeoutError:
            await response.write(b": heartbeat\n\n")
            continue
        if event is not None and (event.ticket or {}).get("id") != ticket["id"]:
            await asyncio.sleep(COALESCE_S)
        while not events.empty():
            events.get_nowait()
        try:
            fresh = await bus.request(m.GetTicket(ticket_id=ticket["id"]))
        except m.ServiceError:
            continue                     # the page polls as well; the next event retries
        if fresh != ticket:
            ticket = fresh
            await response.write(sse_event("ticket", ticket))
