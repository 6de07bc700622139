"""The citizen-facing pay screen of a counter (/counter/{office}/{counter}/pay): a second screen or a tablet turned
towards the citizen. Idle, it shows the office and the counter; when the clerk asks a fee, the amount, what for,
the office's account and the VietQR code at once, in large type; then "Đã thanh toán / Paid" with the receipt's
number, or why the code is gone (cancelled, expired).

Routes (mounted at /counter):
    GET /counter/{office}/{counter}/pay          the page (public: it holds no data; its stream needs a right)
    GET /counter/{office}/{counter}/pay/events   Server-Sent Events (services.live.fees.PayScreen): the clerk of
                                                 the office, or the office's tablet enrolled for this counter
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from counter.state import BUS, HUB
from counter.views import office_counter
from services.api.auth import actor_of, public, requires
from services.domain.access import Right
from services.live import pay_screen, sse_response
from services.screens import pages

TEMPLATES = Path(__file__).parent / "templates"


@public
async def pay_page(request: web.Request) -> web.Response:
    office_id, counter_id = request.match_info["office"], request.match_info["counter"]
    office = await pages.load_office(request, request.app[BUS], office_id)
    counter = office_counter(request, office, counter_id)
    config = {"office": office_id, "name": office["name"], "timezone": office.get("timezone") or "Asia/Ho_Chi_Minh",
              "counter": {"id": counter["id"], "name": counter["name"]},
              "urls": {"events": str(request.app.router["pay_events"].url_for(office=office_id, counter=counter_id))}}
    scripts = "".join(f'<script src="{src}" defer></script>'
                      for src in (pages.asset(request, "common", "stream.js"), pages.asset(request, "static", "pay.js")))
    return pages.render(request, TEMPLATES / "pay.html", config=config, raw={"scripts": scripts},
                        office_name=office["name"], counter_name=counter["name"],
                        css=pages.asset(request, "static", "pay.css"))


@requires(Right.SHOW_PAY, counter="counter")
async def pay_events(request: web.Request) -> web.StreamResponse:
    return await sse_response(request, request.app[HUB], request.match_info["office"],
                              counter=request.match_info["counter"], view=pay_screen(actor_of(request)))
