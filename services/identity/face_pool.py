"""Face encoding in worker processes, so the event loop never waits on dlib (about 0.1-0.5 s a frame).

Each worker imports face_recognition once (the initializer), lowers its CPU priority with os.nice so
the queue, screens and database stay responsive, and runs load_image + encode_faces on raw bytes.
Results (FaceResult) and errors (ImageError, FaceModelsUnavailable) are picklable and come back as
they are. Workers start through ``forkserver`` on Linux (``spawn`` elsewhere): forking a process
that already runs an event loop and threads is unsafe.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType

from services.domain.errors import DomainError

from .face_models import FaceModelsUnavailable, import_face_recognition
from .faces import FaceResult, encode_image_bytes
from .images import DEFAULT_MAX_PIXELS, ImageError

DEFAULT_NICE = 10
_worker_problem: FaceModelsUnavailable | None = None


class FaceEngineFailed(DomainError):
    """A worker died (out of memory, a crash in dlib); the pool has been restarted."""

    code = "face_engine_failed"

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.message_vi, self.message_en))


def default_workers() -> int:
    """All CPUs this process may use but one, and at least one."""
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, available - 1)


def _start_worker(nice: int) -> None:
    global _worker_problem
    if nice:
        try:
            os.nice(nice)
        except OSError:
            pass  # not permitted here: run at normal priority
    try:
        import_face_recognition()
    except FaceModelsUnavailable as exc:
        _worker_problem = exc  # reported per task: a raising initializer would break the whole pool


def _encode(data: bytes, max_pixels: int) -> FaceResult:
    if _worker_problem is not None:
        raise _worker_problem
    return encode_image_bytes(data, max_pixels=max_pixels)


def _as_bytes(data: object) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise ImageError.of("not_bytes")


def _worker_priority() -> int:
    return os.nice(0)


class FacePool:
    """A process pool for face encoding. Use as a (async) context manager, or call close()."""

    def __init__(self, workers: int | None = None, *, nice: int = DEFAULT_NICE,
                 max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
        self.workers = workers or default_workers()
        self.nice = nice
        self.max_pixels = max_pixels
        method = "forkserver" if sys.platform.startswith("linux") else "spawn"
        self._context = multiprocessing.get_context(method)
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=self._context,
                                   initializer=_start_worker, initargs=(self.nice,))

    def warm_up(self) -> None:
        """Start the workers and load the models now, not on the first citizen's photo."""
        for future in [self._executor.submit(_worker_priority) for _ in range(self.workers)]:
            future.result(timeout=120)

    def submit(self, data: bytes) -> Future[FaceResult]:
        """Encode `data` in a worker (for code without an event loop)."""
        return self._executor.submit(_encode, _as_bytes(data), self.max_pixels)

    async def encode(self, data: bytes) -> FaceResult:
        """Encode `data` in a worker. Raises ImageError, FaceModelsUnavailable or FaceEngineFailed."""
        loop = asyncio.get_running_loop()
        executor = self._executor
        try:
            return await loop.run_in_executor(executor, _encode, _as_bytes(data), self.max_pixels)
        except BrokenProcessPool as exc:
            if executor is self._executor:  # first to notice: replace it for the next callers
                executor.shutdown(wait=False, cancel_futures=True)
                self._executor = self._new_executor()
            raise FaceEngineFailed("Bộ nhận diện khuôn mặt vừa gặp lỗi và đã khởi động lại. Hãy thử lại.",
                                   "The face engine failed and was restarted. Please try again.") from exc

    def worker_priority(self) -> int:
        """The niceness a worker runs at (for tests and diagnostics)."""
        return self._executor.submit(_worker_priority).result(timeout=120)

    def close(self, *, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait, cancel_futures=True)

    def __enter__(self) -> FacePool:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    async def __aenter__(self) -> FacePool:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.close)
