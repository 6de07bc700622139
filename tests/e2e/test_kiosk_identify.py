"""The kiosk's optional identification step on the 1080×1920 touch screen, with Chromium's fake camera showing an ID
card's QR code or a face (a browser of its own for each picture): the card read through the camera, a USB scanner
typing the card (its keys never press a button), a face enrolled through the API recognised, consent and enrolment
at the kiosk, a camera that cannot be used, faces switched off (503), and the idle reset that stops the camera.

Demo office: Tư pháp has one service with one procedure (served at counters 1 and 5)."""
from __future__ import annotations

import base64
import json
import re
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest
from PIL import Image
from playwright.sync_api import Page, Route, expect

from tests.e2e.conftest import device_url, screenshot
from tests.e2e.fake_camera import camera_browser, qr_picture, write_y4m
from tests.e2e.helpers import api, cancel, ticket
from tests.integration.identity_support import BIDEN_QR, OBAMA_QR, VALID_1, VALID_2
from tests.unit.face_support import FACES_DIR, PHOTOS, skip_or_fail

pytestmark = pytest.mark.e2e

PORTRAIT = {"width": 1080, "height": 1920}
SKIP = "[data-id=skip]"


@pytest.fixture(scope="module")
def faces() -> Path:
    """The shared photos (obama, obama2: one person; biden: another); skipped without them, failed in CI."""
    if not all((FACES_DIR / f"{name}.jpg").is_file() for name in PHOTOS):
        skip_or_fail(f"test photos are missing in {FACES_DIR} (set MOTCUA_FACES_DIR)")
    return FACES_DIR


def kiosk_page(browser: Any) -> Page:
    return browser.new_context(viewport=PORTRAIT, locale="vi-VN", has_touch=True).new_page()


@pytest.fixture
def plain_kiosk(browser: Any) -> Iterator[Page]:
    """The shared browser: no camera device at all."""
    page = kiosk_page(browser)
    yield page
    page.context.close()


def camera(playwright: Any, tmp_path: Path, picture: Image.Image, name: str):  # type: ignore[no-untyped-def]
    return camera_browser(playwright, write_y4m(picture, tmp_path / f"{name}.y4m"))


def to_identification(page: Page, base: str, query: str = "print=none") -> None:
    """Tư pháp (a single procedure: straight to the confirmation), then "Lấy số": the identification step."""
    page.goto(device_url(base, f"/kiosk/demo?{query}", "kiosk"))
    take_again(page)


def take_again(page: Page) -> None:
    """From the first screen: Tư pháp, "Lấy số", the identification step."""
    page.locator("[data-field='Tư pháp']").click()
    expect(page.locator("[data-screen=confirm]")).to_be_visible()
    page.locator("#take").click()
    expect(page.locator("[data-screen=identify]")).to_be_visible()


def screen(page: Page) -> str:
    return page.evaluate("() => window.motcuaKiosk.state.screen")


def camera_off(page: Page) -> None:
    """No stream open and the preview emptied: the camera light goes out."""
    page.wait_for_function("() => !window.motcuaKiosk.identify.camera.active"
                           " && document.getElementById('cam-video').srcObject === null")


def issued(page: Page, base: str) -> dict[str, Any]:
    expect(page.locator("[data-screen=ticket]")).to_be_visible()
    expect(page.locator("#t-qr")).to_have_attribute("src", re.compile(r"/qr/[0-9a-f-]{36}\.svg"))
    return ticket(base, re.search(r"/qr/([0-9a-f-]{36})\.svg", page.get_attribute("#t-qr", "src")).group(1))


def scan(page: Page, text: str) -> None:
    """A USB scanner in keyboard mode: a fast burst of keys, then Enter."""
    page.keyboard.type(text, delay=4)
    page.keyboard.press("Enter")


