"""An office's configuration as an administrator writes it: services (queues with their printed prefix), the
procedures citizens pick at the kiosk (with a pictogram), and counters. Validation only; pure.

Every refusal names the field it is about in `details["field"]`, as a path into the configuration document
("services[2].prefix", "counters[0].services", "settings.closing_time"), so that a form can point at it."""
from __future__ import annotations

import contextlib
from typing import Any, Iterator, Mapping

from .errors import InvalidInput
from .fees import MIN_AMOUNT
from .numbering import NumberFormat
from .office import OfficeRules, check_id, zone


def join_path(outer: str, inner: str | None) -> str:
    """"services[2]" + "prefix" → "services[2].prefix"; + "[1]" → "services[2][1]"; + None → "services[2]"."""
    if not inner:
        return outer
    return outer + inner if inner.startswith("[") else f"{outer}.{inner}"


@contextlib.contextmanager
def at(path: str) -> Iterator[None]:
    """Refusals raised inside are about `path` (or a field below it)."""
    try:
        yield
    except InvalidInput as exc:
        exc.details["field"] = join_path(path, exc.details.get("field"))
        raise

# Pictograms the kiosk can draw (kiosk/static/icons.js): a procedure or a service names one of them.
ICONS = frozenset({
    "birth", "marriage", "death", "family", "copy", "signature", "land", "house", "justice", "labour", "social",
    "business", "residence", "money", "document", "id", "health", "education",
})
MAX_PROCEDURES = 60
MAX_PROCEDURE_FEE = 10_000_000_000     # the highest MOTCUA_FEE_MAX_VND allows; the clerk's limit is checked on asking


def _text(raw: Mapping[str, Any], key: str, what_vi: str, what_en: str, *, required: bool = True,
          limit: int = 120) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInput(f"{what_vi} cần có '{key}' (chuỗi ký tự)", f"{what_en} needs '{key}' (a string)",
                           field=key)
    if len(value) > limit or "\x00" in value:
        raise InvalidInput(f"{what_vi}: '{key}' dài quá {limit} ký tự", f"{what_en}: '{key}' is over {limit} characters",
                           field=key)
    return value.strip()


def _icon(raw: Mapping[str, Any], what_vi: str, what_en: str) -> str | None:
    icon = raw.get("icon")
    if icon is None or icon in ICONS:
        return icon
    raise InvalidInput(f"{what_vi}: hình minh họa '{icon}' không có; chọn một trong: {', '.join(sorted(ICONS))}",
                       f"{what_en}: unknown pictogram '{icon}'; choose one of: {', '.join(sorted(ICONS))}",
                       field="icon")


def parse_procedure(raw: Any, service: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"Thủ tục của dịch vụ '{service}' phải là đối tượng JSON",
                           f"Each procedure of service '{service}' must be a JSON object")
    with at("code"):
        code = check_id("thủ tục", "procedure", raw.get("code"))
    what_vi, what_en = f"Thủ tục '{code}'", f"Procedure '{code}'"
    popular = raw.get("popular", False)
    if not isinstance(popular, bool):
        raise InvalidInput(f"{what_vi}: 'popular' phải là true hoặc false", f"{what_en}: 'popular' must be a boolean",
                           field="popular")
    return {"code": code, "name": _text(raw, "name", what_vi, what_en),
            "name_en": _text(raw, "name_en", what_vi, what_en, required=False), "icon": _icon(raw, what_vi, what_en),
            "popular": popular, "fee": _fee(raw, what_vi, what_en)}


def _fee(raw: Mapping[str, Any], what_vi: str, what_en: str) -> int | None:
    """The usual fee of a procedure in VND (what the counter's fee dialog suggests); None: no usual fee."""
    fee = raw.get("fee")
    if fee is None:
        return None
    if isinstance(fee, bool) or not isinstance(fee, int) or not MIN_AMOUNT <= fee <= MAX_PROCEDURE_FEE:
        raise InvalidInput(f"{what_vi}: 'fee' phải là số nguyên đồng từ {MIN_AMOUNT:,} trở lên".replace(",", "."),
                           f"{what_en}: 'fee' must be a whole number of VND from {MIN_AMOUNT:,}", field="fee")
    return fee


