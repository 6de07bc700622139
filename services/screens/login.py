"""The staff login page (/login) and the landing page (/) that sends each person to their screen."""
from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from services.api.auth import principal_of, public
from services.screens import pages


def safe_next(raw: str | None) -> str | None:
    """Only a path of this site: never another origin (an open redirect would help phishing)."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return None
    parts = urlsplit(raw)
    return raw if not parts.scheme and not parts.netloc else None


def home_of(actor_role: str | None, office: str | None, counter: str | None, province: str | None = None) -> str:
    """Where a person lands after logging in: a clerk at their counter, a manager on their office's live view (a
    province's manager, with no office, on the province's offices side by side), an admin on the list of offices."""
    if actor_role == "clerk" and office:
        return f"/counter/{office}/{counter}" if counter else f"/counter/{office}"
    if actor_role == "manager" and office:
        return f"/manage/{office}"
    if actor_role == "manager" and province:
        return f"/manage/province/{province}"
    if actor_role == "admin":
        return "/manage/"
    return "/login"


@public
async def login_page(request: web.Request) -> web.Response:
    config = {"next": safe_next(request.query.get("next"))}
    if request.query.get("reason") == "expired":
        config["message"] = {"vi": "Phiên đăng nhập đã hết hạn; vui lòng đăng nhập lại",
                             "en": "Your session has expired; please log in again"}
    return pages.render(request, pages.TEMPLATES / "login.html", config=config,
                        login_css=pages.asset(request, "common", "login.css"),
                        login_js=pages.asset(request, "common", "login.js"))


@public
async def landing(request: web.Request) -> web.Response:
    principal = principal_of(request)
    if principal is None or principal.actor.type != "user":
        raise web.HTTPSeeOther("/login")
    actor = principal.actor
    target = home_of(actor.role, actor.office, actor.counter, getattr(actor, "province", None))
    if target == "/login":
        raise web.HTTPSeeOther("/login")
    raise web.HTTPSeeOther(target)
