"""Give memory back to the system after many live streams have closed.

CPython frees a closed stream's objects at once, but glibc keeps the freed pages in its arenas for reuse, so the
process's resident size stays at its peak after a crowd of phones has gone home. After a wave of closes (or when an
office's feed is released) the trimmer collects cycles and asks glibc to return free pages (`malloc_trim`), at most
once per TRIM_EVERY_S and never in the middle of the wave."""
from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
from typing import Callable

log = logging.getLogger(__name__)

CLOSES_BEFORE_TRIM = 100   # a handful of phones leaving is not worth a trim
QUIET_S = 5.0              # wait until the wave of closes has passed
TRIM_EVERY_S = 30.0


def _load_malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return libc.malloc_trim if libc is not None else None   # glibc only; musl and others have none
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _load_malloc_trim()


def give_back() -> None:
    """Collect garbage and return free heap pages to the operating system where the C library allows it."""
    gc.collect()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


class Trimmer:
    def __init__(self) -> None:
        self._closed = 0
        self._timer: asyncio.TimerHandle | None = None
        self._last = float("-inf")

    def closed(self, count: int = 1) -> None:
        """`count` streams closed; trims once the wave is over when enough of them did."""
        self._closed += count
        if self._closed >= CLOSES_BEFORE_TRIM:
            self.soon()

    def soon(self) -> None:
        """Trim after QUIET_S without another request (each call pushes it back)."""
        loop = asyncio.get_running_loop()
        if self._timer is not None:
            self._timer.cancel()
        delay = max(QUIET_S, self._last + TRIM_EVERY_S - loop.time())
        self._timer = loop.call_later(delay, self._trim)

    def _trim(self) -> None:
        self._timer = None
        self._closed = 0
        self._last = asyncio.get_running_loop().time()
        give_back()
        log.debug("returned free memory to the system after streams closed")

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
