"""OpenAPI description of the identity routes (services.api.identity), merged into /api/openapi.json."""
from __future__ import annotations

from typing import Any

from services.api.openapi import NSTR, OFFICE, STR, _body, _errors, _op, _path_param, _resp

CITIZEN = _path_param("citizen_id", "Mã công dân (UUID) / citizen id")
DATE = {"type": "string", "format": "date"}
CARD = {"type": "object", "required": ["id_number", "name", "birth_date", "sex", "address", "issue_date"],
        "properties": {"id_number": STR, "old_id_number": NSTR, "name": STR, "birth_date": DATE,
                       "sex": {"enum": ["Nam", "Nữ"]}, "address": STR, "issue_date": DATE}}
ENROLLED = {"type": "object", "required": ["citizen_id", "id_number", "name", "face_enrolled"], "properties": {
    "citizen_id": STR, "id_number": STR, "name": STR, "face_enrolled": {"type": "boolean"},
    "created": {"type": "boolean"}}}
IDENTIFIED = {"type": "object", "required": ["match"], "properties": {
    "match": {"oneOf": [{"type": "null"}, {"type": "object", "properties": {
        "citizen_id": STR, "id_number": STR, "name": STR, "distance": {"type": "number"}}}]},
    "reason": {"enum": ["no_face", "several_faces", "no_match", "ambiguous"]}, "message": STR, "message_en": STR}}
ERRORS = (400, 401, 403, 413, 503)


def identity_paths() -> dict[str, Any]:
    return {
        "/api/identity/cccd": {"post": _op(
            "Đọc mã QR của thẻ căn cước (kiosk, cán bộ) / read an ID card's QR text (kiosk, staff); 400 gives "
            "details.reason", [], _resp("OK", CARD), ERRORS, body=_body({"qr": STR}, ["qr"]))},
        "/api/citizens": {"post": _op(
            "Ghi nhận công dân từ thẻ; chỉ lưu khuôn mặt khi công dân đồng ý (201 mới, 200 cập nhật) / enrol a "
            "citizen from the card; the face is kept only with consent (201 new, 200 updated)", [],
            _resp("OK", ENROLLED), (*ERRORS, 404), status="201", body=_body({
                "cccd": STR, "consent": {"type": "boolean"}, "office": NSTR,
                "photo": {"type": "string", "description": "ảnh JPEG/PNG base64, tối đa 5 MiB / base64 JPEG or PNG, "
                                                           "at most 5 MiB"}}, ["cccd"]))},
        "/api/citizens/{citizen_id}": {"get": _op(
            "Thông tin thẻ của công dân cho quầy (được ghi nhật ký) / the citizen's card data for the counter "
            "(audited)", [CITIZEN], _resp("OK", CARD), (401, 403, 404, 503))},
        "/api/citizens/{citizen_id}/face": {"delete": _op(
            "Rút lại đồng ý và xoá dữ liệu khuôn mặt / withdraw consent and erase the face encoding", [CITIZEN],
            _resp("OK"), (401, 403, 404, 503))},
        "/api/citizens/{citizen_id}/audit": {"get": _op(
            "Nhật ký sử dụng dữ liệu của công dân (quản trị) / the log of uses of the citizen's data (admin)",
            [CITIZEN], _resp("OK"), (401, 403, 404, 503))},
        "/api/offices/{office}/identify": {"post": {
            **_op("Nhận diện khuôn mặt từ khung hình camera / identify the face in a camera frame", [OFFICE],
                  _resp("OK", IDENTIFIED), ERRORS),
            "requestBody": {"required": True, "content": {
                t: {"schema": {"type": "string", "format": "binary", "maxLength": 5 * 1024 * 1024}}
                for t in ("image/jpeg", "image/png")}},
            "responses": {"200": _resp("OK", IDENTIFIED), **_errors(*ERRORS),
                          "415": _resp("Chỉ nhận image/jpeg hoặc image/png / image/jpeg or image/png only",
                                       {"$ref": "#/components/schemas/Error"})}}},
    }
