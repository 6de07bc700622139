"""Pure rules behind the settings pages: refusals that name their field, who may create which account, who may move
an office to another province, and the configuration document in the shape the office is configured with."""
from __future__ import annotations

import pytest

from services.domain.access import Actor, check_may_create_user, check_province_unchanged
from services.domain.errors import Forbidden, InvalidInput
from services.domain.office_config import configuration_document, join_path, parse_office

MANAGER = Actor(type="user", id="m", name="lanhdao", role="manager", office="a")
ADMIN = Actor(type="user", id="x", name="quantri", role="admin")
SERVICES = [{"code": "HT", "name": "Hộ tịch"}, {"code": "CT", "name": "Chứng thực"}]


def _refused_field(**change: object) -> str:
    args = {"name": "Văn phòng", "timezone": "Asia/Ho_Chi_Minh", "settings": {}, "services": SERVICES,
            "counters": [{"id": "1", "services": ["HT"]}], **change}
    with pytest.raises(InvalidInput) as err:
        parse_office(**args)  # type: ignore[arg-type]
    return err.value.details["field"]


def test_paths_join_like_the_document() -> None:
    assert join_path("services[2]", "prefix") == "services[2].prefix"
    assert join_path("services[2]", "[1]") == "services[2][1]"
    assert join_path("counters[0]", None) == "counters[0]"


def test_each_refusal_names_its_field() -> None:
    assert _refused_field(services=[*SERVICES, {"code": "DD", "name": "Đất đai", "prefix": "CT"}]) == "services[2].prefix"
    assert _refused_field(services=[SERVICES[0], {"code": "CT", "name": "x", "procedures": [
        {"code": "CT-1", "name": "Bản sao", "fee": 0}]}]) == "services[1].procedures[0].fee"
    assert _refused_field(counters=[{"id": "1", "services": ["HT"]}, {"id": "2", "services": ["XX"]}]) == \
        "counters[1].services"
    assert _refused_field(settings={"opening_time": "25:00"}) == "settings.opening_time"
    assert _refused_field(settings={"province": {"code": "có dấu", "name": "Tỉnh"}}) == "settings.province.code"
    assert _refused_field(name="") == "name"


def test_a_manager_creates_clerks_of_their_office_only() -> None:
    assert check_may_create_user(MANAGER, "clerk", "a", None) is MANAGER
    for role, office, province in (("admin", None, None), ("manager", "a", None), ("clerk", "b", None),
                                   ("manager", None, "01")):
        with pytest.raises(Forbidden):
            check_may_create_user(MANAGER, role, office, province)
    assert check_may_create_user(ADMIN, "manager", None, "01") is ADMIN


def test_only_admins_move_an_office_to_another_province() -> None:
    check_province_unchanged(MANAGER, {"code": "01", "name": "Hà Nội"}, {"code": "01", "name": "Thành phố Hà Nội"})
    check_province_unchanged(MANAGER, None, None)
    for before, after in ((None, {"code": "01", "name": "Hà Nội"}), ({"code": "01", "name": "Hà Nội"}, None),
                          ({"code": "01", "name": "Hà Nội"}, {"code": "79", "name": "TP. Hồ Chí Minh"})):
        with pytest.raises(Forbidden):
            check_province_unchanged(MANAGER, before, after)
    check_province_unchanged(ADMIN, None, {"code": "01", "name": "Hà Nội"})


def test_the_document_is_what_parsing_accepts() -> None:
    _, services, counters = parse_office("Văn phòng", "Asia/Ho_Chi_Minh", {"x": 1}, SERVICES,
                                         [{"id": "1", "services": ["HT"]}])
    document = configuration_document("Văn phòng", "Asia/Ho_Chi_Minh", {"x": 1}, services, counters)
    again = parse_office(document["name"], document["timezone"], document["settings"], document["services"],
                         document["counters"])
    assert again[1] == services and again[2] == counters and document["settings"] == {"x": 1}