def enrol_face(base: str, card: str, photo: Path) -> dict[str, Any]:
    citizen = api(base, "POST", "/api/citizens", {"cccd": card, "consent": True, "office": "demo",
                                                  "photo": base64.b64encode(photo.read_bytes()).decode("ascii")})
    assert citizen.get("face_enrolled") is True, citizen
    return citizen


def fields(card: str) -> list[str]:
    return card.split("|")


# ------------------------------------------------------------ ID card through the camera

def test_a_card_read_by_the_camera_is_confirmed_before_the_ticket_is_tied_to_it(
        motcua_up: str, playwright: Any, tmp_path: Path) -> None:
    base, (number, _, name, *_) = motcua_up, fields(VALID_2)
    with camera(playwright, tmp_path, qr_picture(VALID_2), "card") as browser:
        page = kiosk_page(browser)
        to_identification(page, base)
        expect(page.locator(f"[data-screen=identify] {SKIP}")).to_have_text("Bỏ qua – lấy số ngay")
        expect(page.locator("#id-by-face")).to_be_visible()
        screenshot(page, "kiosk-identify-choice")

        page.locator("#id-by-card").click()
        expect(page.locator("[data-screen=id-confirm]")).to_be_visible(timeout=15000)
        expect(page.locator("#who-name")).to_have_text(name)                      # "Trần Thị B", diacritics kept
        expect(page.locator("#who-id")).to_have_text(number[:4] + "******" + number[-2:])
        camera_off(page)                                                          # the card was read: camera off
        screenshot(page, "kiosk-identify-confirm")

        page.locator("#who-yes").click()                  # recorded now; faces are on: the offer to keep a face
        expect(page.locator("[data-screen=id-consent]")).to_be_visible()
        expect(page.locator("#consent-box")).to_have_attribute("aria-checked", "false")   # never pre-selected
        expect(page.locator("#consent-yes")).to_be_disabled()
        expect(page.locator("[data-screen=id-consent] dd").nth(2)).to_have_text(
            "Trung tâm Phục vụ hành chính công xã Demo")
        screenshot(page, "kiosk-identify-consent")
        page.locator("[data-lang=en]").click()
        expect(page.locator("[data-screen=id-consent] .prompt")).to_contain_text("Save your face")
        expect(page.locator(f"[data-screen=id-consent] {SKIP}")).to_have_text("Don't save my face – get my number")
        page.locator("[data-lang=vi]").click()

        page.locator(f"[data-screen=id-consent] {SKIP}").click()        # no thanks: the number, no face kept
        tk = issued(page, base)
        assert tk["citizen_id"], tk
        citizen = api(base, "GET", f"/api/citizens/{tk['citizen_id']}")
        assert (citizen["name"], citizen["id_number"], citizen["face_enrolled"]) == (name, number, False), citizen

        # Neither the ticket on screen nor the paper slip says who the citizen is.
        on_screen = page.locator(".app").inner_text() + page.locator("#print-ticket").inner_text()
        assert name not in on_screen and number not in on_screen
        assert page.evaluate("() => window.motcuaKiosk.identify.citizen === null")
        cancel(base, tk["id"])
        page.context.close()


# ------------------------------------------------------------ a USB scanner in keyboard mode

