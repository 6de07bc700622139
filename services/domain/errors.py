"""Domain errors: each carries a stable code and a message in Vietnamese first, English second."""
from __future__ import annotations


class DomainError(Exception):
    """A rule was broken. `code` crosses the bus; the messages reach people."""

    code = "invalid"

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(f"{message_vi} / {message_en}")
        self.message_vi = message_vi
        self.message_en = message_en

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message_vi, "message_en": self.message_en}


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
