"""Kiosk printing without a device: MOTCUA_PRINTER parsing, the ESC/POS bytes (escpos's Dummy printer),
the print endpoint against a fake bus writing to a plain file, and the ticket's QR code."""
from __future__ import annotations

import asyncio
import json
import re
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from escpos.printer import Dummy

import kiosk
from kiosk.printing import (
    PrinterConfigError, PrinterSpec, Slip, fold, parse_printer, print_slip, printer_from_env, render_slip, slip_bytes,
)
from kiosk.views import build_slip, ticket_qr_svg
from services import messages as m
from services.config import ConfigError

TICKET_ID = "8c66c4f1-2049-4543-84d9-496540087977"
TICKET = {"id": TICKET_ID, "office": "demo", "number": "HT-015", "service": "HT", "priority": "elderly",
          "status": "waiting", "issued_at": "2026-11-23T17:30:00+00:00", "waiting_ahead": 3, "estimated_wait_s": 610}
OFFICE = {"id": "demo", "name": "Trung tâm Phục vụ hành chính công xã Demo", "timezone": "Asia/Ho_Chi_Minh",
          "services": [{"code": "HT", "name": "Hộ tịch", "name_en": "Civil status", "field": "Hộ tịch"}],
          "counters": [{"id": "1", "name": "Quầy 1", "services": ["HT"], "paused": False}],
          "priority_categories": [{"code": "elderly", "name": "Người cao tuổi", "name_en": "Elderly"}]}
SLIP = Slip(office_name=OFFICE["name"], number="HT-015", service_name="Lao động – Thương binh và Xã hội",
            issued_local="00:30 24/11/2026", waiting_ahead=3, estimated_wait_s=610,
            url=f"https://motcua.example.vn/t/{TICKET_ID}", priority_name="Người cao tuổi")


# ------------------------------------------------------------ MOTCUA_PRINTER

@pytest.mark.parametrize(("value", "expected"), [
    ("usb:0x04b8:0x0202", PrinterSpec("usb", vendor=0x04B8, product=0x0202)),
    ("USB:04b8:0e15", PrinterSpec("usb", vendor=0x04B8, product=0x0E15)),
    ("network:192.168.1.50", PrinterSpec("network", host="192.168.1.50", port=9100)),
    ("network:192.168.1.50:9101", PrinterSpec("network", host="192.168.1.50", port=9101)),
    ("network:printer-1.motcua.lan", PrinterSpec("network", host="printer-1.motcua.lan", port=9100)),
    ("network:[fe80::1]:9100", PrinterSpec("network", host="fe80::1", port=9100)),
    ("file:/dev/usb/lp0", PrinterSpec("file", path="/dev/usb/lp0")),
    ("  network:10.0.0.7  ", PrinterSpec("network", host="10.0.0.7", port=9100)),
])
def test_printer_values_are_parsed(value: str, expected: PrinterSpec) -> None:
    assert parse_printer(value) == expected


@pytest.mark.parametrize("value", [None, "", "   ", "none", "off"])
def test_no_printer_means_browser_printing(value: str | None) -> None:
    assert parse_printer(value) is None
    assert printer_from_env({} if value is None else {"MOTCUA_PRINTER": value}) is None


@pytest.mark.parametrize(("value", "why"), [
    ("usb:0x04b8", "USB"), ("usb:xyz:0202", "USB"), ("usb:0x0:0x0202", "khác 0"),
    ("network:", "loại:địa-chỉ"), ("network:192.168.1.50:99999", "65535"), ("network:bad_host!", "địa chỉ"),
    ("file:dev/lp0", "tuyệt đối"), ("bluetooth:00:11:22", "bluetooth"), ("192.168.1.50", "loại"),
])
def test_bad_printer_values_say_why_in_both_languages(value: str, why: str) -> None:
    with pytest.raises(PrinterConfigError) as caught:
        parse_printer(value)
    message = str(caught.value)
    assert isinstance(caught.value, ConfigError)          # `motcua` prints it and exits 2
    assert f"MOTCUA_PRINTER={value.strip()!r} không hợp lệ" in message and "is invalid" in message
    assert why in message and "usb:0x04b8:0x0202" in message


