import pytest

from services.domain.errors import InvalidInput
from services.domain.office import OfficeRules, check_id
from services.domain.office_config import parse_counter_spec, parse_service_spec


def test_defaults() -> None:
    rules = OfficeRules.from_settings("Asia/Ho_Chi_Minh", {})
    assert rules.fairness.normal == 2 and "elderly" in rules.priority_categories
    assert rules.check_priority(None) is None and rules.check_priority("elderly") == "elderly"


@pytest.mark.parametrize("tz,settings", [
    ("Mars/Olympus", {}), ("Asia/Ho_Chi_Minh", {"fair_normal": 0}), ("Asia/Ho_Chi_Minh", {"no_show_grace_s": "x"}),
    ("Asia/Ho_Chi_Minh", {"priority_categories": {"bad id!": {"name": "x"}}}),
    ("Asia/Ho_Chi_Minh", {"priority_categories": {"ok": {}}}),
])
def test_bad_settings_are_refused_clearly(tz: str, settings: dict) -> None:
    with pytest.raises(InvalidInput) as err:
        OfficeRules.from_settings(tz, settings)
    assert err.value.message_vi and err.value.message_en


def test_unknown_priority_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidInput, match="elderly"):
        OfficeRules.from_settings("Asia/Ho_Chi_Minh", {}).check_priority("vip")


def test_ids_and_specs() -> None:
    assert check_id("quầy", "counter", "3") == "3"
    with pytest.raises(InvalidInput):
        check_id("quầy", "counter", "quầy 3")
    spec = parse_service_spec({"code": "HT", "name": "Hộ tịch"})
    assert spec["prefix"] == "HT" and spec["name"] == "Hộ tịch"
    assert parse_counter_spec({"id": "1", "services": ["HT", "HT"]}, {"HT"})["services"] == ["HT"]
    with pytest.raises(InvalidInput, match="CT"):
        parse_counter_spec({"id": "1", "services": ["CT"]}, {"HT"})
