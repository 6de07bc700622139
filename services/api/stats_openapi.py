"""OpenAPI description of the votes and figures (services.api.stats), merged into /api/openapi.json."""
from __future__ import annotations

from typing import Any

from services.api.openapi import NSTR, OFFICE, STAFF_ERRORS, STR, TICKET, _body, _op, _path_param, _resp

INT = {"type": "integer"}
NUM = {"type": ["number", "null"]}
DAY = {"type": "string", "format": "date"}
RANGE = [{"name": "from", "in": "query", "schema": DAY, "description": "Ngày đầu (theo giờ văn phòng) / first day"},
         {"name": "to", "in": "query", "schema": DAY, "description": "Ngày cuối / last day"}]
PROVINCE = _path_param("province", "Mã tỉnh/thành / province code")
REASON_CODES = {"enum": ["waited_too_long", "attitude", "extra_papers", "slow_handling", "other"]}
VOTE = {"type": "object", "required": ["ticket_id", "level", "reasons"], "properties": {
    "ticket_id": STR, "vote_id": STR, "level": INT, "scale": INT, "reasons": {"type": "array", "items": STR},
    "via": {"enum": ["tablet", "phone"]}, "counter": NSTR, "created_at": STR}}
_TIMES = {"type": "object", "properties": {"avg": NUM, "p90": NUM}}
FIGURES = {"type": "object", "properties": {
    **{k: INT for k in ("issued", "served", "no_show", "cancelled", "expired", "transferred", "in_progress")},
    "wait_s": {"type": "object", "properties": {"avg": NUM, "p90": NUM, "max": NUM, "over_alert": INT}},
    "service_s": _TIMES, "ratings": {"type": "object", "additionalProperties": INT},
    "satisfaction": {"type": "object", "properties": {"votes": INT, "mean": NUM, "satisfied_share": NUM}}}}
OFFICE_STATS = {"type": "object", "required": ["issued", "served", "no_show", "cancelled", "wait_s", "service_s",
                                               "ratings", "by_service", "by_counter", "by_clerk"],
                "properties": {**FIGURES["properties"], "office": STR, "from": DAY, "to": DAY,
                               **{k: {"type": "object", "additionalProperties": FIGURES}
                                  for k in ("by_service", "by_counter", "by_clerk", "by_hour", "by_day")},
                               "reasons": {"type": "object", "additionalProperties": INT}}}


def stats_paths() -> dict[str, Any]:
    return {
        "/api/tickets/{ticket}/rating": {"post": _op(
            "Đánh giá mức độ hài lòng (máy tính bảng của quầy, hoặc điện thoại của công dân, trong ngày) / rate the "
            "service (the counter's tablet or the citizen's phone, the same day); 200 for a retry of the same vote",
            [TICKET], _resp("Đã ghi nhận / recorded", VOTE), (400, 403, 404, 409, 503), status="201", public=True,
            body=_body({"level": INT, "reasons": {"type": "array", "items": REASON_CODES}, "vote_id": STR},
                       ["level"]))},
        "/api/offices/{office}/stats": {"get": _op(
            "Số liệu của văn phòng (lãnh đạo văn phòng, lãnh đạo tỉnh, admin) / an office's figures", [OFFICE, *RANGE],
            _resp("OK", OFFICE_STATS), (400, 401, 403, 404, 503))},
        "/api/offices/{office}/stats/export": {"get": _op(
            "Tải số liệu hoặc danh sách phiếu (CSV UTF-8, XLSX) / download figures or tickets (CSV, XLSX)",
            [OFFICE, *RANGE, {"name": "what", "in": "query", "schema": {"enum": ["figures", "tickets"]}},
             {"name": "format", "in": "query", "schema": {"enum": ["csv", "xlsx"]}}], _resp("text/csv or xlsx"),
            (400, 401, 403, 404, 503))},
        "/api/provinces/{province}/stats": {"get": _op(
            "Các văn phòng của tỉnh/thành, xếp hạng theo thời gian chờ và mức hài lòng / the province's offices "
            "ranked by wait and satisfaction", [PROVINCE, *RANGE], _resp("OK"), (400, 401, 403, 404, 503))},
        "/api/stats/offices": {"get": _op("Các văn phòng được xem số liệu / offices whose figures the caller sees",
                                          [], _resp("OK"), (401, 403, 503))},
        "/api/stats/rebuild": {"post": _op(
            "Dựng lại số liệu từ luồng sự kiện (admin) / rebuild the figures from the event stream (admins)", [],
            _resp("OK"), STAFF_ERRORS, status="202")},
    }