def test_the_profile_comes_from_the_environment() -> None:
    spec = printer_from_env({"MOTCUA_PRINTER": "network:10.0.0.9", "MOTCUA_PRINTER_PROFILE": "TM-T88V"})
    assert spec == PrinterSpec("network", host="10.0.0.9", profile="TM-T88V")


def test_a_bad_printer_stops_motcua_before_anything_starts() -> None:
    from services.config import ConfigError, Settings

    with pytest.raises(ConfigError, match="serial"):
        Settings.from_env({"MOTCUA_PRINTER": "serial:/dev/ttyS0"})


# ------------------------------------------------------------ the ESC/POS slip

def test_fold_removes_vietnamese_diacritics() -> None:
    assert fold("Đất đai – Hộ tịch, Người cao tuổi") == "Dat dai - Ho tich, Nguoi cao tuoi"
    assert fold("Trung tâm Phục vụ hành chính công") == "Trung tam Phuc vu hanh chinh cong"


def test_slip_bytes_carry_the_ticket() -> None:
    data = slip_bytes(SLIP)
    assert b"Trung tam Phuc vu hanh chinh cong xa Demo\n" in data
    number_at = data.index(b"HT-015\n")
    assert b"\x1d!\x33" in data[max(0, number_at - 12):number_at]   # GS ! 0x33: 4x wide, 4x tall
    assert b"Lao dong - Thuong binh va Xa hoi\n" in data
    assert b"UU TIEN: Nguoi cao tuoi" in data
    assert b"Gio lay so: 00:30 24/11/2026\n" in data
    assert b"So nguoi cho truoc: 3\n" in data
    assert b"Du kien cho: khoang 11 phut\n" in data
    assert b"\x1dv0" in data                                   # GS v 0: the QR code as a raster image
    assert data.rstrip(b"\x00").endswith(b"\x1dV\x00") or b"\x1dV" in data[-8:]   # GS V: cut
    text = re.sub(rb"[\x00-\x1f]", b"", data.split(b"\x1dv0")[0])
    assert all(b < 0x80 for b in text.replace(b"\xff", b""))   # ASCII only: works on any code page


def test_slip_without_priority_or_wait() -> None:
    slip = Slip(office_name="UBND xã", number="1001", service_name="Chứng thực", issued_local="08:00 01/01/2026",
                waiting_ahead=0, estimated_wait_s=0, url="http://x/t/1")
    dummy = Dummy()
    render_slip(dummy, slip)
    assert b"UU TIEN" not in dummy.output
    assert b"Sap den luot cua ban\n" in dummy.output
    assert b"1001\n" in dummy.output


def test_print_slip_writes_the_same_bytes_to_a_device_file(tmp_path: Any) -> None:
    target = tmp_path / "lp0"
    print_slip(parse_printer(f"file:{target}"), SLIP)  # type: ignore[arg-type]
    assert target.read_bytes() == slip_bytes(SLIP)


def test_build_slip_uses_the_office_time_zone() -> None:
    slip = build_slip(TICKET, OFFICE, "https://x/t/1")
    assert slip.issued_local == "00:30 24/11/2026"            # 17:30 UTC is half past midnight in Viet Nam
    assert (slip.number, slip.service_name, slip.priority_name) == ("HT-015", "Hộ tịch", "Người cao tuổi")
    assert (slip.waiting_ahead, slip.estimated_wait_s) == (3, 610)


# ------------------------------------------------------------ endpoints, with a fake bus

