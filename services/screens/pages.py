"""Shared helpers of the people's screens (kiosk, phone page, counter, board, login): templates, static files,
error pages.

Pages are plain HTML templates filled server-side; the data a script needs travels as JSON in a
`<script type="application/json">` block, so every script is a static file and a strict
Content-Security-Policy (everything from this origin only: no CDN, no inline code) holds.
"""
from __future__ import annotations

import functools
import html
import json
import re
import string
from pathlib import Path
from typing import Any

from aiohttp import web

from services import messages as m
from services.bus import Bus

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
COMMON = HERE / "static"
# Security headers (CSP without remote origins, nosniff, referrer, frame-ancestors) are added to every response
# by services.api.security; pages are never cached (they carry the office's current configuration).
HEADERS = {"Cache-Control": "no-store"}


def add_static_routes(app: web.Application, own: Path) -> None:
    """`/static/...` from the screen's own folder and `/common/...` (theme, language switch, credentials)."""
    app.router.add_static("/static", own, name="static", append_version=True)
    app.router.add_static("/common", COMMON, name="common", append_version=True)


def asset(request: web.Request, route: str, filename: str) -> str:
    """URL of a static file with a content hash (`?v=`), so a kiosk never runs a stale script."""
    return str(request.app.router[route].url_for(filename=filename))


_INCLUDE = re.compile(r"<!--#include (?P<name>[\w.-]+)-->")


@functools.cache
def _template(path: Path) -> string.Template:
    """A page template; `<!--#include _part.html-->` stands for a part kept beside it (the same head or top bar
    of several pages), its placeholders filled like the page's own."""
    return string.Template(_with_parts(path))


def _with_parts(path: Path) -> str:
    return _INCLUDE.sub(lambda found: _with_parts(path.parent / found["name"]).rstrip("\n"),
                        path.read_text(encoding="utf-8"))


def config_json(data: Any) -> str:
    """JSON safe to embed in a `<script type="application/json">` element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(request: web.Request, template: Path, *, status: int = 200, config: Any = None,
           raw: dict[str, str] | None = None, **text: Any) -> web.Response:
    """Fill `template`: `text` values are HTML-escaped, `raw` ones are trusted markup."""
    values = {k: html.escape(str(v)) for k, v in text.items()}
    values.update(raw or {})
    values["config"] = config_json(config if config is not None else {})
    values["common_css"] = asset(request, "common", "base.css")
    values["common_js"] = asset(request, "common", "lang.js")
    values["auth_js"] = asset(request, "common", "auth.js")
    values["slip_css"] = asset(request, "common", "slip.css")     # 80 mm slips printed by the browser (slip.js)
    values["slip_js"] = asset(request, "common", "slip.js")
    body = _template(template).substitute(values)
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8", headers=HEADERS)


def fragment(template: Path, **text: Any) -> str:
    """A piece of markup for a page's `raw` values (e.g. a dialog kept in its own file): `text` HTML-escaped."""
    return _template(template).substitute({k: html.escape(str(v)) for k, v in text.items()})


def error_page(request: web.Request, status: int, title: tuple[str, str], detail: tuple[str, str],
               *, retry_s: int | None = None) -> web.Response:
    """A full-screen Vietnamese-first error page; with `retry_s` it reloads itself (e.g. while offline)."""
    refresh = f'<meta http-equiv="refresh" content="{retry_s}">' if retry_s else ""
    return render(request, TEMPLATES / "error.html", status=status, raw={"refresh": refresh},
                  title_vi=title[0], title_en=title[1], detail_vi=detail[0], detail_en=detail[1])


def service_error_page(request: web.Request, exc: m.ServiceError) -> web.Response:
    if exc.code in ("not_found", "invalid"):
        return error_page(request, 404, ("Không tìm thấy", "Not found"), (exc.message, exc.message_en))
    return error_page(request, 503, ("Hệ thống tạm thời gián đoạn", "The system is temporarily unavailable"),
                      ("Đang tự động thử lại… Vui lòng chờ hoặc liên hệ cán bộ hướng dẫn.",
                       "Retrying by itself… Please wait or ask a staff member."), retry_s=10)


async def load_office(request: web.Request, bus: Bus, office: str) -> dict[str, Any]:
    """The office's configuration; raises web.HTTPException carrying a friendly page when it cannot."""
    try:
        return await bus.request(m.GetOffice(office=office))
    except m.ServiceError as exc:
        if exc.code in ("not_found", "invalid"):
            exc = m.ServiceError(exc.code, f"Không có văn phòng “{office}” trong hệ thống. "
                                 "Vui lòng kiểm tra lại địa chỉ hoặc liên hệ cán bộ quản trị.",
                                 f"There is no office “{office}”. Check the address or ask the administrator.")
        raise as_http(service_error_page(request, exc)) from exc


def as_http(response: web.Response) -> web.HTTPException:
    """An error page as an exception a view can raise from deep inside."""
    cls = web.HTTPNotFound if response.status == 404 else web.HTTPServiceUnavailable
    return cls(text=response.text, content_type="text/html", headers=HEADERS)


def public_base(request: web.Request, bus: Bus) -> str:
    """Where phones reach this system: MOTCUA_PUBLIC_URL, else the host the request came to."""
    configured = bus.settings.public_url
    return configured.rstrip("/") if configured else f"{request.scheme}://{request.host}"
