"""Office configuration: identifiers, time zone, priority categories, fairness and grace rules."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
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
            f"Setting '{key}' must be an integer from {low} to {high}, got {value!r}", field=f"settings.{key}",
        )
    return value


def _time_setting(settings: Mapping[str, Any], key: str, default: time) -> time:
    value = settings.get(key)
    if value is None:
        return default
    try:
        hours, minutes = (int(part) for part in str(value).split(":"))
        return time(hours, minutes)
    except ValueError as exc:
        raise InvalidInput(f"Thiết lập '{key}' phải là giờ dạng HH:MM (ví dụ 17:30), nhận được {value!r}",
                           f"Setting '{key}' must be a time HH:MM (e.g. 17:30), got {value!r}",
                           field=f"settings.{key}") from exc


def parse_bank(raw: Any) -> dict[str, str] | None:
    """The office's account citizens pay fees to: {"bin": 6 digits, "account", "name"}, checked like a VietQR."""
    if raw is None:
        return None
    from .vietqr import VietQRError, encode_vietqr

    if not isinstance(raw, Mapping) or not all(isinstance(raw.get(k), str) for k in ("bin", "account", "name")):
        raise InvalidInput("Tài khoản ngân hàng cần 'bin', 'account' và 'name' (chuỗi ký tự)",
                           "The bank account needs 'bin', 'account' and 'name' (strings)", field="settings.bank")
    bank = {k: raw[k].strip() for k in ("bin", "account", "name")}
    try:
        encode_vietqr(bin=bank["bin"], account=bank["account"])
    except VietQRError as exc:
        raise InvalidInput(f"Tài khoản ngân hàng không hợp lệ: {exc.message_vi}",
                           f"Invalid bank account: {exc.message_en}", field="settings.bank") from exc
    if not 1 <= len(bank["name"]) <= 70:
        raise InvalidInput("Tên tài khoản phải dài 1–70 ký tự", "The account name must be 1–70 characters",
                           field="settings.bank.name")
    return bank


RATING_SCALES = (3, 5)


def _rating_scale(settings: Mapping[str, Any]) -> int:
    value = settings.get("rating_scale", 5)
    if value not in RATING_SCALES or isinstance(value, bool):
        raise InvalidInput(f"Thiết lập 'rating_scale' phải là 3 hoặc 5 mức, nhận được {value!r}",
                           f"Setting 'rating_scale' must be 3 or 5 levels, got {value!r}", field="settings.rating_scale")
    return int(value)


def parse_province(raw: Any) -> dict[str, str] | None:
    """The province an office belongs to: {"code": id, "name": "Thành phố Hà Nội"}; its managers see the office."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str) or not raw["name"].strip():
        raise InvalidInput('Tỉnh/thành cần có dạng {"code": "01", "name": "Thành phố Hà Nội"}',
                           'The province must look like {"code": "01", "name": "Thành phố Hà Nội"}',
                           field="settings.province.name")
    name = raw["name"].strip()
    if len(name) > 100:
        raise InvalidInput("Tên tỉnh/thành dài quá 100 ký tự", "The province name is longer than 100 characters",
                           field="settings.province.name")
    try:
        code = check_id("tỉnh/thành", "province", raw.get("code"))
    except InvalidInput as exc:
        exc.details["field"] = "settings.province.code"
        raise
    return {"code": code, "name": name}


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
    opening_time: time = time(7, 30)
    closing_time: time = time(17, 30)     # unfinished tickets of the day expire then
    bank: dict[str, str] | None = None    # {"bin", "account", "name"}: where citizens pay fees
    rating_scale: int = 5                 # satisfaction levels offered to citizens: 1 (worst) … rating_scale (best)
    wait_alert_s: int = 1800              # a wait longer than this is an SLA breach on the manager's view
    province: dict[str, str] | None = None   # {"code", "name"}: the province whose managers see this office

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    @classmethod
    def from_settings(cls, timezone: str, settings: Mapping[str, Any]) -> "OfficeRules":
        """Build the rules from an office's stored settings; raise InvalidInput on anything wrong."""
        zone(timezone)
        if not isinstance(settings, Mapping):
            raise InvalidInput("Thiết lập văn phòng phải là một đối tượng JSON", "Office settings must be a JSON object",
                               field="settings")
        categories = settings.get("priority_categories")
        if categories is None:
            parsed = dict(DEFAULT_PRIORITY_CATEGORIES)
        else:
            if not isinstance(categories, Mapping) or not categories:
                raise InvalidInput(
                    "priority_categories phải là đối tượng {mã: {\"name\": ..., \"name_en\": ...}}",
                    "priority_categories must be an object {code: {\"name\": ..., \"name_en\": ...}}",
                    field="settings.priority_categories",
                )
            parsed = {}
            for code, names in categories.items():
                try:
                    check_id("đối tượng ưu tiên", "priority category", code)
                except InvalidInput as exc:
                    exc.details["field"] = "settings.priority_categories"
                    raise
                if not isinstance(names, Mapping) or not isinstance(names.get("name"), str) or not names["name"].strip():
                    raise InvalidInput(
                        f"Đối tượng ưu tiên '{code}' cần có tên (name)",
                        f"Priority category '{code}' needs a name", field=f"settings.priority_categories.{code}.name",
                    )
                parsed[code] = (names["name"], str(names.get("name_en") or names["name"]))
        fairness = FairnessRule(
            normal=_int_setting(settings, "fair_normal", FairnessRule.normal, 1, 50),
            priority=_int_setting(settings, "fair_priority", FairnessRule.priority, 1, 50),
            after_wait_s=_int_setting(settings, "fair_after_wait_s", FairnessRule.after_wait_s, 0, 86_400),
        )
        opening = _time_setting(settings, "opening_time", time(7, 30))
        closing = _time_setting(settings, "closing_time", time(17, 30))
        if closing <= opening:
            raise InvalidInput("Giờ đóng cửa phải sau giờ mở cửa", "The closing time must be after the opening time",
                               field="settings.closing_time")
        return cls(
            timezone=timezone,
            no_show_grace_s=_int_setting(settings, "no_show_grace_s", 600, 0, 86_400),
            default_service_s=_int_setting(settings, "default_service_s", 300, 10, 86_400),
            fairness=fairness,
            priority_categories=parsed,
            opening_time=opening,
            closing_time=closing,
            bank=parse_bank(settings.get("bank")),
            rating_scale=_rating_scale(settings),
            wait_alert_s=_int_setting(settings, "wait_alert_min", 30, 1, 24 * 60) * 60,
            province=parse_province(settings.get("province")),
        )

    def check_priority(self, category: str | None) -> str | None:
        if category is None or category in self.priority_categories:
            return category
        known = ", ".join(sorted(self.priority_categories))
        raise InvalidInput(
            f"Đối tượng ưu tiên không hợp lệ: {category!r}; các giá trị hợp lệ: {known}",
            f"Unknown priority category: {category!r}; valid values: {known}",
        )