class FakeBus:
    def __init__(self, public_url: str | None = "https://motcua.example.vn") -> None:
        self.settings = SimpleNamespace(public_url=public_url)
        self.sent: list[m.Command] = []

    async def request(self, command: m.Command, timeout: float | None = None) -> Any:
        self.sent.append(command)
        if isinstance(command, m.GetTicket):
            if command.ticket_id != TICKET_ID:
                raise m.ServiceError("not_found", "Không tìm thấy phiếu", "Ticket not found")
            return dict(TICKET)
        if isinstance(command, m.GetOffice):
            if command.office != "demo":
                raise m.ServiceError("not_found", "Không tìm thấy văn phòng", "Office not found")
            return dict(OFFICE)
        raise AssertionError(f"unexpected {command}")


Answer = tuple[int, str, bytes]    # status, content type, body


def ask_kiosk(monkeypatch: pytest.MonkeyPatch, printer: str | None, bus: FakeBus,
              *requests: tuple[Any, ...]) -> list[Answer]:
    """Start the kiosk app (MOTCUA_PRINTER=printer) on `bus`; send `requests` (method, path[, headers]) in order.

    Runs its own event loop on another thread: these tests also run after Playwright's sync API, which keeps
    a loop running on the main thread for the rest of the session."""
    bus.settings.printer = printer_from_env({} if printer is None else {"MOTCUA_PRINTER": printer})
    app = kiosk.init_app(bus, None)  # type: ignore[arg-type]

    async def session() -> list[Answer]:
        async with TestClient(TestServer(app)) as client:
            answers = []
            for method, path, *headers in requests:
                response = await client.request(method, path, headers=headers[0] if headers else None)
                answers.append((response.status, response.content_type, await response.read()))
            return answers

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, session()).result()


def test_print_endpoint_prints_through_escpos(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    target = tmp_path / "printer.bin"
    printed, wrong_office, unknown = ask_kiosk(
        monkeypatch, f"file:{target}", FakeBus(), ("POST", f"/demo/print/{TICKET_ID}"),
        ("POST", f"/other/print/{TICKET_ID}"), ("POST", "/demo/print/00000000-0000-0000-0000-000000000000"))
    assert printed[0] == 200, printed
    assert json.loads(printed[2])["printed"] is True
    expected = build_slip(TICKET, OFFICE, f"https://motcua.example.vn/t/{TICKET_ID}")
    assert target.read_bytes() == slip_bytes(expected)
    assert wrong_office[0] == 404
    assert unknown[0] == 404 and json.loads(unknown[2])["error"]["message"] == "Không tìm thấy phiếu"


def test_print_endpoint_without_printer_or_with_a_broken_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    [(status, _, body)] = ask_kiosk(monkeypatch, None, FakeBus(), ("POST", f"/demo/print/{TICKET_ID}"))
    assert status == 503 and "MOTCUA_PRINTER" in json.loads(body)["error"]["message"]
    [(status, _, body)] = ask_kiosk(monkeypatch, f"file:{tmp_path}/missing-dir/lp0", FakeBus(),
                                    ("POST", f"/demo/print/{TICKET_ID}"))
    error = json.loads(body)["error"]
    assert status == 503 and error["code"] == "printer_error" and "Máy in không in được phiếu" in error["message"]


def test_qr_code_opens_the_phone_page(monkeypatch: pytest.MonkeyPatch) -> None:
    [(status, kind, body), (missing, _, _)] = ask_kiosk(
        monkeypatch, None, FakeBus("https://motcua.example.vn/"), ("GET", f"/qr/{TICKET_ID}.svg"),
        ("GET", "/qr/not-a-ticket.svg"))
    assert (status, kind, missing) == (200, "image/svg+xml", 404)
    assert body == ticket_qr_svg(f"https://motcua.example.vn/t/{TICKET_ID}")
    assert body.startswith(b"<svg") and b"viewBox" in body


def test_qr_code_uses_the_request_host_without_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    [(status, _, body)] = ask_kiosk(monkeypatch, None, FakeBus(None),
                                    ("GET", f"/qr/{TICKET_ID}.svg", {"Host": "kiosk.local:8080"}))
    assert status == 200 and body == ticket_qr_svg(f"http://kiosk.local:8080/t/{TICKET_ID}")