def test_a_usb_scanner_types_the_card_and_its_keys_never_press_a_button(motcua_up: str, plain_kiosk: Page) -> None:
    base, page = motcua_up, plain_kiosk
    page.goto(device_url(base, "/kiosk/demo?print=none", "kiosk"))
    page.locator("[data-field='Tư pháp']").click()
    expect(page.locator("[data-screen=confirm]")).to_be_visible()

    # Outside the identification step a scan is dropped: Enter at its end does not press the focused "Lấy số".
    page.wait_for_timeout(500)
    page.focus("#take")
    scan(page, VALID_1)
    page.wait_for_timeout(600)
    assert screen(page) == "confirm"

    page.locator("#take").click()
    expect(page.locator("[data-screen=identify]")).to_be_visible()
    page.wait_for_timeout(500)
    page.focus(f"[data-screen=identify] {SKIP}")          # a touched button has the focus: the keys still go to the card
    mangled = VALID_2.encode("utf-8").decode("cp1252", errors="replace")          # a scanner on the wrong layout
    scan(page, mangled)
    expect(page.locator("[data-screen=id-problem]")).to_be_visible()
    refusal = api(base, "POST", "/api/identity/cccd", {"qr": mangled})["error"]
    expect(page.locator("#problem-title")).to_have_text("Thẻ không hợp lệ hoặc không đọc được")
    expect(page.locator("#problem-vi")).to_have_text(refusal["message"])          # Vietnamese first…
    expect(page.locator("#problem-en")).to_have_text(refusal["message_en"])       # …then English
    expect(page.locator("#problem-retry")).to_have_text("Quét lại")
    screenshot(page, "kiosk-identify-refused")

    scan(page, VALID_1)                                    # scanned again, right this time
    expect(page.locator("[data-screen=id-confirm]")).to_be_visible()
    expect(page.locator("#who-name")).to_have_text("NGUYEN VAN A")
    expect(page.locator("#who-id")).to_have_text("0010******56")
    page.locator("#who-no").click()                        # not me: back to the choice, nothing kept
    expect(page.locator("[data-screen=identify]")).to_be_visible()
    assert page.evaluate("() => [window.motcuaKiosk.identify.card, window.motcuaKiosk.identify.found]") == [None, None]
    assert page.locator("#who-name").inner_text() == ""

    page.locator(f"[data-screen=identify] {SKIP}").click()
    tk = issued(page, base)
    assert tk["citizen_id"] is None, tk
    cancel(base, tk["id"])


# ------------------------------------------------------------ faces

def test_a_face_enrolled_through_the_api_is_recognised_and_confirmed(
        motcua_up: str, playwright: Any, tmp_path: Path, faces: Path) -> None:
    base = motcua_up
    obama = enrol_face(base, OBAMA_QR, faces / "obama.jpg")
    with camera(playwright, tmp_path, Image.open(faces / "obama2.jpg"), "obama2") as browser:
        page = kiosk_page(browser)
        to_identification(page, base)
        page.locator("#id-by-face").click()
        expect(page.locator("[data-screen=id-camera]")).to_be_visible()
        expect(page.locator("#cam-shoot")).to_be_enabled()
        expect(page.locator("#cam-card")).to_be_visible()                # the card is offered instead
        assert page.evaluate("() => window.motcuaKiosk.identify.camera.active")
        screenshot(page, "kiosk-identify-face")
        page.locator("#cam-shoot").click()
        expect(page.locator("[data-screen=id-confirm]")).to_be_visible(timeout=30000)
        camera_off(page)
        expect(page.locator("#who-name")).to_have_text("Barack Obama")
        expect(page.locator("#who-id")).to_have_text("0010******01")
        page.locator("#who-yes").click()                                # a face match: no consent question
        tk = issued(page, base)
        assert tk["citizen_id"] == obama["citizen_id"], tk
        cancel(base, tk["id"])

        # Faces switched off (503): a clear message, the card instead, and no face option for a while.
        def faces_off(route: Route) -> None:
            route.fulfill(status=503, content_type="application/json", body=json.dumps({"error": {
                "code": "unavailable", "message": "Nhận diện khuôn mặt chưa sẵn sàng",
                "message_en": "Face recognition is not ready", "details": {"reason": "faces_unavailable"}}}))

        page.route("**/identify", faces_off)
        page.locator("[data-screen=ticket] [data-action=home]").click()
        take_again(page)
        page.locator("#id-by-face").click()
        expect(page.locator("#cam-shoot")).to_be_enabled()
        page.locator("#cam-shoot").click()
        expect(page.locator("[data-screen=id-problem]")).to_be_visible()
        expect(page.locator("#problem-title")).to_have_text("Nhận diện khuôn mặt đang tạm ngừng")
        expect(page.locator("#problem-vi")).to_have_text("Nhận diện khuôn mặt chưa sẵn sàng")
        expect(page.locator("#problem-card")).to_be_visible()
        expect(page.locator("#problem-retry")).to_be_hidden()
        page.locator("#problem-card").click()                           # the card path still works
        expect(page.locator("[data-screen=id-camera]")).to_be_visible()
        page.locator("[data-screen=id-camera] [data-id=back]").click()
        expect(page.locator("[data-screen=identify]")).to_be_visible()
        expect(page.locator("#id-by-face")).to_be_hidden()
        camera_off(page)
        page.unroute("**/identify")
        page.context.close()

        # Left alone with the camera on: the idle reset stops it and forgets everything.
        page = kiosk_page(browser)
        to_identification(page, base, "print=none&idle=5")
        page.locator("#id-by-face").click()
        expect(page.locator("#cam-shoot")).to_be_enabled()
        expect(page.locator("#still-there")).to_be_visible(timeout=9000)
        expect(page.locator("[data-screen=home]")).to_be_visible(timeout=14000)
        camera_off(page)
        assert page.evaluate("() => { const i = window.motcuaKiosk.identify; return [i.mode, i.found, i.citizen]; }") \
            == [None, None, None]
        page.context.close()


