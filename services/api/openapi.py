"""OpenAPI 3.1 description of the /api routes, served at /api/openapi.json."""
from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}


def _resp(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"description": description}
    if schema is not None:
        body["content"] = {"application/json": {"schema": schema}}
    return body


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "Dữ liệu không hợp lệ / malformed request", 404: "Không tìm thấy / not found",
            409: "Trạng thái không cho phép / illegal transition or conflict",
            503: "Dịch vụ không sẵn sàng / service unavailable"}
    return {str(c): _resp(text[c], _ERROR) for c in codes}


def _path_param(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


OFFICE = _path_param("office", "Mã văn phòng / office id")
COUNTER = _path_param("counter", "Mã quầy / counter id")
TICKET = _path_param("ticket", "Mã phiếu (UUID) / ticket id")
TICKET_REF = {"$ref": "#/components/schemas/Ticket"}
TICKET_WRAPPED = {"type": "object", "properties": {"ticket": TICKET_REF}}


def _ticket_action(summary: str) -> dict[str, Any]:
    return {"post": {"summary": summary, "parameters": [TICKET],
                     "responses": {"200": _resp("Phiếu sau thao tác / the ticket after the action", TICKET_WRAPPED),
                                   **_errors(400, 404, 409, 503)}}}


def openapi_document() -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/api/offices/{office}": {"get": {
            "summary": "Văn phòng, dịch vụ, quầy, đối tượng ưu tiên / office with services, counters, priority categories",
            "parameters": [OFFICE], "responses": {"200": _resp("OK"), **_errors(404)}}},
        "/api/offices/{office}/services": {"get": {
            "summary": "Danh sách dịch vụ / services of the office", "parameters": [OFFICE],
            "responses": {"200": _resp("OK", {"type": "array", "items": {"$ref": "#/components/schemas/Service"}}),
                          **_errors(404)}}},
        "/api/offices/{office}/tickets": {"post": {
            "summary": "Lấy số / issue a ticket", "parameters": [OFFICE, {
                "name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"},
                "description": "Gửi lại cùng khóa sẽ nhận lại cùng phiếu / a retry with the same key returns the same ticket"}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["service"],
                "properties": {"service": {"type": "string"}, "priority": {"type": ["string", "null"]}}}}}},
            "responses": {"201": _resp("Phiếu mới / the ticket", TICKET_REF), **_errors(400, 404, 409, 503)}}},
        "/api/offices/{office}/queue": {"get": {
            "summary": "Hàng chờ theo dịch vụ và số đang phục vụ ở mỗi quầy / queue per service and each counter's ticket",
            "parameters": [OFFICE], "responses": {"200": _resp("OK"), **_errors(404)}}},
        "/api/offices/{office}/counters/{counter}/next": {"post": {
            "summary": "Gọi số tiếp theo / call the next ticket", "parameters": [OFFICE, COUNTER],
            "requestBody": {"required": False, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"complete_current": {"type": "boolean"}}}}}},
            "responses": {"200": _resp("Phiếu được gọi / the called ticket", TICKET_WRAPPED),
                          **_errors(400, 404, 409, 503)}}},
        "/api/offices/{office}/counters/{counter}/call": {"post": {
            "summary": "Gọi một phiếu chọn trước / call a chosen ticket", "parameters": [OFFICE, COUNTER],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"ticket_id": {"type": "string"}, "number": {"type": "string"}}}}}},
            "responses": {"200": _resp("OK", TICKET_WRAPPED), **_errors(400, 404, 409, 503)}}},
        "/api/offices/{office}/counters/{counter}/pause": {"post": {
            "summary": "Tạm dừng quầy / pause the counter", "parameters": [OFFICE, COUNTER],
            "responses": {"200": _resp("OK"), **_errors(404)}}},
        "/api/offices/{office}/counters/{counter}/resume": {"post": {
            "summary": "Mở lại quầy / resume the counter", "parameters": [OFFICE, COUNTER],
            "responses": {"200": _resp("OK"), **_errors(404)}}},
        "/api/tickets/{ticket}": {"get": {
            "summary": "Trạng thái và vị trí của phiếu / a ticket's status and position", "parameters": [TICKET],
            "responses": {"200": _resp("OK", TICKET_REF), **_errors(404)}}},
        "/api/tickets/{ticket}/transfer": {"post": {
            "summary": "Chuyển sang dịch vụ hoặc quầy khác, giữ nguyên số / transfer, keeping the number",
            "parameters": [TICKET],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"service": {"type": "string"}, "counter": {"type": "string"}}}}}},
            "responses": {"200": _resp("OK", TICKET_WRAPPED), **_errors(400, 404, 409, 503)}}},
    }
    for action, summary in (("recall", "Gọi lại / recall"), ("skip", "Vắng mặt / skip (no-show)"),
                            ("start", "Bắt đầu phục vụ / start serving"), ("complete", "Hoàn thành / complete"),
                            ("cancel", "Hủy / cancel"), ("return", "Quay lại hàng chờ trong thời gian cho phép / "
                                                                   "return within the grace period")):
        paths[f"/api/tickets/{{ticket}}/{action}"] = _ticket_action(summary)
    return {
        "openapi": "3.1.0",
        "info": {"title": "motcua API", "version": "0.1.0",
                 "description": "Hệ thống xếp hàng Một cửa / one-stop office queue system"},
        "paths": paths,
        "components": {"schemas": {
            "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                "code": {"type": "string"}, "message": {"type": "string"}, "message_en": {"type": "string"}}}}},
            "Service": {"type": "object", "required": ["code", "name"], "properties": {
                "code": {"type": "string"}, "name": {"type": "string"}, "name_en": {"type": "string"},
                "field": {"type": "string"}}},
            "Ticket": {"type": "object", "required": ["id", "number", "service", "status"], "properties": {
                "id": {"type": "string", "format": "uuid"}, "number": {"type": "string"},
                "service": {"type": "string"}, "priority": {"type": ["string", "null"]},
                "status": {"enum": ["waiting", "called", "serving", "done", "no_show", "cancelled"]},
                "counter": {"type": ["string", "null"]}, "waiting_ahead": {"type": "integer"},
                "estimated_wait_s": {"type": "integer"}}},
        }},
    }
