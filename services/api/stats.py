"""Votes and figures over the feedback and stats services.

Who may call what: a vote, the counter's enrolled tablet or the citizen's phone page (the ticket's own id is the
citizen's key; staff may not vote for a citizen); figures and exports, the office's managers, the managers of its
province and admins (REPORT; the stats service checks the office and province); a rebuild, admins.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from services import messages as m
from services.api.auth import actor_of, public, requires
from services.api.body import field, read_json
from services.api.responses import error_response, json_response
from services.api.tickets import ask
from services.domain.access import Right
from services.spreadsheets import BOM, csv_bytes, csv_lines
from services.stats import exports

PAGE = 2000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ------------------------------------------------------------ votes

@public
async def rate_ticket(request: web.Request) -> web.Response:
    """{"level": 1..scale, "reasons": [codes], "vote_id": uuid?} → 201 the vote; 200 for a retry of the same vote
    (same vote_id); 409 once the ticket has another vote, or before it was served; 400 outside the scale."""
    body = await read_json(request)
    vote = await ask(request, m.RateTicket(
        ticket_id=request.match_info["ticket"], level=body.get("level"), reasons=body.get("reasons"),
        vote_id=field(body, "vote_id", str), actor=actor_of(request)))
    return json_response(vote, status=201 if vote.pop("created") else 200)


# ------------------------------------------------------------ figures

def _range(request: web.Request) -> dict[str, str | None]:
    return {"date_from": request.query.get("from"), "date_to": request.query.get("to")}


@requires(Right.REPORT, office=None)
async def office_stats(request: web.Request) -> web.Response:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD (the office's local days; today by default)."""
    return json_response(await ask(request, m.GetStats(office=request.match_info["office"], **_range(request),
                                                       actor=actor_of(request))))


@requires(Right.REPORT, office=None)
async def province_stats(request: web.Request) -> web.Response:
    return json_response(await ask(request, m.GetProvinceStats(province=request.match_info["province"],
                                                               **_range(request), actor=actor_of(request))))


@requires(Right.REPORT, office=None)
async def stats_offices(request: web.Request) -> web.Response:
    return json_response(await ask(request, m.ListStatsOffices(actor=actor_of(request))))


@requires(Right.REPORT, office=None)
async def rebuild_stats(request: web.Request) -> web.Response:
    await read_json(request)
    return json_response(await ask(request, m.RebuildStats(actor=actor_of(request))), status=202)


# ------------------------------------------------------------ exports

@requires(Right.REPORT, office=None)
async def export(request: web.Request) -> web.StreamResponse:
    """?what=figures|tickets&format=csv|xlsx&from=&to=: a file to download."""
    what, fmt = request.query.get("what", "figures"), request.query.get("format", "csv")
    if what not in ("figures", "tickets") or fmt not in ("csv", "xlsx"):
        return error_response("invalid", "what phải là figures hoặc tickets; format phải là csv hoặc xlsx",
                              "what must be figures or tickets; format must be csv or xlsx", 400)
    office = request.match_info["office"]
    stats = await ask(request, m.GetStats(office=office, **_range(request), actor=actor_of(request)))
    name = exports.filename(stats, stats["from"], stats["to"], "so-lieu" if what == "figures" else "phieu", fmt)
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    if what == "figures" and fmt == "csv":
        return web.Response(body=csv_bytes(exports.FIGURE_HEADER, exports.figure_rows(stats)),
                            content_type="text/csv", charset="utf-8", headers=headers)
    pages = _ticket_pages(request, stats)
    if fmt == "csv":
        response = web.StreamResponse(headers={**headers, "Content-Type": "text/csv; charset=utf-8"})
        await response.prepare(request)
        await response.write(BOM + csv_lines([exports.TICKET_HEADER]))
        tz = ZoneInfo(stats["timezone"])
        async for tickets in pages:
            await response.write(csv_lines(exports.ticket_rows(tickets, tz)))
        await response.write_eof()
        return response
    path = await _workbook(stats, pages if what == "tickets" else None)
    try:
        return await _send_file(request, path, headers)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


async def _ticket_pages(request: web.Request, stats: dict[str, Any]) -> Any:
    after = None
    while True:
        page = await ask(request, m.ListStatsTickets(office=stats["office"], date_from=stats["from"],
                                                     date_to=stats["to"], after=after, limit=PAGE,
                                                     actor=actor_of(request)))
        yield page["tickets"]
        after = page["next"]
        if after is None:
            return


async def _workbook(stats: dict[str, Any], pages: Any) -> str:
    """The figures, and the tickets when `pages` is given, each a sheet; written off the event loop."""
    book = await asyncio.to_thread(exports.Workbook)
    try:
        figures = book.sheet("Số liệu - Figures", exports.FIGURE_HEADER)
        await asyncio.to_thread(book.add, figures, list(exports.figure_rows(stats)))
        if pages is not None:
            sheet = book.sheet("Phiếu - Tickets", exports.TICKET_HEADER)
            tz = ZoneInfo(stats["timezone"])
            async for tickets in pages:
                await asyncio.to_thread(book.add, sheet, list(exports.ticket_rows(tickets, tz)))
        return await asyncio.to_thread(book.close)
    except BaseException:
        with contextlib.suppress(Exception):
            await asyncio.to_thread(book.close)
        with contextlib.suppress(OSError):
            os.unlink(book.path)
        raise


async def _send_file(request: web.Request, path: str, headers: dict[str, str]) -> web.StreamResponse:
    response = web.StreamResponse(headers={**headers, "Content-Type": XLSX,
                                           "Content-Length": str(os.path.getsize(path))})
    await response.prepare(request)
    with open(path, "rb") as handle:
        while chunk := await asyncio.to_thread(handle.read, 256 * 1024):
            await response.write(chunk)
    await response.write_eof()
    return response


def add_stats_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/api/tickets/{ticket}/rating", rate_ticket)
    r.add_get("/api/offices/{office}/stats", office_stats)
    r.add_get("/api/offices/{office}/stats/export", export)
    r.add_get("/api/provinces/{province}/stats", province_stats)
    r.add_get("/api/stats/offices", stats_offices)
    r.add_post("/api/stats/rebuild", rebuild_stats)
