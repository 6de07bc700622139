"""Who may open the manager's pages: a staff session first (else the login page, then back here), then the right to
see the office's reports (its managers and admins, or a manager of its province), else a clear 403 page in
Vietnamese and English. Pure rules come from services.domain.access; this module only turns them into pages."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from services.api.auth import Principal, principal_of, to_login
from services.domain.access import Actor, Right, check, check_in_province
from services.domain.errors import DomainError
from services.screens import pages
from services.screens.login import home_of

TEMPLATES = Path(__file__).parent / "templates"


def staff_or_login(request: web.Request) -> Principal:
    """The signed-in staff member; without one, off to /login and back here afterwards."""
    principal = principal_of(request)
    if principal is None or principal.actor.type != "user":
        raise to_login(request)
    return principal


def province_of(office: dict[str, Any]) -> str | None:
    return (office.get("province") or {}).get("code")


def may_report(actor: Actor | None, office_id: str, province: str | None) -> bool:
    """The office's managers and admins, or a manager of the office's province."""
    try:
        check_in_province(actor, Right.REPORT, office_id, province)
    except DomainError:
        return False
    return True


def may_see_province(actor: Actor | None, province: str) -> bool:
    try:
        check(actor, Right.REPORT)
    except DomainError:
        return False
    return actor is not None and (actor.is_admin or getattr(actor, "province", None) == province)


def forbidden(request: web.Request, actor: Actor, where_vi: str, where_en: str) -> web.Response:
    """The 403 page, in Vietnamese and then English: who is signed in, what they may not see, and a way on (log in
    with another account, or back to their own screen)."""
    role_vi = {"clerk": "Cán bộ", "manager": "Lãnh đạo"}.get(actor.role or "", "Tài khoản")
    role_en = {"clerk": "The clerk", "manager": "The manager"}.get(actor.role or "", "The account")
    home = home_of(actor.role, actor.office, actor.counter, getattr(actor, "province", None))
    return pages.render(
        request, TEMPLATES / "view-forbidden.html", status=403,
        config={"me": {"username": actor.name, "role": actor.role}},
        css=pages.asset(request, "static", "view.css"), home=home,
        raw={"scripts": "".join(f'<script src="{pages.asset(request, "static", name)}" defer></script>'
                                for name in ("view-format.js", "view-chrome.js"))},
        detail_vi=f"{role_vi} “{actor.name}” không được xem {where_vi}. Chỉ lãnh đạo của văn phòng (hoặc của "
                  "tỉnh/thành) và quản trị viên xem được.",
        detail_en=f"{role_en} “{actor.name}” may not see {where_en}. Only the office's (or its province's) managers "
                  "and administrators may.")
