"""Reading request bodies: size limits, JSON objects, typed fields, and text PostgreSQL and NATS can carry."""
from __future__ import annotations

import asyncio
import json
from typing import Any, Callable, TypeVar

from aiohttp import web

from services.domain.errors import DomainError, InvalidInput

MAX_BODY = 1024 * 1024          # 1 MiB for every JSON body; a route may declare its own with @max_body
BODY_TIMEOUT_S = 30.0
H = TypeVar("H", bound=Callable[..., Any])


class BadBody(InvalidInput):
    """A body that is not what the route takes (HTTP 400)."""


class BodyTooLarge(DomainError):
    code = "payload_too_large"


class BodyTooSlow(DomainError):
    code = "request_timeout"


def max_body(limit: int) -> Callable[[H], H]:
    """Declare a route's own body limit (e.g. camera frames)."""
    def mark(handler: H) -> H:
        handler.__max_body__ = limit  # type: ignore[attr-defined]
        return handler
    return mark


def body_limit(request: web.Request) -> int:
    return getattr(request.match_info.handler, "__max_body__", MAX_BODY)


def _too_large(limit: int) -> BodyTooLarge:
    mib = limit / (1024 * 1024)
    return BodyTooLarge(f"Nội dung gửi lên quá lớn (tối đa {mib:g} MiB)",
                        f"The request body is too large (at most {mib:g} MiB)", limit_bytes=limit)


async def read_bytes(request: web.Request, limit: int | None = None) -> bytes:
    """The raw body, refused with 413 beyond the route's limit (checked before reading when the size is known)."""
    limit = limit or body_limit(request)
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(limit)
    chunks, size = [], 0
    try:
        async with asyncio.timeout(BODY_TIMEOUT_S):            # a body sent a byte at a time holds nothing for long
            while chunk := await request.content.read(256 * 1024):   # what has arrived, up to that much; b"" at the end
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                chunks.append(chunk)
    except TimeoutError as exc:
        raise BodyTooSlow(f"Nội dung gửi lên quá chậm (quá {BODY_TIMEOUT_S:g} giây)",
                          f"The request body arrived too slowly (over {BODY_TIMEOUT_S:g} s)") from exc
    return b"".join(chunks)


def check_text(value: Any, where: str = "") -> None:
    """Refuse NUL characters (PostgreSQL text cannot hold them) and lone surrogates anywhere in `value`."""
    if isinstance(value, str):
        if "\x00" in value:
            raise BadBody(f"Dữ liệu chứa ký tự NUL không hợp lệ{where}", f"The data contains a NUL character{where}")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise BadBody(f"Dữ liệu chứa ký tự Unicode không hợp lệ{where}",
                          f"The data contains an invalid Unicode character{where}") from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, where)
            check_text(item, f" ('{key}')" if isinstance(key, str) and key.isprintable() else where)
    elif isinstance(value, list):
        for item in value:
            check_text(item, where)


async def read_json(request: web.Request) -> dict[str, Any]:
    """The JSON object sent, {} for an empty body; BadBody for anything else."""
    raw = await read_bytes(request)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BadBody(f"Nội dung không phải JSON UTF-8 hợp lệ: {exc}", f"Body is not valid UTF-8 JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BadBody("Nội dung phải là một đối tượng JSON", "Body must be a JSON object")
    check_text(data)
    return data


def field(body: dict[str, Any], name: str, kind: type | tuple[type, ...], *, required: bool = False) -> Any:
    value = body.get(name)
    if value is None:
        if required:
            raise BadBody(f"Thiếu trường '{name}'", f"Missing field '{name}'", field=name)
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise BadBody(f"Trường '{name}' sai kiểu dữ liệu", f"Field '{name}' has the wrong type", field=name)
    return value
