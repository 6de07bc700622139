"""Who opens the settings pages: a staff session holding the page's right in the office (its managers, admins).

Without a staff session the page sends to /login?next=…; a device, a clerk or another office's manager gets a page
that says why not (403). The pages hold no data: their scripts read the API, which checks again."""
from __future__ import annotations

from aiohttp import web

from services.api.auth import Principal, holds, principal_of, to_login
from services.domain.access import Right
from services.screens import pages


def settings_principal(request: web.Request, right: Right, office: str) -> Principal | web.Response:
    """The caller, once they may use this page; otherwise the 403 page to answer (a redirect to the login page is
    raised)."""
    principal = principal_of(request)
    if principal is None:
        raise to_login(request)
    actor = principal.actor
    if actor.type != "user":
        return _refused(request, (
            "Thiết bị đã đăng ký không mở được trang cài đặt. Hãy đăng nhập bằng tài khoản lãnh đạo văn phòng.",
            "An enrolled device cannot open the settings. Log in with a manager's account."))
    if not holds(request, right, office):
        if actor.role == "clerk":
            why = (f"Tài khoản cán bộ “{actor.name}” không có quyền cài đặt văn phòng. "
                   "Chỉ lãnh đạo văn phòng và quản trị viên mở được trang này.",
                   f"The clerk account “{actor.name}” may not change the office's settings. "
                   "Only the office's managers and administrators open this page.")
        else:
            why = (f"Tài khoản “{actor.name}” không quản lý văn phòng “{office}”. "
                   "Hãy đăng xuất và đăng nhập bằng tài khoản lãnh đạo của văn phòng này.",
                   f"The account “{actor.name}” does not manage office “{office}”. "
                   "Log out and log in with a manager's account of this office.")
        return _refused(request, why)
    return principal


def _refused(request: web.Request, why: tuple[str, str]) -> web.Response:
    return pages.error_page(request, 403, ("Không có quyền", "Not allowed"), why)
