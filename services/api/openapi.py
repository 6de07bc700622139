"""OpenAPI 3.1 description of the /api routes, served at /api/openapi.json."""
from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}
_TEXT = {
    400: "Dữ liệu không hợp lệ / malformed request", 401: "Chưa đăng nhập hoặc mã truy cập không hợp lệ / "
    "no or invalid credentials", 403: "Không có quyền / not allowed", 404: "Không tìm thấy / not found",
    409: "Trạng thái không cho phép / illegal transition or conflict", 413: "Nội dung quá lớn / body too large",
    429: "Quá nhiều lần thử; xem Retry-After / too many attempts; see Retry-After",
    503: "Dịch vụ không sẵn sàng / service unavailable",
}


def _resp(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"description": description}
    if schema is not None:
        body["content"] = {"application/json": {"schema": schema}}
    return body


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): _resp(_TEXT[c], _ERROR) for c in codes}


def _path_param(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


def _body(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return {"required": bool(required), "content": {"application/json": {"schema": schema}}}


def _op(summary: str, params: list[dict[str, Any]], ok: dict[str, Any], errors: tuple[int, ...], *,
        body: dict[str, Any] | None = None, public: bool = False, status: str = "200") -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "parameters": params, "responses": {status: ok, **_errors(*errors)}}
    if body is not None:
        op["requestBody"] = body
    if public:
        op["security"] = [{}]
    return op


STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
OFFICE = _path_param("office", "Mã văn phòng / office id")
COUNTER = _path_param("counter", "Mã quầy / counter id")
TICKET = _path_param("ticket", "Mã phiếu (UUID) / ticket id")
USER = _path_param("user", "Mã hoặc tên đăng nhập / user id or name")
DEVICE = _path_param("device", "Mã thiết bị / device id")
TICKET_REF = {"$ref": "#/components/schemas/Ticket"}
TICKET_WRAPPED = {"type": "object", "properties": {"ticket": TICKET_REF}}
STAFF_ERRORS = (400, 401, 403, 404, 409, 413, 503)


def _ticket_paths() -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/api/offices/{office}": {
            "get": _op("Văn phòng, dịch vụ, quầy, đối tượng ưu tiên / office with services, counters, priority "
                       "categories", [OFFICE], _resp("OK"), (404,), public=True),
            "put": _op("Tạo (admin) hoặc cấu hình văn phòng (admin, lãnh đạo văn phòng) / create or configure the "
                       "office", [OFFICE], _resp("OK"), STAFF_ERRORS, body=_body(
                           {"name": STR, "timezone": STR, "settings": {"type": "object"},
                            "services": {"type": "array", "items": {"type": "object"}},
                            "counters": {"type": "array", "items": {"type": "object"}}}, ["name"]))},
        "/api/offices/{office}/configuration": {"get": _op(
            "Toàn bộ cấu hình văn phòng, đúng dạng PUT /api/offices/{office} nhận (lãnh đạo văn phòng, admin) / the "
            "office's whole configuration in the shape PUT /api/offices/{office} takes (its managers, admins)",
            [OFFICE], _resp("OK", {"type": "object", "required": ["name", "timezone", "settings", "services",
                                                                 "counters"]}), (401, 403, 404, 503))},
        "/api/offices/{office}/services": {"get": _op(
            "Danh sách dịch vụ / services of the office", [OFFICE],
            _resp("OK", {"type": "array", "items": {"$ref": "#/components/schemas/Service"}}), (404,), public=True)},
        "/api/offices/{office}/tickets": {"post": _op(
            "Lấy số (kiosk hoặc cán bộ của văn phòng) / issue a ticket (the office's kiosk or staff)",
            [OFFICE, {"name": "Idempotency-Key", "in": "header", "required": False, "schema": STR,
                      "description": "Gửi lại cùng khóa sẽ nhận lại cùng phiếu / a retry with the same key returns "
                                     "the same ticket"}],
            _resp("Phiếu mới / the ticket", TICKET_REF), (*STAFF_ERRORS, 429), status="201",
            body=_body({"service": STR, "priority": NSTR, "procedure": NSTR, "citizen_id": NSTR}, ["service"]))},
        "/api/offices/{office}/queue": {"get": _op(
            "Hàng chờ: cán bộ xem chi tiết, người khác chỉ xem số và số lượng / the queue: staff see the detail, "
            "anyone else numbers and counts", [OFFICE], _resp("OK"), (404,), public=True)},
        "/api/offices/{office}/counters/{counter}/next": {"post": _op(
            "Gọi số tiếp theo / call the next ticket", [OFFICE, COUNTER], _resp("Phiếu được gọi / called", TICKET_WRAPPED),
            STAFF_ERRORS, body=_body({"complete": {"type": "string", "description": "id of the ticket this "
                                                                                       "counter is serving, to "
                                                                                       "complete it first"}}))},
        "/api/offices/{office}/counters/{counter}/call": {"post": _op(
            "Gọi một phiếu chọn trước / call a chosen ticket", [OFFICE, COUNTER], _resp("OK", TICKET_WRAPPED),
            STAFF_ERRORS, body=_body({"ticket_id": STR, "number": STR}))},
        "/api/offices/{office}/counters/{counter}/pause": {"post": _op(
            "Tạm dừng quầy / pause the counter", [OFFICE, COUNTER], _resp("OK"), STAFF_ERRORS)},
        "/api/offices/{office}/counters/{counter}/resume": {"post": _op(
            "Mở lại quầy / resume the counter", [OFFICE, COUNTER], _resp("OK"), STAFF_ERRORS)},
        "/api/tickets/{ticket}": {"get": _op(
            "Trạng thái và vị trí của phiếu (mã phiếu là chìa khóa của công dân) / a ticket's status and position "
            "(its id is the citizen's key)", [TICKET], _resp("OK", TICKET_REF), (404,), public=True)},
        "/api/tickets/{ticket}/cancel": {"post": _op(
            "Rời hàng chờ (công dân có mã phiếu) hoặc hủy (cán bộ) / leave the queue (the citizen, with the id) or "
            "cancel (staff)", [TICKET], _resp("OK", TICKET_WRAPPED), (400, 403, 404, 409, 503), public=True)},
        "/api/tickets/{ticket}/transfer": {"post": _op(
            "Chuyển sang dịch vụ hoặc quầy khác, giữ nguyên số / transfer, keeping the number", [TICKET],
            _resp("OK", TICKET_WRAPPED), STAFF_ERRORS, body=_body({"service": STR, "counter": STR,
                                                                  "from_counter": STR, "version": {"type": "integer"}}))},
    }
    for action, summary in (("recall", "Gọi lại / recall"), ("skip", "Vắng mặt / skip (no-show)"),
                            ("start", "Bắt đầu phục vụ / start serving"), ("complete", "Hoàn thành / complete"),
                            ("return", "Quay lại hàng chờ trong thời gian cho phép / return within the grace "
                                       "period")):
        paths[f"/api/tickets/{{ticket}}/{action}"] = {"post": _op(
            summary, [TICKET], _resp("Phiếu sau thao tác / the ticket after the action", TICKET_WRAPPED), STAFF_ERRORS,
            body=_body({"counter": STR, "version": {"type": "integer"}}))}
    return paths


