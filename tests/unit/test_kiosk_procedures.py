"""What the kiosk gets of an office's procedures, and the printed slip of a ticket issued with one."""
from __future__ import annotations

from kiosk.views import _kiosk_service, build_slip
from services.demo import DEMO
from services.domain.office_config import ICONS, check_office, parse_counter_spec, parse_service_spec

SERVICE = {"code": "HT", "name": "Hộ tịch", "name_en": "Civil status", "field": "Hộ tịch", "icon": "family",
           "prefix": "HT", "width": 3, "start": 0,
           "procedures": [{"code": "HT-KS", "name": "Đăng ký khai sinh", "name_en": "Birth registration",
                           "icon": "birth", "popular": True}]}
OFFICE = {"id": "demo", "name": "Trung tâm Phục vụ hành chính công xã Demo", "timezone": "Asia/Ho_Chi_Minh",
          "services": [SERVICE], "priority_categories": []}
TICKET = {"id": "8c66c4f1-2049-4543-84d9-496540087977", "number": "HT-015", "service": "HT", "procedure": "HT-KS",
          "issued_at": "2026-11-23T17:30:00+00:00", "waiting_ahead": 0, "estimated_wait_s": 0}


def test_the_kiosk_gets_names_field_pictogram_and_procedures_only() -> None:
    assert _kiosk_service(SERVICE) == {
        "code": "HT", "name": "Hộ tịch", "name_en": "Civil status", "field": "Hộ tịch", "icon": "family",
        "procedures": [{"code": "HT-KS", "name": "Đăng ký khai sinh", "name_en": "Birth registration",
                        "icon": "birth", "popular": True}]}
    assert _kiosk_service({"code": "DD", "name": "Đất đai"})["procedures"] == []


def test_the_slip_names_the_procedure() -> None:
    assert build_slip(TICKET, OFFICE, "https://x/t/1").service_name == "Hộ tịch – Đăng ký khai sinh"
    assert build_slip({**TICKET, "procedure": None}, OFFICE, "https://x/t/1").service_name == "Hộ tịch"


def test_the_demo_office_is_valid_with_popular_procedures_and_a_single_choice_field() -> None:
    services = [parse_service_spec(s) for s in DEMO.services]
    check_office(services, [parse_counter_spec(c, {s["code"] for s in services}) for c in DEMO.counters])
    assert [s["code"] for s in services] == ["HT", "CT", "DD", "TP", "LD"]
    assert [c["id"] for c in DEMO.counters] == ["1", "2", "3", "4", "5"]
    procedures = [p for s in services for p in s["procedures"]]
    assert {p["icon"] for p in procedures} <= ICONS and all(s["icon"] in ICONS for s in services)
    assert {p["code"] for p in procedures if p["popular"]} == {"HT-KS", "HT-KH", "CT-BS", "CT-CK", "DD-GCN"}
    fields: dict[str, list[dict]] = {}
    for s in services:
        fields.setdefault(s["field"], []).append(s)
    assert any(len(f) == 1 and len(f[0]["procedures"]) == 1 for f in fields.values())   # the kiosk skips to confirm