def test_with_consent_the_kiosk_keeps_the_face_and_knows_it_next_time(
        motcua_up: str, playwright: Any, tmp_path: Path, faces: Path) -> None:
    base = motcua_up
    with camera(playwright, tmp_path, Image.open(faces / "biden.jpg"), "biden") as browser:
        page = kiosk_page(browser)
        to_identification(page, base)
        page.wait_for_timeout(500)
        scan(page, BIDEN_QR)                                    # the scanner works on the choice screen too
        expect(page.locator("#who-name")).to_have_text("Joe Biden")
        page.locator("#who-yes").click()
        expect(page.locator("[data-screen=id-consent]")).to_be_visible()
        page.locator("#consent-yes").click(force=True)          # disabled: nothing happens without consent
        page.wait_for_timeout(400)
        assert screen(page) == "id-consent"
        page.locator("#consent-box").click()
        expect(page.locator("#consent-box")).to_have_attribute("aria-checked", "true")
        page.locator("#consent-yes").click()
        expect(page.locator("[data-screen=id-camera]")).to_be_visible()
        expect(page.locator("#cam-title")).to_have_text("Chụp ảnh khuôn mặt để lưu")
        expect(page.locator("#cam-shoot")).to_have_text("Chụp ảnh và lưu")
        expect(page.locator("#cam-shoot")).to_be_enabled()
        screenshot(page, "kiosk-identify-enrol")
        page.locator("#cam-shoot").click()
        tk = issued(page, base)
        citizen = api(base, "GET", f"/api/citizens/{tk['citizen_id']}")
        assert (citizen["name"], citizen["face_enrolled"]) == ("Joe Biden", True), citizen
        cancel(base, tk["id"])

        page.locator("[data-screen=ticket] [data-action=home]").click()     # the next visit: the face is enough
        take_again(page)
        page.locator("#id-by-face").click()
        expect(page.locator("#cam-shoot")).to_be_enabled()
        page.locator("#cam-shoot").click()
        expect(page.locator("#who-name")).to_have_text("Joe Biden", timeout=30000)

        # Consent withdrawn (erased at a counter): the face matches nobody any more.
        assert api(base, "DELETE", f"/api/citizens/{tk['citizen_id']}/face", {})["erased"] is True
        page.locator("#who-no").click()
        page.locator("#id-by-face").click()
        expect(page.locator("#cam-shoot")).to_be_enabled()
        page.locator("#cam-shoot").click()
        expect(page.locator("[data-screen=id-problem]")).to_be_visible(timeout=30000)
        expect(page.locator("#problem-title")).to_have_text("Chưa nhận diện được")
        expect(page.locator("#problem-card")).to_be_visible()
        screenshot(page, "kiosk-identify-no-match")
        page.context.close()