def _account_paths() -> dict[str, Any]:
    user_body = _body({"username": STR, "password": STR, "role": {"enum": ["admin", "manager", "clerk"]},
                       "office": NSTR, "counter": NSTR, "display_name": STR,
                       "province": {"type": ["string", "null"], "description": "lãnh đạo tỉnh/thành (admin) / a "
                                                                               "province manager (admins)"}},
                      ["username", "password", "role"])
    return {
        "/api/auth/login": {"post": _op(
            "Đăng nhập cán bộ / staff login ({\"session\": \"cookie\"} also sets the browser's HttpOnly cookie)", [],
            _resp("OK", {"type": "object", "required": ["token", "role", "office", "expires_at"], "properties": {
                "token": STR, "role": STR, "office": NSTR, "province": NSTR, "expires_at": STR, "csrf": STR}}),
            (400, 401, 413, 429, 503), public=True,
            body=_body({"username": STR, "password": STR, "session": {"enum": ["cookie"]}}, ["username", "password"]))},
        "/api/auth/logout": {"post": _op("Đăng xuất / end this session", [], _resp("OK"), (400, 503), public=True)},
        "/api/auth/me": {"get": _op("Tài khoản hoặc thiết bị đang dùng / who am I", [], _resp("OK"), (401, 503))},
        "/api/users": {
            "post": _op("Tạo tài khoản (admin; lãnh đạo: cán bộ của văn phòng mình) / create an account (admins; "
                        "managers: clerks of their office)", [], _resp("OK"), STAFF_ERRORS,
                        body=user_body, status="201"),
            "get": _op("Danh sách tài khoản / list accounts", [{"name": "office", "in": "query", "schema": STR}],
                       _resp("OK"), (401, 403, 503))},
        "/api/users/{user}/disable": {"post": _op("Khoá tài khoản / disable an account", [USER], _resp("OK"),
                                                  STAFF_ERRORS)},
        "/api/users/{user}/enable": {"post": _op("Mở khoá tài khoản / enable an account", [USER], _resp("OK"),
                                                 STAFF_ERRORS)},
        "/api/users/{user}/password": {"put": _op(
            "Đặt mật khẩu (admin, lãnh đạo) hoặc đổi mật khẩu của mình / set or change a password", [USER],
            _resp("OK"), STAFF_ERRORS, body=_body({"password": STR, "old_password": STR}, ["password"]))},
        "/api/devices": {
            "post": _op("Đăng ký thiết bị (admin, lãnh đạo văn phòng) / enrol a device (admins, the office's "
                        "managers)", [], _resp("OK", {
                "type": "object", "required": ["id", "token"], "properties": {"id": STR, "token": STR, "link": STR}}),
                STAFF_ERRORS, status="201", body=_body({"office": STR, "kind": {"enum": ["kiosk", "display", "tablet"]},
                                                        "name": STR, "counter": NSTR}, ["office", "kind", "name"])),
            "get": _op("Danh sách thiết bị / list devices", [{"name": "office", "in": "query", "schema": STR}],
                       _resp("OK"), (401, 403, 503))},
        "/api/devices/{device}": {"delete": _op("Thu hồi thiết bị / revoke a device", [DEVICE], _resp("OK"),
                                                (401, 403, 404, 503))},
    }


