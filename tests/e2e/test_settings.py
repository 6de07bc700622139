"""The settings pages in Chromium against a real `motcua up --demo`: a manager opens a new counter and adds a service
on the page, and the kiosk and the counter offer them at once, without anyone editing code; staff and devices are
managed from the pages; a refused save points at its field; who may not open the pages is told so.

The demo office is shared by the session: the test that changes an office uses one of its own (created by the
admin, as a new office would be); the demo office's page is only looked at."""
from __future__ import annotations

import re
import urllib.error
import urllib.request
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_PASSWORD, SCREENSHOTS, login_token, screenshot, sign_in
from tests.e2e.helpers import api, office_with

pytestmark = pytest.mark.e2e

DESK = {"width": 1366, "height": 768}
KIOSK = {"width": 1080, "height": 1920}


def view(page: Page, name: str) -> None:
    """What the manager sees at 1366×768 (no scrolling)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_who_may_open_the_settings(motcua_up: str, page: Page) -> None:
    base = motcua_up
    page.set_viewport_size(DESK)
    page.goto(f"{base}/manage/demo/settings")
    expect(page).to_have_url(re.compile(r"/login\?next=/manage/demo/settings$"))     # no session: log in first
    page.locator("#username").fill("quanly")
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#login-btn").click()
    expect(page).to_have_url(f"{base}/manage/demo/settings")
    expect(page.locator("#services .service")).to_have_count(5)

    clerk = page.context.browser.new_context(viewport=DESK, locale="vi-VN")
    sign_in(clerk, base, "canbo1")
    refused = clerk.new_page()
    response = refused.goto(f"{base}/manage/demo/settings/staff")
    assert response is not None and response.status == 403
    expect(refused.locator("h1")).to_have_text("Không có quyền")
    expect(refused.locator(".error-card p")).to_contain_text("không có quyền cài đặt văn phòng")
    screenshot(refused, "settings-refused-clerk")
    clerk.close()

    # The demo's province manager reads the demo office's figures, and not its settings.
    province = login_token(base, "lanhdaotinh")
    assert (province["role"], province["office"], province["province"]) == ("manager", None, "tinh-demo")
    for path, expected in (("/api/offices/demo/stats", 200), ("/api/offices/demo/configuration", 403)):
        request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {province['token']}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        assert status == expected, (path, status)


def test_the_demo_office_settings_and_a_refusal_beside_its_field(motcua_up: str, page: Page) -> None:
    base = motcua_up
    page.set_viewport_size(DESK)
    sign_in(page.context, base, "quanly")
    page.goto(f"{base}/manage/demo/settings")
    expect(page.locator("#services .service")).to_have_count(5)
    expect(page.locator('[data-path="settings.opening_time"]')).to_have_value("00:00")
    expect(page.locator("#save")).to_be_disabled()
    expect(page.locator("#save-state")).to_have_text("Chưa có thay đổi")
    screenshot(page, "settings-office")                                        # the whole page
    view(page, "settings-office-top")                                           # what fits the screen

    page.locator('[data-path="services[0].icon"]').click()
    expect(page.locator("#icon-grid .icon-choice")).to_have_count(18)
    view(page, "settings-icon-picker")
    page.keyboard.press("Escape")

    prefix = page.locator('[data-path="services[1].prefix"]')                   # Chứng thực: CT → HT, taken
    prefix.fill("HT")
    expect(page.locator("#save-state")).to_have_text("Có thay đổi chưa lưu")
    page.locator("#save").click()
    expect(prefix).to_have_class(re.compile("invalid"))
    expect(page.locator(".field-error")).to_have_text("Tiền tố số phiếu bị trùng: HT")
    expect(page.locator("#save-state")).to_contain_text("Chưa lưu")
    view(page, "settings-refused-field")
    page.locator("#discard").click()
    page.locator("#confirm-ok").click()
    expect(prefix).to_have_value("CT")
    expect(page.locator("#save")).to_be_disabled()
    assert api(base, "GET", "/api/offices/demo/configuration")["services"][1]["prefix"] == "CT"


def test_a_manager_opens_a_counter_and_adds_a_service_the_kiosk_and_counter_offer(motcua_up: str, page: Page) -> None:
    base = motcua_up
    office = f"ph{uuid.uuid4().hex[:6]}"
    office_with(base, office, [{"code": "HT", "name": "Hộ tịch", "name_en": "Civil status", "icon": "family",
                                "procedures": [{"code": "HT-KS", "name": "Đăng ký khai sinh",
                                                "name_en": "Birth registration", "icon": "birth", "popular": True}]}],
                [{"id": "1", "name": "Quầy 1", "services": ["HT"]}])
    manager = f"ql{office}"
    created = api(base, "POST", "/api/users", {"username": manager, "password": DEMO_PASSWORD, "role": "manager",
                                               "office": office, "display_name": "Lãnh đạo phường"})
    assert created.get("id"), created
    page.set_viewport_size(DESK)
    sign_in(page.context, base, manager)
    page.goto(f"{base}/manage/{office}/settings")
    expect(page.locator("#services .service")).to_have_count(1)

    # A new service, Xây dựng, with one popular procedure and its usual fee.
    page.locator("#add-service").click()
    page.locator('[data-path="services[1].name"]').fill("Xây dựng")
    page.locator('[data-path="services[1].name_en"]').fill("Construction")
    page.locator('[data-path="services[1].field"]').fill("Xây dựng")
    page.locator('[data-path="services[1].code"]').fill("XD")
    expect(page.locator('[data-path="services[1].prefix"]')).to_have_value("XD")                # follows the code
    page.locator('[data-path="services[1].icon"]').click()
    page.locator('#icon-grid [value="icon:house"]').click()
    expect(page.locator('[data-path="services[1].icon"] svg')).to_have_attribute("data-icon", "house")
    page.locator('[data-path="services[1]"] .procedures .btn').click()
    page.locator('[data-path="services[1].procedures[0].name"]').fill("Cấp giấy phép xây dựng")
    page.locator('[data-path="services[1].procedures[0].name_en"]').fill("Building permit")
    page.locator('[data-path="services[1].procedures[0].fee"]').fill("75000")
    page.locator('[data-path="services[1].procedures[0].popular"]').check()

    # A new counter serving it.
    page.locator("#add-counter").click()
    expect(page.locator('[data-path="counters[1].id"]')).to_have_value("2")
    page.locator('[data-path="counters[1].services"] .chip', has_text="Xây dựng").click()
    page.locator('[data-path="services[1].procedures[0].fee"]').blur()
    expect(page.locator('[data-path="services[1].procedures[0].fee"]')).to_have_value("75.000")
    view(page, "settings-new-service-and-counter")

    puts = []
    page.on("request", lambda r: puts.append(r.url) if r.method == "PUT" else None)
    page.locator("#save").dblclick()                                          # a double click saves once
    expect(page.locator("#save-state")).to_contain_text("Đã lưu lúc")
    assert len(puts) == 1, puts
    saved = api(base, "GET", f"/api/offices/{office}/configuration")
    assert [c["id"] for c in saved["counters"]] == ["1", "2"] and saved["counters"][1]["services"] == ["XD"]
    assert saved["services"][1]["procedures"][0] == {"code": "XD-1", "name": "Cấp giấy phép xây dựng",
                                                     "name_en": "Building permit", "icon": "house", "popular": True,
                                                     "fee": 75000}

    # Staff: a clerk for the new counter.
    page.locator(".tabs .tab", has_text="Cán bộ").click()
    expect(page).to_have_url(f"{base}/manage/{office}/settings/staff")
    clerk = f"cb{office}"
    page.locator('#new-user [data-path="username"]').fill(clerk)
    page.locator('#new-user [data-path="display_name"]').fill("Trần Văn Xây")
    page.locator("#counter-select").select_option("2")
    page.locator('#new-user [data-path="password"]').fill(DEMO_PASSWORD)
    page.locator("#create-user").click()
    expect(page.locator("#created")).to_contain_text(f"Đã tạo tài khoản {clerk}")
    expect(page.locator(f'#users tr[data-user="{clerk}"]')).to_contain_text("Quầy 2")
    page.locator('#new-user [data-path="username"]').fill(clerk)                     # the same name again: said beside it
    page.locator('#new-user [data-path="password"]').fill(DEMO_PASSWORD)
    page.locator("#create-user").click()
    expect(page.locator("#new-user .field-error")).to_have_text(f"Tên đăng nhập '{clerk}' đã có")
    view(page, "staff")

    # Devices: a kiosk, its ready-to-open link shown once.
    page.locator(".tabs .tab", has_text="Thiết bị").click()
    page.locator('#enrol [data-path="name"]').fill("Kiosk sảnh")
    page.locator("#enrol-btn").click()
    link = page.locator("#links textarea.link").first
    expect(link).to_have_value(re.compile(rf"/kiosk/{office}#device=mcd_"))
    kiosk_link = link.input_value()
    view(page, "devices-enrolled")

    # The kiosk offers the new procedure on its first screen, and the new counter calls its tickets.
    kiosk = page.context.new_page()
    kiosk.set_viewport_size(KIOSK)
    kiosk.goto(kiosk_link.replace("#", "?print=none#"))
    expect(kiosk.locator("#popular [data-procedure=XD-1]")).to_be_visible()
    expect(kiosk.locator("#popular [data-procedure=XD-1] .tile-name")).to_have_text("Cấp giấy phép xây dựng")
    screenshot(kiosk, "settings-kiosk-offers-the-new-service")

    desk = page.context.browser.new_context(viewport=DESK, locale="vi-VN")
    sign_in(desk, base, clerk)
    counter = desk.new_page()
    counter.goto(f"{base}/counter/{office}/2")
    expect(counter.locator("#desk-badge")).to_have_text("Quầy 2")
    expect(counter.locator("#desk-services")).to_have_text("Xây dựng")
    ticket = api(base, "POST", f"/api/offices/{office}/tickets", {"service": "XD", "procedure": "XD-1"})
    assert ticket["number"] == "XD-001", ticket
    expect(counter.locator("[data-act=next]")).to_be_enabled()
    counter.locator("[data-act=next]").click()
    expect(counter.locator("#cur-number")).to_have_text("XD-001")
    desk.close()

    # Revoking the kiosk asks first, then stops it at once.
    page.locator("#enrolled-done").click()
    row = page.locator("#devices tr", has_text="Kiosk sảnh")
    row.locator("[data-act=revoke]").click()
    expect(page.locator("#confirm-dialog")).to_be_visible()
    expect(page.locator("#confirm-title")).to_have_text("Thu hồi “Kiosk sảnh”?")
    view(page, "devices-revoke-confirm")
    page.locator("#confirm-ok").click()
    expect(row).to_contain_text("Đã thu hồi")
    token = kiosk_link.split("#device=")[1]
    refused = kiosk.evaluate("""([office, token]) => fetch('/api/offices/' + office + '/tickets', {method: 'POST',
        headers: {'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json'},
        body: JSON.stringify({service: 'XD'})}).then(r => r.status)""", [office, token])
    assert refused == 401

    # Leaving the configuration page with unsaved changes asks first.
    page.locator(".tabs .tab", has_text="Cấu hình").click()
    page.locator('[data-path="services[1].procedures[0].fee"]').fill("80000")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.locator(".tabs .tab", has_text="Cán bộ").click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    expect(page).to_have_url(f"{base}/manage/{office}/settings")            # stayed, the change still there
    expect(page.locator('[data-path="services[1].procedures[0].fee"]')).to_have_value("80.000")
