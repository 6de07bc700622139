"""Every JSON answer of the HTTP edge, and every error body: `{"error": {"code", "message", "message_en"}}`,
Vietnamese first, never a stack trace. The one place that builds them."""
from __future__ import annotations

import json
import logging
import math
from typing import Any

from aiohttp import web

from services.api.context import PRINCIPAL
from services.domain.errors import DomainError
from services.messages import ServiceError

log = logging.getLogger(__name__)

HTTP_STATUS = {
    "invalid": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "nobody_waiting": 404,
    "method_not_allowed": 405,
    "request_timeout": 408,
    "illegal_transition": 409,
    "conflict": 409,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "too_many_attempts": 429,
    "unavailable": 503,
    "timeout": 504,
}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(data, status=status, headers=headers, dumps=dumps)


def error_body(code: str, message: str, message_en: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "message_en": message_en}
    if details:
        error["details"] = details
    return {"error": error}


def error_response(code: str, message: str, message_en: str, status: int | None = None, *,
                   details: dict[str, Any] | None = None, **extra: Any) -> web.Response:
    """An error as JSON; `extra` keys go beside "error" (e.g. what was done before the refusal)."""
    headers = {}
    retry = (details or {}).get("retry_after_s")
    if isinstance(retry, (int, float)) and retry > 0:
        headers["Retry-After"] = str(math.ceil(retry))
    return json_response({**error_body(code, message, message_en, details), **extra},
                         status=status or HTTP_STATUS.get(code, 500), headers=headers)


def from_service_error(exc: ServiceError) -> web.Response:
    return error_response(exc.code, exc.message, exc.message_en, details=exc.details)


def from_domain_error(exc: DomainError) -> web.Response:
    return error_response(exc.code, exc.message_vi, exc.message_en, details=exc.details)


def _log_refusal(request: web.Request, code: str, why: str) -> None:
    """Every refused change is logged with who asked and why (reads that find nothing are not)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    principal = request.get(PRINCIPAL)
    who = principal.actor.describe() if principal is not None else "anonymous"  # type: ignore[attr-defined]
    log.info("refused %s %s for %s from %s: [%s] %s", request.method, request.path, who, request.remote, code, why)


def bad_request(message: str, message_en: str) -> web.Response:
    return error_response("invalid", message, message_en, 400)


@web.middleware
async def json_errors(request: web.Request, handler):  # type: ignore[no-untyped-def]
    """Errors under /api (and of any JSON endpoint) become JSON in Vietnamese and English."""
    try:
        return await handler(request)
    except ServiceError as exc:
        _log_refusal(request, exc.code, exc.message_en)
        return from_service_error(exc)
    except DomainError as exc:
        _log_refusal(request, exc.code, exc.message_en)
        return from_domain_error(exc)
    except web.HTTPException as exc:
        if not request.path.startswith("/api") or exc.status < 400 or exc.content_type == "text/html":
            raise
        if exc.status == 404:
            return error_response("not_found", "Không có địa chỉ này", "No such address", 404)
        if exc.status == 405:
            return error_response("method_not_allowed", "Phương thức không được hỗ trợ", "Method not allowed", 405)
        if exc.status == 413:
            return error_response("payload_too_large", "Nội dung gửi lên quá lớn", "The request body is too large", 413)
        return error_response("http_error", exc.reason, exc.reason, exc.status)
