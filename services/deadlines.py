"""A command's deadline: the moment after which the one who asked has stopped waiting (the web front told its
client 504). A service drops a command whose deadline has passed, and refuses to commit one that overran, so that
a retry after a timeout can never call or complete someone unseen."""
from __future__ import annotations

import time
from contextvars import ContextVar

from services.messages import ServiceError

MARGIN_S = 0.25          # the service gives up this much before the web front does
DEADLINE: ContextVar[float | None] = ContextVar("motcua_deadline", default=None)


def expired(deadline: float | None) -> bool:
    return deadline is not None and time.time() > deadline


def too_late() -> ServiceError:
    return ServiceError("timeout", "Yêu cầu đã quá thời gian chờ nên không được thực hiện; vui lòng thử lại",
                        "The request ran past its deadline and was not carried out; please try again",
                        {"reason": "deadline"})


def check() -> None:
    """Before committing a change: refuse (and so roll back) once the caller's deadline has passed."""
    if expired(DEADLINE.get()):
        raise too_late()