def test_a_camera_that_cannot_be_used_says_so_and_offers_a_way_on(motcua_up: str, plain_kiosk: Page) -> None:
    base, page = motcua_up, plain_kiosk                     # the shared browser has no camera at all
    to_identification(page, base)
    page.locator("#id-by-face").click()
    expect(page.locator("[data-screen=id-problem]")).to_be_visible(timeout=15000)
    expect(page.locator("#problem-title")).to_have_text("Không dùng được camera")
    expect(page.locator("#problem-vi")).to_contain_text("Bạn có thể dùng thẻ căn cước")
    expect(page.locator("#problem-en")).to_contain_text("use your ID card instead")
    expect(page.locator("#problem-card")).to_be_visible()
    screenshot(page, "kiosk-identify-no-camera")
    page.locator("#problem-card").click()                   # no camera for the card either: the scanner still works
    expect(page.locator("#problem-vi")).to_contain_text("máy quét", timeout=15000)
    page.wait_for_timeout(500)
    page.route("**/api/identity/cccd", lambda route: route.abort("internetdisconnected"))
    scan(page, VALID_2)                                     # the network is down: said so, and tried again on request
    expect(page.locator("#problem-title")).to_have_text("Chưa đọc được thẻ")
    expect(page.locator("#problem-vi")).to_have_text("Chưa kết nối được với hệ thống. Vui lòng thử lại hoặc bỏ qua bước này.")
    screenshot(page, "kiosk-identify-offline")
    page.unroute("**/api/identity/cccd")
    page.locator("#problem-retry").click()
    expect(page.locator("#who-name")).to_have_text("Trần Thị B")
    page.locator(f"[data-screen=id-confirm] {SKIP}").click()   # skipped before confirming: nobody identified
    assert issued(page, base)["citizen_id"] is None


# ------------------------------------------------------------ who sees the citizen

def anonymous_get(base: str, path: str) -> str:
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return response.read().decode("utf-8")


