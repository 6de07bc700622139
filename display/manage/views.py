"""The manager's view: an office live, its history and printable daily report, a province's offices side by side.

Routes (mounted at /manage):
    GET /manage/                         the offices the caller may see (an office's manager goes to their office)
    GET /manage/province/{province}      the province's offices side by side, ranked by wait and by satisfaction
    GET /manage/{office}                 the office live: queues, counters, today's figures, votes, alerts
    GET /manage/{office}/events          its Server-Sent Events (services.live.manager), REPORT over the office
    GET /manage/{office}/history         a day, week, month or range: figures, per service/counter/clerk, charts
    GET /manage/{office}/report?day=     the printable A4 daily report (server-rendered; Vietnamese first)

Pages hold what their scripts need as JSON (pages.render config); figures come from the same-origin /api/...stats
endpoints, so each page shows exactly what the API answers. Without a staff session a page sends to /login; a
clerk, or a manager of another office or province, gets a 403 page (display/manage/access.py).
"""
from __future__ import annotations

import html
from datetime import date, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from display.manage import report as daily
from display.manage.access import forbidden, may_report, may_see_province, province_of, staff_or_login
from display.manage.keys import BUS, HUB
from services import messages as m
from services.api.auth import actor_of, principal_of, public, requires
from services.api.responses import error_response
from services.domain.access import Actor, Right
from services.domain.office import zone
from services.domain.ratings import REASONS, levels
from services.live import manager_screen, sse_response
from services.screens import pages

TEMPLATES = Path(__file__).parent / "templates"


def _today(office: dict[str, Any]) -> date:
    return datetime.now(zone(office.get("timezone") or "Asia/Ho_Chi_Minh")).date()


def _hours(office: dict[str, Any]) -> list[int]:
    """The office's opening hours as [first hour, last hour] (the charts' hours of the day)."""
    opening, closing = office.get("opening_time") or "07:30", office.get("closing_time") or "17:30"
    last = int(closing[:2]) - (1 if closing[3:5] == "00" else 0)
    return [int(opening[:2]), max(int(opening[:2]), last)]


def _urls(request: web.Request, office_id: str) -> dict[str, Any]:
    router = request.app.router
    api = f"/api/offices/{office_id}/stats"
    exports = {f"{what}_{fmt}": f"{api}/export?what={what}&format={fmt}"
               for what in ("tickets", "figures") for fmt in ("csv", "xlsx")}
    return {"live": str(router["view_live"].url_for(office=office_id)),
            "events": str(router["view_events"].url_for(office=office_id)),
            "history": str(router["view_history"].url_for(office=office_id)),
            "report": str(router["view_report"].url_for(office=office_id)),
            "offices": str(router["view_offices"].url_for()),
            "stats": api, "exports": exports, "logout": "/api/auth/logout"}


async def _office_page(request: web.Request, where_vi: str, where_en: str
                       ) -> tuple[Actor, dict[str, Any]] | web.Response:
    """The signed-in caller and the office, once they may see its reports; else the login or a 403 page."""
    actor = staff_or_login(request).actor
    office_id = request.match_info["office"]
    office = await pages.load_office(request, request.app[BUS], office_id)
    if not may_report(actor, office_id, province_of(office)):
        return forbidden(request, actor, f"{where_vi} của văn phòng “{office['name']}”",
                         f"{where_en} of the office “{office['name']}”")
    return actor, office


def _config(request: web.Request, actor: Actor, office: dict[str, Any]) -> dict[str, Any]:
    return {"office": office["id"], "name": office["name"], "timezone": office.get("timezone"),
            "today": _today(office).isoformat(), "wait_alert_s": office.get("wait_alert_s"),
            "rating_scale": office.get("rating_scale", 5), "province": office.get("province"),
            "levels": levels(office.get("rating_scale", 5)), "reasons": REASONS, "hours": _hours(office),
            "services": [{k: s.get(k) for k in ("code", "name", "name_en")} for s in office["services"]],
            "counters": [{k: c[k] for k in ("id", "name", "services")} for c in office["counters"]],
            "me": {"username": actor.name, "role": actor.role},
            "urls": {**_urls(request, office["id"]),
                     # the office's settings: its managers and admins (a province's manager only reads figures)
                     **({"settings": f"/manage/{office['id']}/settings"}
                        if actor.is_admin or actor.office == office["id"] else {})}}


def _assets(request: web.Request, *scripts: str) -> dict[str, Any]:
    sources = [pages.asset(request, "common", "stream.js")] if "view.js" in scripts else []
    sources += [pages.asset(request, "static", name) for name in ("view-format.js", "view-charts.js", *scripts)]
    return {"css": pages.asset(request, "static", "view.css"),
            "raw": {"scripts": "".join(f'<script src="{src}" defer></script>' for src in sources)}}


def _render(request: web.Request, template: str, config: dict[str, Any], *scripts: str, **text: Any) -> web.Response:
    assets = _assets(request, *scripts)
    raw = {**assets.pop("raw"), **text.pop("raw", {})}
    return pages.render(request, TEMPLATES / template, config=config, raw=raw, **assets, **text)


# ------------------------------------------------------------ an office

@public
async def live(request: web.Request) -> web.Response:
    checked = await _office_page(request, "tình hình trực tiếp", "the live view")
    if isinstance(checked, web.Response):
        return checked
    actor, office = checked
    return _render(request, "view.html", _config(request, actor, office), "view.js", office_name=office["name"])


