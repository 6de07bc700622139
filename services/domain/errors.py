"""Domain errors: each carries a stable code and a message in Vietnamese first, English second."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule was broken. `code` crosses the bus; the messages reach people; `details` carries
    machine-readable extras (e.g. how long to wait before retrying)."""

    code = "invalid"

    def __init__(self, message_vi: str, message_en: str, **details: Any) -> None:
        super().__init__(f"{message_vi} / {message_en}")
        self.message_vi = message_vi
        self.message_en = message_en
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message_vi, "message_en": self.message_en}
        if self.details:
            body["details"] = self.details
        return body


class InvalidInput(DomainError):
    code = "invalid"


class NotFound(DomainError):
    code = "not_found"


class NobodyWaiting(DomainError):
    code = "nobody_waiting"


class IllegalTransition(DomainError):
    code = "illegal_transition"


class Conflict(DomainError):
    code = "conflict"


class Unauthenticated(DomainError):
    """No credentials, or credentials that are unknown, expired or revoked (HTTP 401)."""

    code = "unauthenticated"


class Forbidden(DomainError):
    """Known caller without the right to do this here (HTTP 403)."""

    code = "forbidden"


class TooManyAttempts(DomainError):
    """Locked out for a while after repeated failures, or over a rate limit (HTTP 429).
    `details["retry_after_s"]` says when to try again."""

    code = "too_many_attempts"