def _payment_paths() -> dict[str, Any]:
    from services.api.payment_openapi import payment_paths   # that module builds on the helpers above
    return payment_paths()


def openapi_document() -> dict[str, Any]:
    from services.api.identity_openapi import identity_paths   # it builds on the helpers above
    from services.api.stats_openapi import stats_paths

    return {
        "openapi": "3.1.0",
        "info": {"title": "motcua API", "version": "0.2.0",
                 "description": "Hệ thống xếp hàng Một cửa / one-stop office queue system. Staff and devices send "
                                "`Authorization: Bearer <token>`; the browser screens use an HttpOnly session cookie "
                                "whose changes carry X-CSRF-Token."},
        "security": [{"bearer": []}, {"session": []}],
        "paths": {**_ticket_paths(), **_account_paths(), **identity_paths(), **_payment_paths(), **stats_paths()},
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "Staff login or enrolled device token"},
                "session": {"type": "apiKey", "in": "cookie", "name": "motcua_session"},
            },
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                    "code": STR, "message": STR, "message_en": STR, "details": {"type": "object"}}}}},
                "Service": {"type": "object", "required": ["code", "name"], "properties": {
                    "code": STR, "name": STR, "name_en": STR, "field": STR}},
                "Ticket": {"type": "object", "required": ["id", "number", "service", "status"], "properties": {
                    "id": {"type": "string", "format": "uuid"}, "number": STR, "service": STR, "priority": NSTR,
                    "status": {"enum": ["waiting", "called", "serving", "done", "no_show", "cancelled"]},
                    "counter": NSTR, "waiting_ahead": {"type": "integer"}, "estimated_wait_s": {"type": "integer"}}},
            },
        },
    }