def parse_service_spec(raw: Any) -> dict[str, Any]:
    """Validate one service of an office configuration; returns a clean mapping."""
    if not isinstance(raw, Mapping):
        raise InvalidInput("Mỗi dịch vụ phải là một đối tượng JSON", "Each service must be a JSON object")
    with at("code"):
        code = check_id("dịch vụ", "service", raw.get("code"))
    what_vi, what_en = f"Dịch vụ '{code}'", f"Service '{code}'"
    prefix = raw.get("prefix", code.upper())
    width, start = raw.get("width", 3), raw.get("start", 0)
    if prefix is not None and not isinstance(prefix, str):
        raise InvalidInput("'prefix' phải là chuỗi hoặc null", "'prefix' must be a string or null", field="prefix")
    for key, value in (("width", width), ("start", start)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidInput(f"'{key}' phải là số nguyên", f"'{key}' must be an integer", field=key)
    for key, number_format in (("prefix", {"prefix": prefix}), ("width", {"width": width}), ("start", {"start": start})):
        with at(key):
            NumberFormat(**number_format)  # validates
    procedures = raw.get("procedures", [])
    if not isinstance(procedures, list) or len(procedures) > MAX_PROCEDURES:
        raise InvalidInput(f"{what_vi}: 'procedures' phải là danh sách (tối đa {MAX_PROCEDURES})",
                           f"{what_en}: 'procedures' must be a list (at most {MAX_PROCEDURES})", field="procedures")
    return {
        "code": code,
        "name": _text(raw, "name", what_vi, what_en),
        "name_en": _text(raw, "name_en", what_vi, what_en, required=False),
        "field": _text(raw, "field", what_vi, what_en, required=False),
        "prefix": prefix, "width": width, "start": start,
        "icon": _icon(raw, what_vi, what_en),
        "procedures": [_located(f"procedures[{i}]", parse_procedure, p, code) for i, p in enumerate(procedures)],
    }


def _located(path: str, parse: Any, *args: Any) -> Any:
    with at(path):
        return parse(*args)


def parse_counter_spec(raw: Any, services: set[str]) -> dict[str, Any]:
    """Validate one counter; every service it serves must be configured."""
    if not isinstance(raw, Mapping):
        raise InvalidInput("Mỗi quầy phải là một đối tượng JSON", "Each counter must be a JSON object")
    with at("id"):
        counter = check_id("quầy", "counter", raw.get("id"))
    served = raw.get("services")
    if not isinstance(served, list) or not served or not all(isinstance(s, str) for s in served):
        raise InvalidInput(
            f"Quầy '{counter}' cần danh sách dịch vụ phục vụ ('services')",
            f"Counter '{counter}' needs the list of services it serves ('services')", field="services",
        )
    unknown = sorted(set(served) - services)
    if unknown:
        raise InvalidInput(
            f"Quầy '{counter}' phục vụ dịch vụ chưa cấu hình: {', '.join(unknown)}",
            f"Counter '{counter}' serves unconfigured services: {', '.join(unknown)}", field="services",
        )
    name = raw.get("name") or f"Quầy {counter}"
    if not isinstance(name, str) or len(name) > 60:
        raise InvalidInput(f"Tên quầy '{counter}' phải là chuỗi tối đa 60 ký tự",
                           f"Counter '{counter}' name must be a string of at most 60 characters", field="name")
    return {"id": counter, "name": name, "services": list(dict.fromkeys(served))}


def _unique(values: list[tuple[str, Any]], what_vi: str, what_en: str) -> None:
    """`values`: (path, value); the second of two equal values is the one refused."""
    seen: set[Any] = set()
    for path, value in values:
        if value in seen:
            raise InvalidInput(f"{what_vi} bị trùng: {value}", f"Duplicate {what_en}: {value}", field=path)
        seen.add(value)


def check_office(services: list[dict[str, Any]], counters: list[dict[str, Any]]) -> None:
    """Rules across the whole office: unique codes, prefixes and procedure codes, so that a printed number and a
    chosen procedure always mean one thing."""
    check_services(services)
    _unique([(f"counters[{i}].id", c["id"]) for i, c in enumerate(counters)], "Mã quầy", "counter id")


def check_services(services: list[dict[str, Any]]) -> None:
    """Unique service codes, prefixes (or start numbers without one) and procedure codes across the office."""
    unique = _unique
    unique([(f"services[{i}].code", s["code"]) for i, s in enumerate(services)], "Mã dịch vụ", "service code")
    unique([(f"services[{i}].prefix", s["prefix"]) for i, s in enumerate(services) if s["prefix"] is not None],
           "Tiền tố số phiếu", "ticket prefix")
    unique([(f"services[{i}].start", s["start"]) for i, s in enumerate(services) if s["prefix"] is None],
           "Số bắt đầu của dịch vụ đánh số không tiền tố", "start of the services numbered without a prefix")
    unique([(f"services[{i}].procedures[{j}].code", p["code"]) for i, s in enumerate(services)
            for j, p in enumerate(s["procedures"])], "Mã thủ tục", "procedure code")


def parse_office(name: Any, timezone: Any, settings: Any, services: Any,
                 counters: Any) -> tuple[OfficeRules, list[dict[str, Any]], list[dict[str, Any]]]:
    """The whole configuration PUT /api/offices/{office} takes, checked: its rules, services and counters. Each
    refusal names its field."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("Văn phòng cần có tên", "The office needs a name", field="name")
    if len(name.strip()) > 200:
        raise InvalidInput("Tên văn phòng dài quá 200 ký tự", "The office name is over 200 characters", field="name")
    with at("timezone"):
        zone(timezone)
    rules = OfficeRules.from_settings(timezone, settings)
    for key, value in (("services", services), ("counters", counters)):
        if not isinstance(value, list):
            raise InvalidInput(f"'{key}' phải là danh sách", f"'{key}' must be a list", field=key)
    parsed = [_located(f"services[{i}]", parse_service_spec, s) for i, s in enumerate(services)]
    check_services(parsed)                   # a duplicate code is named before the counters that use it
    codes = {s["code"] for s in parsed}
    desks = [_located(f"counters[{i}]", parse_counter_spec, c, codes) for i, c in enumerate(counters)]
    _unique([(f"counters[{i}].id", c["id"]) for i, c in enumerate(desks)], "Mã quầy", "counter id")
    return rules, parsed, desks


SERVICE_KEYS = ("code", "name", "name_en", "field", "prefix", "width", "start", "icon", "procedures")
PROCEDURE_KEYS = ("code", "name", "name_en", "icon", "popular", "fee")


def configuration_document(name: str, timezone: str, settings: Mapping[str, Any],
                           services: list[Mapping[str, Any]], counters: list[Mapping[str, Any]]) -> dict[str, Any]:
    """An office as stored, in exactly the shape PUT /api/offices/{office} takes: a page loads it, edits it and
    sends it back. `settings` is kept as written (keys this version does not know included)."""
    return {
        "name": name, "timezone": timezone, "settings": dict(settings),
        "services": [{**{k: s.get(k) for k in SERVICE_KEYS if k != "procedures"},
                      "procedures": [{k: p.get(k) for k in PROCEDURE_KEYS} for p in s.get("procedures") or []]}
                     for s in services],
        "counters": [{"id": c["id"], "name": c["name"], "services": list(c["services"])} for c in counters],
    }
