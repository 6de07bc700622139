"""Staff log in on the login page and land at their counter; device screens without enrolment say so."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_PASSWORD, device_url, screenshot

pytestmark = pytest.mark.e2e


def test_a_clerk_logs_in_and_works_at_the_counter(motcua_up: str, page: Page) -> None:
    base = motcua_up
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{base}/counter/demo/2")
    expect(page).to_have_url(re.compile(r"/login\?next=/counter/demo/2$"))     # no session: to the login page
    expect(page.locator("h1")).to_have_text("Đăng nhập")
    screenshot(page, "login")

    page.locator("#username").fill("canbo2")
    page.locator("#password").fill("sai mật khẩu")
    page.locator("#login-btn").click()
    expect(page.locator("#login-error")).to_have_text("Sai tên đăng nhập hoặc mật khẩu")
    screenshot(page, "login-wrong-password")

    page.locator("#password").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/counter/demo/2")
    expect(page.locator("#me-name")).to_have_text("canbo2")
    expect(page.locator("[data-act=pause]")).to_be_enabled()                    # live: the snapshot arrived
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["motcua_session"]["httpOnly"] and cookies["motcua_session"]["sameSite"] == "Strict"
    assert page.evaluate("document.cookie").find("motcua_session") == -1        # scripts cannot read the session

    # An action from the screen carries the CSRF token; a forged request without it is refused.
    page.locator("[data-act=pause]").click()
    expect(page.locator("#counter-state")).to_have_text("Tạm dừng")
    status = page.evaluate("""() => fetch('/api/offices/demo/counters/2/resume', {method: 'POST',
                                  credentials: 'same-origin'}).then(r => r.status)""")
    assert status == 403
    page.locator("[data-act=pause]").click()
    expect(page.locator("#counter-state")).to_have_text("Đang mở")

    page.locator("#logout").click()
    expect(page).to_have_url(re.compile(r"/login"))
    page.goto(f"{base}/counter/demo/2")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_a_clerk_of_the_office_lands_on_their_counter(motcua_up: str, page: Page) -> None:
    page.goto(f"{motcua_up}/login")
    page.locator("#username").fill("canbo4")
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#login-btn").click()
    expect(page).to_have_url(f"{motcua_up}/counter/demo/4")


def test_device_screens_without_enrolment_say_so(motcua_up: str, page: Page) -> None:
    page.set_viewport_size({"width": 1080, "height": 1920})
    page.goto(f"{motcua_up}/kiosk/demo?print=none")
    expect(page.locator("#auth-notice")).to_be_visible()
    expect(page.locator("#auth-notice")).to_contain_text("Thiết bị chưa được đăng ký")
    screenshot(page, "kiosk-not-enrolled")
    page.goto(f"{motcua_up}/display/demo")
    expect(page.locator("#auth-notice")).to_be_visible()
    # Enrolled through its link, the same browser works from then on, also after a reload.
    page.goto(device_url(motcua_up, "/display/demo?sound=off", "display"))
    page.wait_for_function("() => window.motcuaDisplay && window.motcuaDisplay.connected")
    page.reload()
    page.wait_for_function("() => window.motcuaDisplay && window.motcuaDisplay.connected")
    expect(page.locator("#auth-notice")).to_have_count(0)