def test_the_counter_shows_the_citizen_and_the_public_screens_never_do(
        motcua_up: str, browser: Any, faces: Path) -> None:
    from tests.e2e.conftest import sign_in
    from tests.e2e.helpers import free

    base = motcua_up
    card = "031185004321||Phạm Thị Hồng Nhung|22071985|Nữ|Hải Phòng|10052022"
    number, name = fields(card)[0], fields(card)[2]
    citizen = api(base, "POST", "/api/citizens", {"cccd": card, "consent": False, "office": "demo"})
    free(base, "1")
    tk = api(base, "POST", "/api/offices/demo/tickets", {"service": "TP", "citizen_id": citizen["citizen_id"]})
    api(base, "POST", "/api/offices/demo/counters/1/call", {"ticket_id": tk["id"]})
    secrets_ = (name, number, citizen["citizen_id"])

    # The phone page and an anonymous read of the ticket: nothing about the person.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN").new_page()
    phone.goto(f"{base}/t/{tk['id']}")
    expect(phone.locator("#status")).to_have_text(re.compile("quầy 1"))
    assert not any(s in phone.content() for s in secrets_)
    assert not any(s in anonymous_get(base, f"/api/tickets/{tk['id']}") for s in secrets_)
    phone.context.close()

    # The hall board shows the call, never the person.
    board = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="vi-VN").new_page()
    board.goto(device_url(base, "/display/demo", "display"))
    expect(board.locator("#counters [data-counter='1'] .counter-number")).to_have_text(tk["number"])
    assert not any(s in board.content() for s in secrets_)
    board.context.close()

    # The clerk at counter 1 sees the name and the ID number.
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    sign_in(context, base, "canbo1")
    desk = context.new_page()
    desk.goto(f"{base}/counter/demo/1")
    expect(desk.locator("#cur-number")).to_have_text(tk["number"])
    expect(desk.locator("#cur-citizen .citizen-name")).to_have_text(name)
    expect(desk.locator("#cur-citizen .citizen-id")).to_have_text(f"Số định danh: {number}")
    expect(desk.locator("#cur-citizen .citizen-erase")).to_have_count(0)         # no face kept: nothing to erase
    assert desk.evaluate("() => { const b = document.getElementById('cur-citizen').getBoundingClientRect();"
                         " return b.bottom <= document.getElementById('current').getBoundingClientRect().bottom; }")
    assert desk.evaluate("() => { const n = document.getElementById('cur-number');"   # the number keeps to one line
                         " return n.getBoundingClientRect().height < 1.5 * parseFloat(getComputedStyle(n).fontSize); }")
    screenshot(desk, "counter-citizen")
    api(base, "POST", f"/api/tickets/{tk['id']}/complete", {})
    expect(desk.locator("#cur-citizen")).to_be_hidden()                           # the next ticket: forgotten

    # A citizen with a face: the clerk erases it when the citizen withdraws consent (a second press confirms).
    obama = enrol_face(base, OBAMA_QR, faces / "obama.jpg")
    tk = api(base, "POST", "/api/offices/demo/tickets", {"service": "TP", "citizen_id": obama["citizen_id"]})
    api(base, "POST", "/api/offices/demo/counters/1/call", {"ticket_id": tk["id"]})
    expect(desk.locator("#cur-citizen .citizen-name")).to_have_text("Barack Obama")
    erase = desk.locator("#cur-citizen .citizen-erase")
    expect(erase).to_have_text("Xoá khuôn mặt (rút lại đồng ý)")
    erase.click()
    expect(erase).to_have_text("Bấm lần nữa để xác nhận xoá")
    assert api(base, "GET", f"/api/citizens/{obama['citizen_id']}")["face_enrolled"] is True
    erase.click()
    expect(desk.locator("#cur-citizen .citizen-note")).to_have_text("Đã xoá dữ liệu khuôn mặt.")
    assert api(base, "GET", f"/api/citizens/{obama['citizen_id']}")["face_enrolled"] is False
    screenshot(desk, "counter-citizen-erased")
    api(base, "POST", f"/api/tickets/{tk['id']}/complete", {})

    # A record that cannot be read is said so on the counter, not left blank.
    def unavailable(route: Route) -> None:
        route.fulfill(status=503, content_type="application/json", body=json.dumps({"error": {
            "code": "unavailable", "message": "Dịch vụ định danh đang không chạy",
            "message_en": "The identity service is not running"}}))

    desk.route("**/api/citizens/**", unavailable)
    tk = api(base, "POST", "/api/offices/demo/tickets", {"service": "TP", "citizen_id": citizen["citizen_id"]})
    api(base, "POST", "/api/offices/demo/counters/1/call", {"ticket_id": tk["id"]})
    expect(desk.locator("#cur-citizen .citizen-note")).to_have_text(
        "Dịch vụ định danh đang không chạy Đang thử lại…")
    desk.unroute("**/api/citizens/**")
    expect(desk.locator("#cur-citizen .citizen-name")).to_have_text(name, timeout=10000)   # retried by itself
    api(base, "POST", f"/api/tickets/{tk['id']}/complete", {})

    missing = "00000000-0000-4000-8000-000000000000"
    tk = api(base, "POST", "/api/offices/demo/tickets", {"service": "TP", "citizen_id": missing})
    api(base, "POST", "/api/offices/demo/counters/1/call", {"ticket_id": tk["id"]})
    expect(desk.locator("#cur-citizen .citizen-note")).to_have_text("Không tìm thấy hồ sơ công dân này.")
    api(base, "POST", f"/api/tickets/{tk['id']}/complete", {})
    context.close()
