"""Office configuration: identifiers, time zone, priority categories, fairness and grace rules."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InvalidInput
from .policy import FairnessRule

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"

# Office, service and counter ids end up in NATS subjects and URLs: keep them plain tokens.
_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")

DEFAULT_PRIORITY_CATEGORIES: dict[str, tuple[str, str]] = {
    "elderly": ("Người cao tuổi", "Elderly"),
    "disability": ("Người khuyết tật", "Person with a disability"),
    "pregnant_or_child": ("Phụ nữ mang thai, người có con nhỏ", "Pregnant or with a small child"),
    "merit": ("Người có công với cách mạng", "Person with meritorious service"),
    "appointment": ("Đã đặt lịch hẹn", "Booked appointment"),
}


def check_id(kind_vi: str, kind_en: str, value: object) -> str:
    """Return `value` if it is a valid identifier, else raise InvalidInput naming the kind."""
    if not isinstance(value, str) or not _ID.match(value):
        raise InvalidInput(
            f"Mã {kind_vi} không hợp lệ: {value!r} (chỉ gồm chữ không dấu, số, '-' hoặc '_', tối đa 40 ký tự)",
            f"Invalid {kind_en} id: {value!r} (letters without accents, digits, '-' or '_', at most 40 characters)",
        )
    return value


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"Múi giờ không hợp lệ: {name!r} (ví dụ: Asia/Ho_Chi_Minh)",
            f"Unknown time zone: {name!r} (for example Asia/Ho_Chi_Minh)",
        ) from exc


def _int_setting(settings: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            f"Thiết lập '{key}' phải là số nguyên từ {low} đến {high}, nhận được {value!r}",
            f"Setting '{key}' must be an integer from {low} to {high}, got {value!r}",
        )
    return value


@dataclass(frozen=True)
class OfficeRules:
    """The per-office rules the ticketing service applies."""

    timezone: str = DEFAULT_TIMEZONE
    no_show_grace_s: int = 600
    default_service_s: int = 300
    fairness: FairnessRule = FairnessRule()
    priority_categories: dict[str, tuple[str, str]] = field(
        default_factory=lambda: dict(DEFAULT_PRIORITY_CATEGORIES)
    )

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    @classmethod
    def from_settings(cls, timezone: str, settings: Mapping[str, Any]) -> "OfficeRules":
        """Build the rules from an office's stored settings; raise InvalidInput on anything wrong."""
        zone(timezone)
        if not isinstance(settings, Mapping):
            raise InvalidInput("Thiết lập văn phòng phải là một đối tượng JSON", "Office settings must be a JSON object")
        categories = settings.get("priority_categories")
        if categories is None:
            parsed = dict(DEFAULT_PRIORITY_CATEGORIES)
        else:
            if not isinstance(categories, Mapping) or not categories:
                raise InvalidInput(
                    "priority_categories phải là đối tượng {mã: {\"name\": ..., \"name_en\": ...}}",
                    "priority_categories must be an object {code: {\"name\": ..., \"name_en\": ...}}",
                )
            parsed = {}
            for code, names in categories.items():
                check_id("đối tượng ưu tiên", "priority category", code)
                if not isinstance(names, Mapping) or not isinstance(names.get("name"), str):
                    raise InvalidInput(
                        f"Đối tượng ưu tiên '{code}' cần có tên (name)",
                        f"Priority category '{code}' needs a name",
                    )
                parsed[code] = (names["name"], str(names.get("name_en") or names["name"]))
        fairness = FairnessRule(
            normal=_int_setting(settings, "fair_normal", FairnessRule.normal, 1, 50),
            priority=_int_setting(settings, "fair_priority", FairnessRule.priority, 1, 50),
            after_wait_s=_int_setting(settings, "fair_after_wait_s", FairnessRule.after_wait_s, 0, 86_400),
        )
        return cls(
            timezone=timezone,
            no_show_grace_s=_int_setting(settings, "no_show_grace_s", 600, 0, 86_400),
            default_service_s=_int_setting(settings, "default_service_s", 300, 10, 86_400),
            fairness=fairness,
            priority_categories=parsed,
        )

    def check_priority(self, category: str | None) -> str | None:
        if category is None or category in self.priority_categories:
            return category
        known = ", ".join(sorted(self.priority_categories))
        raise InvalidInput(
            f"Đối tượng ưu tiên không hợp lệ: {category!r}; các giá trị hợp lệ: {known}",
            f"Unknown priority category: {category!r}; valid values: {known}",
        )


def _text(raw: Mapping[str, Any], key: str, what_vi: str, what_en: str, *, required: bool = True) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInput(f"{what_vi} cần có '{key}' (chuỗi ký tự)", f"{what_en} needs '{key}' (a string)")
    return value.strip()


def parse_service_spec(raw: Any) -> dict[str, Any]:
    """Validate one service of an office configuration; returns a clean mapping."""
    from .numbering import NumberFormat

    if not isinstance(raw, Mapping):
        raise InvalidInput("Mỗi dịch vụ phải là một đối tượng JSON", "Each service must be a JSON object")
    code = check_id("dịch vụ", "service", raw.get("code"))
    prefix = raw.get("prefix", code.upper())
    width, start = raw.get("width", 3), raw.get("start", 0)
    if prefix is not None and not isinstance(prefix, str):
        raise InvalidInput("'prefix' phải là chuỗi hoặc null", "'prefix' must be a string or null")
    if not isinstance(width, int) or not isinstance(start, int):
        raise InvalidInput("'width' và 'start' phải là số nguyên", "'width' and 'start' must be integers")
    NumberFormat(prefix=prefix, width=width, start=start)  # validates
    return {
        "code": code,
        "name": _text(raw, "name", f"Dịch vụ '{code}'", f"Service '{code}'"),
        "name_en": _text(raw, "name_en", f"Dịch vụ '{code}'", f"Service '{code}'", required=False),
        "field": _text(raw, "field", f"Dịch vụ '{code}'", f"Service '{code}'", required=False),
        "prefix": prefix, "width": width, "start": start,
    }


def parse_counter_spec(raw: Any, services: set[str]) -> dict[str, Any]:
    """Validate one counter; every service it serves must be configured."""
    if not isinstance(raw, Mapping):
        raise InvalidInput("Mỗi quầy phải là một đối tượng JSON", "Each counter must be a JSON object")
    counter = check_id("quầy", "counter", raw.get("id"))
    served = raw.get("services")
    if not isinstance(served, list) or not served or not all(isinstance(s, str) for s in served):
        raise InvalidInput(
            f"Quầy '{counter}' cần danh sách dịch vụ phục vụ ('services')",
            f"Counter '{counter}' needs the list of services it serves ('services')",
        )
    unknown = sorted(set(served) - services)
    if unknown:
        raise InvalidInput(
            f"Quầy '{counter}' phục vụ dịch vụ chưa cấu hình: {', '.join(unknown)}",
            f"Counter '{counter}' serves unconfigured services: {', '.join(unknown)}",
        )
    name = raw.get("name") or f"Quầy {counter}"
    if not isinstance(name, str):
        raise InvalidInput(f"Tên quầy '{counter}' phải là chuỗi", f"Counter '{counter}' name must be a string")
    return {"id": counter, "name": name, "services": list(dict.fromkeys(served))}
