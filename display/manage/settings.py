"""The office's settings pages: services, counters, hours, priority rules, rating levels (settings.html), staff
accounts (staff.html) and enrolled devices (devices.html), under /manage/{office}/settings.

Each page is a plain template; what its script needs travels as JSON (pages.render(config=...)), and the script
reads and changes everything through the same-origin /api with the manager's session cookie:
GET/PUT /api/offices/{office}/configuration|{office}, /api/users, /api/devices."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from aiohttp import web

from display.manage.keys import BUS
from display.manage.settings_access import settings_principal
from services.api.auth import public
from services.domain import accounts as account_rules
from services.domain.access import Right
from services.domain.office import DEFAULT_PRIORITY_CATEGORIES
from services.domain.office_config import ICONS
from services.screens import pages

TEMPLATES = Path(__file__).parent / "templates"
KIOSK_STATIC = Path(__file__).parent.parent.parent / "kiosk" / "static"   # the kiosk's pictograms (icons.js)

# What each pictogram of the kiosk's set shows, for the picker (vi, en).
ICON_NAMES: dict[str, tuple[str, str]] = {
    "birth": ("Khai sinh", "Birth"), "marriage": ("Kết hôn", "Marriage"), "death": ("Khai tử", "Death"),
    "family": ("Gia đình", "Family"), "copy": ("Bản sao", "Copy"), "signature": ("Chữ ký", "Signature"),
    "land": ("Đất đai", "Land"), "house": ("Nhà ở, xây dựng", "House, building"), "justice": ("Tư pháp", "Justice"),
    "labour": ("Lao động", "Labour"), "social": ("Xã hội", "Social affairs"), "business": ("Kinh doanh", "Business"),
    "residence": ("Cư trú", "Residence"), "money": ("Tiền, phí", "Money, fees"), "document": ("Giấy tờ", "Papers"),
    "id": ("Căn cước", "Identity card"), "health": ("Y tế", "Health"), "education": ("Giáo dục", "Education"),
}
assert set(ICON_NAMES) == ICONS, "every pictogram of the kiosk needs a name in the picker"

TABS = (("settings", "Cấu hình văn phòng", "Office configuration", Right.CONFIGURE_OFFICE),
        ("staff", "Cán bộ", "Staff", Right.MANAGE_USERS),
        ("devices", "Thiết bị", "Devices", Right.MANAGE_DEVICES))


def add_routes(app: web.Application) -> None:
    app.router.add_static("/kiosk-static", KIOSK_STATIC, name="kiosk_static", append_version=True)
    app.router.add_get("/{office}/settings", office_settings, name="settings")
    app.router.add_get("/{office}/settings/staff", staff, name="settings_staff")
    app.router.add_get("/{office}/settings/devices", devices, name="settings_devices")


@public
async def office_settings(request: web.Request) -> web.Response:
    """Services and their procedures, counters, hours, priority rules, rating levels, wait alert, province."""
    return await _page(request, "settings", Right.CONFIGURE_OFFICE, lambda office, principal: {
        "icons": {k: {"vi": vi, "en": en} for k, (vi, en) in ICON_NAMES.items()},
        "default_priority_categories": [{"code": c, "name": vi, "name_en": en}
                                        for c, (vi, en) in DEFAULT_PRIORITY_CATEGORIES.items()],
        "may_set_province": principal.actor.is_admin,
        "urls": {"configuration": f"/api/offices/{office['id']}/configuration",
                 "office": f"/api/offices/{office['id']}"},
    }, extra_js=[pages.asset(request, "kiosk_static", "icons.js")])


@public
async def staff(request: web.Request) -> web.Response:
    """The office's accounts: create a clerk for a counter, disable or enable, reset a password."""
    return await _page(request, "staff", Right.MANAGE_USERS, lambda office, principal: {
        "may_create_managers": principal.actor.is_admin,
        "password_min": account_rules.MIN_PASSWORD,
        "urls": {"users": "/api/users"},
    })


@public
async def devices(request: web.Request) -> web.Response:
    """The office's enrolled kiosks, hall displays and counter tablets: enrol (the link shown once), revoke."""
    return await _page(request, "devices", Right.MANAGE_DEVICES, lambda office, principal: {
        "public_url": pages.public_base(request, request.app[BUS]),
        "urls": {"devices": "/api/devices"},
    })


async def _page(request: web.Request, tab: str, right: Right, specific: Any,
                extra_js: list[str] | None = None) -> web.Response:
    office_id = request.match_info["office"]
    allowed = settings_principal(request, right, office_id)
    if isinstance(allowed, web.Response):
        return allowed
    office = await pages.load_office(request, request.app[BUS], office_id)
    config = {
        "office": office_id, "name": office["name"],
        "counters": [{"id": c["id"], "name": c["name"]} for c in office["counters"]],
        "me": {"username": allowed.actor.name, "role": allowed.actor.role, "id": allowed.actor.id},
        "logout": "/api/auth/logout",
        **specific(office, allowed),
    }
    scripts = [*(extra_js or []), pages.asset(request, "static", "settings_common.js"),
               pages.asset(request, "static", f"{tab}.js" if tab != "settings" else "settings.js")]
    title = next((vi, en) for key, vi, en, _ in TABS if key == tab)
    return pages.render(
        request, TEMPLATES / "settings_page.html", config=config, office_name=office["name"],
        title_vi=title[0], title_en=title[1], css=pages.asset(request, "static", "settings.css"),
        raw={"nav": _nav(request, office_id, tab), "main": pages.fragment(TEMPLATES / f"{tab}_main.html"),
             "scripts": "\n".join(f'<script src="{html.escape(src)}" defer></script>' for src in scripts),
             "me": html.escape(allowed.actor.name)},
    )


def _nav(request: web.Request, office: str, current: str) -> str:
    """The tabs of the settings pages (each a plain link: leaving with unsaved changes asks first)."""
    links = []
    for tab, vi, en, _right in TABS:
        route = "settings" if tab == "settings" else f"settings_{tab}"
        href = html.escape(str(request.app.router[route].url_for(office=office)))
        here = ' aria-current="page"' if tab == current else ""
        links.append(f'<a class="tab" href="{href}"{here} data-en="{html.escape(en)}">{html.escape(vi)}</a>')
    live = html.escape(str(request.app.router["view_live"].url_for(office=office)))
    links.append(f'<a class="tab tab-back" href="{live}" data-en="Live view">Điều hành trực tiếp</a>')
    return "".join(links)
