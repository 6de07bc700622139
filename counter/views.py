"""Counter views: the clerk's screen, a counter picker, and the office's live event stream."""
from __future__ import annotations

import html
from pathlib import Path

from aiohttp import web

from kiosk import pages
from services.bus import Bus
from services.live import LiveHub, sse_response

BUS = web.AppKey("counter_bus", Bus)
HUB = web.AppKey("counter_hub", LiveHub)
TEMPLATES = Path(__file__).parent / "templates"


async def picker(request: web.Request) -> web.Response:
    """Which counter is this desk? (a clerk opens /counter/{office} once and bookmarks the answer)"""
    office_id = request.match_info["office"]
    office = await pages.load_office(request, request.app[BUS], office_id)
    names = {s["code"]: s["name"] for s in office["services"]}
    links = "".join(
        f'<a class="pick" href="{request.app.router["desk"].url_for(office=office_id, counter=c["id"])}">'
        f'<span class="pick-name">{html.escape(c["name"])}</span>'
        f'<span class="pick-sub">{html.escape(", ".join(names.get(s, s) for s in c["services"]))}</span></a>'
        for c in office["counters"]
    )
    return pages.render(request, TEMPLATES / "picker.html", raw={"links": links}, office_name=office["name"],
                        css=pages.asset(request, "static", "counter.css"))


async def desk(request: web.Request) -> web.Response:
    office_id, counter_id = request.match_info["office"], request.match_info["counter"]
    office = await pages.load_office(request, request.app[BUS], office_id)
    counter = next((c for c in office["counters"] if c["id"] == counter_id), None)
    if counter is None:
        return pages.error_page(
            request, 404, ("Không tìm thấy quầy", "Counter not found"),
            (f"Văn phòng “{office['name']}” không có quầy “{counter_id}”.",
             f"The office “{office['name']}” has no counter “{counter_id}”."))
    api = f"/api/offices/{office_id}"
    config = {
        "office": office_id, "name": office["name"], "timezone": office.get("timezone"),
        "counter": counter,
        "services": [{k: s.get(k) for k in ("code", "name", "name_en")} for s in office["services"]],
        "counters": [{k: c[k] for k in ("id", "name", "services")} for c in office["counters"]],
        "priority_categories": office["priority_categories"],
        "urls": {"counter": f"{api}/counters/{counter_id}", "queue": f"{api}/queue", "tickets": "/api/tickets",
                 "events": str(request.app.router["events"].url_for(office=office_id))},
    }
    return pages.render(request, TEMPLATES / "counter.html", config=config, office_name=office["name"],
                        counter_name=counter["name"], css=pages.asset(request, "static", "counter.css"),
                        js=pages.asset(request, "static", "counter.js"))


async def events(request: web.Request) -> web.StreamResponse:
    """Snapshot of the office's queue, then every event: every tab of every counter stays consistent."""
    return await sse_response(request, request.app[HUB], request.app[BUS], request.match_info["office"])
