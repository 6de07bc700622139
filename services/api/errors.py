"""Turning bus errors into HTTP answers a person can act on."""
from __future__ import annotations

import json

from aiohttp import web

from services.messages import ServiceError

HTTP_STATUS = {
    "invalid": 400,
    "not_found": 404,
    "nobody_waiting": 404,
    "illegal_transition": 409,
    "conflict": 409,
    "unavailable": 503,
    "timeout": 504,
}


def error_response(code: str, message: str, message_en: str, status: int | None = None) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": message, "message_en": message_en}},
        status=status or HTTP_STATUS.get(code, 500),
        dumps=_dumps,
    )


def from_service_error(exc: ServiceError) -> web.Response:
    return error_response(exc.code, exc.message, exc.message_en)


def bad_request(message: str, message_en: str) -> web.Response:
    return error_response("invalid", message, message_en, 400)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


@web.middleware
async def json_errors(request: web.Request, handler):  # type: ignore[no-untyped-def]
    """Every error under /api is JSON in Vietnamese and English, never a stack trace."""
    try:
        return await handler(request)
    except ServiceError as exc:
        return from_service_error(exc)
    except web.HTTPException as exc:
        if not request.path.startswith("/api") or exc.status < 400:
            raise
        if exc.status == 404:
            return error_response("not_found", "Không có địa chỉ này", "No such address", 404)
        if exc.status == 405:
            return error_response("method_not_allowed", "Phương thức không được hỗ trợ",
                                  "Method not allowed", 405)
        return error_response("http_error", exc.reason, exc.reason, exc.status)
