"""The satisfaction tablet of a counter (/counter/{office}/{counter}/rate): turned towards the citizen; when the clerk
completes their ticket it asks, by itself, how satisfied they are, with large faces and words (usable by someone who
cannot read well), then the reasons when they are unhappy; it thanks them and goes back to idle. A vote made while
the network is down is kept in the tablet and sent when it returns (services/screens/static/rating.js).

Routes (mounted at /counter):
    GET /counter/{office}/{counter}/rate          the page (public: it holds no data; its stream needs a right)
    GET /counter/{office}/{counter}/rate/events   Server-Sent Events (services.live.ratings.RateScreen): the office's
                                                  tablet enrolled for this counter
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from counter.state import BUS, HUB
from counter.views import office_counter
from services.api.auth import public, requires
from services.domain.access import Right
from services.live import rate_screen, sse_response
from services.screens import pages
from services.screens.rating import rating_config

TEMPLATES = Path(__file__).parent / "templates"


@public
async def rate_page(request: web.Request) -> web.Response:
    office_id, counter_id = request.match_info["office"], request.match_info["counter"]
    office = await pages.load_office(request, request.app[BUS], office_id)
    counter = office_counter(request, office, counter_id)
    config = {"office": office_id, "name": office["name"], "counter": {"id": counter["id"], "name": counter["name"]},
              "rating": rating_config(office),
              "urls": {"events": str(request.app.router["rate_events"].url_for(office=office_id, counter=counter_id)),
                       "vote": "/api/tickets/{ticket}/rating"}}
    scripts = "".join(f'<script src="{src}" defer></script>' for src in (
        pages.asset(request, "common", "stream.js"), pages.asset(request, "common", "rating.js"),
        pages.asset(request, "static", "rate.js")))
    return pages.render(request, TEMPLATES / "rate.html", config=config, raw={"scripts": scripts},
                        office_name=office["name"], counter_name=counter["name"],
                        css=pages.asset(request, "static", "rate.css"),
                        rating_css=pages.asset(request, "common", "rating.css"))


@requires(Right.VOTE, counter="counter")
async def rate_events(request: web.Request) -> web.StreamResponse:
    return await sse_response(request, request.app[HUB], request.match_info["office"],
                              counter=request.match_info["counter"], view=rate_screen())
