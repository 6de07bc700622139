"""The manager's live view in a browser: it follows a ticket issued, called, served and rated without a reload; then
the history, the printable report and the province's comparison, each photographed at 1366×768 and 1920×1080."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_PASSWORD, login_token, screenshot, sign_in
from tests.e2e.helpers import api

pytestmark = pytest.mark.e2e
SLOW = 15_000          # the figures are a projection: they may trail the event by a moment
PROVINCE = {"code": "tinh-thu", "name": "Tỉnh Thử Nghiệm"}


def as_user(base: str, token: str | None, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    headers = {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4()),
               **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(base + path, data=json.dumps(body or {}).encode(), method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"{method} {path}: {exc.code} {exc.read()!r}") from exc


def an_office(base: str) -> tuple[str, str, str]:
    """A fresh office of the test province with its manager and a clerk; returns (office, manager, clerk)."""
    office = f"e2emv{uuid.uuid4().hex[:6]}"
    summary = api(base, "PUT", f"/api/offices/{office}", {
        "name": "Trung tâm Phục vụ hành chính công phường Hoà Bình",
        "services": [{"code": "HT", "name": "Hộ tịch", "name_en": "Civil status"},
                     {"code": "CT", "name": "Chứng thực", "name_en": "Certification"},
                     {"code": "DD", "name": "Đất đai", "name_en": "Land"}],
        "counters": [{"id": "1", "name": "Quầy 1", "services": ["HT", "CT"]},
                     {"id": "2", "name": "Quầy 2", "services": ["CT"]},
                     {"id": "3", "name": "Quầy 3", "services": ["DD"]}],
        "settings": {"opening_time": "07:00", "closing_time": "17:00", "province": PROVINCE}})
    assert summary.get("office") == office, summary
    manager, clerk = f"lanhdao{office[-6:]}", f"canbo{office[-6:]}"
    for name, role, counter in ((manager, "manager", None), (clerk, "clerk", "1")):
        created = api(base, "POST", "/api/users", {"username": name, "password": DEMO_PASSWORD, "role": role,
                                                   "office": office, **({"counter": counter} if counter else {})})
        assert created.get("username") == name, created
    return office, manager, clerk


def test_the_manager_page_follows_the_office_live(motcua_up: str, page: Page) -> None:
    base = motcua_up
    office, manager, clerk = an_office(base)
    token = login_token(base, clerk)["token"]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{base}/manage/{office}")
    expect(page).to_have_url(re.compile(rf"/login\?next=/manage/{office}$"))       # no session: log in first
    page.locator("#username").fill(manager)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#login-btn").click()
    expect(page).to_have_url(f"{base}/manage/{office}")                            # and back to the office
    expect(page.locator("#status .ok")).to_be_visible()                             # the stream is live
    expect(page.locator("#kpi-issued .kpi-value")).to_have_text("0", timeout=SLOW)
    page.evaluate("window.__sameDocument = true")

    first = as_user(base, token, "POST", f"/api/offices/{office}/tickets", {"service": "HT"})
    expect(page.locator("#kpi-waiting .kpi-value")).to_have_text("1")
    expect(page.locator('#queues td[data-service="HT"]')).to_contain_text("1")
    expect(page.locator("#kpi-issued .kpi-value")).to_have_text("1", timeout=SLOW)

    as_user(base, token, "POST", f"/api/offices/{office}/counters/1/call", {"ticket_id": first["id"]})
    tile = page.locator('.ctr[data-counter="1"]')
    expect(tile).to_have_class(re.compile(r"\bcalled\b"))
    expect(tile.locator(".ctr-number")).to_have_text(first["number"])
    expect(tile.locator(".ctr-clerk b")).to_have_text(clerk)
    expect(page.locator("#kpi-waiting .kpi-value")).to_have_text("0")

    as_user(base, token, "POST", f"/api/tickets/{first['id']}/start")
    expect(tile).to_have_class(re.compile(r"\bserving\b"))
    as_user(base, token, "POST", f"/api/tickets/{first['id']}/complete")
    expect(tile).to_have_class(re.compile(r"\bidle\b"))
    expect(page.locator("#kpi-served .kpi-value")).to_have_text("1", timeout=SLOW)

    as_user(base, None, "POST", f"/api/tickets/{first['id']}/rating", {"level": 5})     # the citizen's phone
    expect(page.locator('#sat-levels li[data-level="5"] .n')).to_have_text("1", timeout=SLOW)
    expect(page.locator("#sat-share")).to_have_text("100,0 %")
    expect(page.locator("#by tbody")).to_contain_text(clerk)
    assert page.evaluate("window.__sameDocument") is True                              # never reloaded
    assert page.evaluate("window.motcuaManager.state.figures.issued") == 1             # the API's own numbers

    # A livelier office for the photographs: more waiting, a counter serving, one paused, more votes.
    others = [as_user(base, token, "POST", f"/api/offices/{office}/tickets", {"service": s})
              for s in ("HT", "CT", "CT", "DD", "HT", "CT", "DD", "HT")]
    for ticket, level in zip(others[:3], (4, 2, 5)):
        counter = "1" if ticket["service"] in ("HT", "CT") else "3"
        as_user(base, token, "POST", f"/api/offices/{office}/counters/{counter}/call", {"ticket_id": ticket["id"]})
        as_user(base, token, "POST", f"/api/tickets/{ticket['id']}/complete")
        as_user(base, None, "POST", f"/api/tickets/{ticket['id']}/rating",
                {"level": level, "reasons": ["waited_too_long"] if level < 3 else []})
    as_user(base, token, "POST", f"/api/offices/{office}/counters/1/call", {"ticket_id": others[4]["id"]})
    as_user(base, token, "POST", f"/api/tickets/{others[4]['id']}/start")
    as_user(base, token, "POST", f"/api/offices/{office}/counters/2/pause")
    expect(page.locator('#sat-levels li[data-level="2"] .n')).to_have_text("1", timeout=SLOW)
    expect(page.locator('.ctr[data-counter="2"]')).to_have_class(re.compile(r"\bpaused\b"))
    screenshot(page, "manage-live-1366x768")
    page.set_viewport_size({"width": 1920, "height": 1080})
    screenshot(page, "manage-live-1920x1080")
    page.locator("[data-lang=en]").first.click()
    expect(page.locator("#kpi-served .kpi-label")).to_have_text("Served")
    screenshot(page, "manage-live-en-1920x1080")
    page.locator("[data-lang=vi]").first.click()

    # History, the printable report.
    for width, height in ((1366, 768), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{base}/manage/{office}/history")
        expect(page.locator("#kpi-issued .kpi-value")).to_have_text("9", timeout=SLOW)
        # The hour of these 9 tickets has a bar; the hours before it (from the opening hour) have empty ones.
        expect(page.locator("#chart-arrivals svg rect.bar:not([height='0'])").first).to_be_visible()
        screenshot(page, f"manage-history-{width}x{height}")
    page.locator("[data-period=week]").click()
    expect(page.locator("#range-title")).to_contain_text("Tuần")
    expect(page).to_have_url(re.compile(r"period=week"))
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{base}/manage/{office}/report")
    expect(page.locator("h1.doc-title")).to_contain_text("Báo cáo tình hình tiếp nhận")
    expect(page.locator("#report-hours svg")).to_be_visible()
    screenshot(page, "manage-report-a4")
    page.emulate_media(media="print")
    screenshot(page, "manage-report-print")
    page.emulate_media(media="screen")
    assert not errors, errors


def test_a_clerk_is_refused_and_an_admin_compares_the_province(motcua_up: str, page: Page) -> None:
    base = motcua_up
    office, _, clerk = an_office(base)
    sign_in(page.context, base, clerk)
    page.set_viewport_size({"width": 1366, "height": 768})
    response = page.goto(f"{base}/manage/{office}")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("Không có quyền xem báo cáo")
    screenshot(page, "manage-forbidden")

    page.context.clear_cookies()
    sign_in(page.context, base, "admin")
    page.goto(f"{base}/manage/")
    expect(page.locator(f'a[href="/manage/province/{PROVINCE["code"]}"]')).to_be_visible()
    for width, height in ((1366, 768), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{base}/manage/province/{PROVINCE['code']}")
        expect(page.locator("#title")).to_have_text(PROVINCE["name"], timeout=SLOW)
        expect(page.locator("#offices tbody tr").first).to_be_visible()
        screenshot(page, f"manage-province-{width}x{height}")
