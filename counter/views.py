"""Counter views: the clerk's screen, a counter picker, and the office's live event stream (the pay screen:
counter/pay.py; the fee dialog's server side: counter/fees.py)."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from aiohttp import web

from counter.fees import fee_config
from counter.state import BUS, HUB
from services.api.auth import actor_of, holds, principal_of, public, requires, to_login
from services.domain.access import Right
from services.live import counter_screen, sse_response
from services.screens import pages

TEMPLATES = Path(__file__).parent / "templates"


@public
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


@public
async def desk(request: web.Request) -> web.Response:
    """The page itself is public (it holds no data); without a staff session it sends the clerk to log in."""
    office_id, counter_id = request.match_info["office"], request.match_info["counter"]
    principal = principal_of(request)
    if principal is None or principal.actor.type != "user":
        raise to_login(request)
    if not holds(request, Right.SERVE, office_id):
        return pages.error_page(
            request, 403, ("Không có quyền", "Not allowed"),
            (f"Tài khoản “{principal.actor.name}” không làm việc tại văn phòng “{office_id}”. "
             "Hãy đăng xuất và đăng nhập bằng tài khoản của văn phòng này.",
             f"The account “{principal.actor.name}” does not work at office “{office_id}”. "
             "Log out and log in with an account of this office."))
    office = await pages.load_office(request, request.app[BUS], office_id)
    counter = office_counter(request, office, counter_id)
    api = f"/api/offices/{office_id}"
    config = {
        "office": office_id, "name": office["name"], "timezone": office.get("timezone"),
        "counter": counter,
        "services": [{k: s.get(k) for k in ("code", "name", "name_en")} for s in office["services"]],
        "counters": [{k: c[k] for k in ("id", "name", "services")} for c in office["counters"]],
        "priority_categories": office["priority_categories"],
        "me": {"username": principal.actor.name, "role": principal.actor.role},
        "urls": {"logout": "/api/auth/logout", "counter": f"{api}/counters/{counter_id}", "queue": f"{api}/queue", "tickets": "/api/tickets",
                 "events": str(request.app.router["events"].url_for(office=office_id))},
        "fees": fee_config(request, office, counter_id),
    }
    return pages.render(request, TEMPLATES / "counter.html", config=config, office_name=office["name"],
                        counter_name=counter["name"], css=pages.asset(request, "static", "counter.css"),
                        js=pages.asset(request, "static", "counter.js"),
                        raw={"fees": pages.fragment(TEMPLATES / "fees.html", office_name=office["name"])},
                        fees_css=pages.asset(request, "static", "fees.css"),
                        fees_js=pages.asset(request, "static", "fees.js"), **citizen_assets(request))


def citizen_assets(request: web.Request) -> dict[str, str]:
    """The identified citizen's panel (citizen.js): its own files, so counter.js only calls it."""
    return {"citizen_js": pages.asset(request, "static", "citizen.js"),
            "citizen_css": pages.asset(request, "static", "citizen.css")}


def office_counter(request: web.Request, office: dict[str, Any], counter_id: str) -> dict[str, Any]:
    """The office's counter `counter_id`; a friendly 404 page when it has none."""
    counter = next((c for c in office["counters"] if c["id"] == counter_id), None)
    if counter is None:
        raise pages.as_http(pages.error_page(
            request, 404, ("Không tìm thấy quầy", "Counter not found"),
            (f"Văn phòng “{office['name']}” không có quầy “{counter_id}”.",
             f"The office “{office['name']}” has no counter “{counter_id}”.")))
    return counter


@requires(Right.READ_DETAIL)
async def events(request: web.Request) -> web.StreamResponse:
    """Snapshot of the office's queue, then every event: every tab of every counter stays consistent. With
    ?counter=<id>, also that counter's waiting list in the order "next" will call it (`order`) and the fees of the
    ticket it serves (`fees`, after each snapshot; fee events come like every other event)."""
    return await sse_response(request, request.app[HUB], request.match_info["office"],
                              counter=request.query.get("counter") or None, view=counter_screen(actor_of(request)))