@requires(Right.REPORT, office=None)
async def events(request: web.Request) -> web.StreamResponse:
    """The office live (services.live.manager): its managers, its province's managers and admins."""
    office_id = request.match_info["office"]
    try:
        office = await request.app[BUS].request(m.GetOffice(office=office_id))
    except m.ServiceError as exc:
        return error_response(exc.code, exc.message, exc.message_en, 404 if exc.code == "not_found" else 503)
    principal = principal_of(request)
    if not may_report(principal.actor if principal else None, office_id, province_of(office)):
        return error_response("forbidden", f"Không được xem tình hình của văn phòng “{office_id}”",
                              f"Not allowed to see the office “{office_id}” live", 403)
    return await sse_response(request, request.app[HUB], office_id, view=manager_screen())


@public
async def history(request: web.Request) -> web.Response:
    checked = await _office_page(request, "số liệu", "the figures")
    if isinstance(checked, web.Response):
        return checked
    actor, office = checked
    config = _config(request, actor, office)
    config["range"] = {k: request.query.get(k) for k in ("period", "from", "to", "day")}
    return _render(request, "history.html", config, "history.js", office_name=office["name"])


@public
async def report(request: web.Request) -> web.Response:
    """The daily report, filled here from GetStats so that it prints complete without waiting for a script."""
    checked = await _office_page(request, "báo cáo", "the reports")
    if isinstance(checked, web.Response):
        return checked
    actor, office = checked
    day = request.query.get("day") or _today(office).isoformat()
    try:
        stats = await request.app[BUS].request(m.GetStats(office=office["id"], date_from=day, date_to=day,
                                                          actor=actor_of(request)))
    except m.ServiceError as exc:
        if exc.code == "invalid":
            return pages.error_page(request, 400, ("Ngày không hợp lệ", "Invalid day"), (exc.message, exc.message_en))
        return pages.service_error_page(request, exc)
    config = {**_config(request, actor, office), "stats": stats, "day": day}
    printed = datetime.now(zone(office.get("timezone") or "Asia/Ho_Chi_Minh"))
    return _render(request, "report.html", config, "report.js", office_name=office["name"],
                   day_vi=daily.day_vi(day), day_en=daily.day_en(day), day_input=day, printed=printed.strftime("%H:%M %d/%m/%Y"),
                   report_css=pages.asset(request, "static", "report.css"),
                   raw={"body": daily.body(stats, office)})


# ------------------------------------------------------------ several offices

@public
async def offices(request: web.Request) -> web.Response:
    """The offices the caller may see; an office's manager goes straight to their office."""
    actor = staff_or_login(request).actor
    if actor.office and not actor.is_admin:
        if actor.role == "manager":
            raise web.HTTPSeeOther(str(request.app.router["view_live"].url_for(office=actor.office)))
        return forbidden(request, actor, "báo cáo", "the reports")
    try:
        listed = await request.app[BUS].request(m.ListStatsOffices(actor=actor_of(request)))
    except m.ServiceError as exc:
        if exc.code == "forbidden":
            return forbidden(request, actor, "báo cáo", "the reports")
        return pages.service_error_page(request, exc)
    return _render(request, "view-offices.html", {"me": {"username": actor.name, "role": actor.role}},
                   "view-chrome.js", raw={"offices": _office_list(request, listed)})


def _office_list(request: web.Request, listed: list[dict[str, Any]]) -> str:
    if not listed:
        return ('<p class="empty" data-en="No office has figures yet.">Chưa có văn phòng nào có số liệu.</p>')
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for o in listed:
        groups.setdefault((o.get("province") or {}).get("code"), []).append(o)
    router, out = request.app.router, []
    for code, members in groups.items():
        province = members[0].get("province") or {}
        if code:
            link = router["view_province"].url_for(province=code)
            head = (f'<h2><a href="{link}">{html.escape(province.get("name") or code)}</a> '
                    f'<span class="sub" data-en="compare the offices">so sánh các văn phòng</span></h2>')
        else:
            head = '<h2 data-en="Offices outside any province">Văn phòng chưa thuộc tỉnh/thành</h2>'
        items = "".join(f'<li><a class="office-link" href="{router["view_live"].url_for(office=o["office"])}">'
                        f'{html.escape(o["name"])}<span class="code">{html.escape(o["office"])}</span></a></li>'
                        for o in members)
        out.append(f'<section class="card office-group">{head}<ul class="office-list">{items}</ul></section>')
    return "".join(out)


@public
async def province(request: web.Request) -> web.Response:
    actor = staff_or_login(request).actor
    code = request.match_info["province"]
    if not may_see_province(actor, code):
        return forbidden(request, actor, f"các văn phòng của tỉnh/thành “{code}”", f"the offices of province “{code}”")
    config = {"province": code, "today": datetime.now(zone("Asia/Ho_Chi_Minh")).date().isoformat(),
              "me": {"username": actor.name, "role": actor.role},
              "urls": {"stats": f"/api/provinces/{code}/stats", "offices": str(request.app.router["view_offices"].url_for()),
                       "office": str(request.app.router["view_live"].url_for(office="OFFICE")),
                       "logout": "/api/auth/logout"}}
    return _render(request, "province.html", config, "province.js", province=code)


def add_routes(app: web.Application) -> None:
    """Routes of the view pages (the sub-application is mounted at /manage)."""
    r = app.router
    r.add_get("/", offices, name="view_offices")
    r.add_get("/province/{province}", province, name="view_province")
    r.add_get("/{office}", live, name="view_live")
    r.add_get("/{office}/events", events, name="view_events")
    r.add_get("/{office}/history", history, name="view_history")
    r.add_get("/{office}/report", report, name="view_report")

