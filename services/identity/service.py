"""The identity service: answers motcua.cmd.identity.*; keeps one in-memory face index per process, loaded from
PostgreSQL at start and kept current from the citizens' events on the stream, so that replicas agree."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import AsyncIterator

import asyncpg

from services import messages as m
from services.bus import Bus
from services.config import Settings

from .face_engine import NO_KEY, FaceEngine
from .face_models import diagnose
from .face_pool import FacePool
from .handlers import Identity
from .live_index import LiveIndex
from .sealing import FaceSealer

log = logging.getLogger(__name__)


def face_problem(settings: Settings, *, probe: bool) -> tuple[str, str] | None:
    """Why faces cannot be used here (no key, no models), or None. With `probe`, a child process also imports
    face_recognition (about 1.5 s): `motcua up` does, so a broken install is told at start."""
    if not settings.identity_keys():
        return NO_KEY
    return diagnose(probe=probe)


@contextlib.asynccontextmanager
async def run_identity(bus: Bus, pool: asyncpg.Pool, settings: Settings, *, probe: bool = False,
                       warm_up: bool = False) -> AsyncIterator[Identity]:
    """Serve the identity commands. Without a key or face models, face commands answer 503 with the reason;
    ID cards, citizen records and erasure still work. `warm_up` loads the models in the workers at start rather
    than on the first citizen's photo."""
    problem = await asyncio.to_thread(face_problem, settings, probe=probe)
    subscriptions: list = []
    tasks: list[asyncio.Task[None]] = []
    face_pool: FacePool | None = None
    try:
        if problem is None:
            sealer = FaceSealer(settings.identity_keys())
            live = LiveIndex(pool, sealer)
            await bus.ensure_stream()
            # Subscribed before loading: a change committed meanwhile is synced after the load (see LiveIndex).
            subscriptions.append(await bus.subscribe_events(m.CITIZEN_EVENTS, live.on_event))
            await live.load()
            face_pool = FacePool(settings.face_workers or None)
            engine = FaceEngine(face_pool, sealer, live)
            tasks.append(asyncio.create_task(live.retry_forever(), name="identity-retry"))
            if warm_up:
                tasks.append(asyncio.create_task(_warm_up(face_pool), name="identity-warm-up"))
        else:
            log.warning("identity: face recognition is off: %s / %s", *problem)
            engine = FaceEngine.unavailable(*problem)
        identity = Identity(pool, bus.prefix, engine)
        subscriptions += await bus.serve_commands("identity", identity.execute)
        log.info("identity service ready (faces: %s)", "on" if engine.available else "off")
        yield identity
    finally:
        for sub in subscriptions:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if face_pool is not None:
            await asyncio.to_thread(face_pool.close)


async def _warm_up(face_pool: FacePool) -> None:
    try:
        await asyncio.to_thread(face_pool.warm_up)
        log.info("identity: face workers ready")
    except Exception:  # noqa: BLE001 - the first request will report the problem to the person
        log.warning("identity: warming up the face workers failed", exc_info=True)


def stop_worker_helpers() -> None:
    """multiprocessing's forkserver and resource tracker outlive the face workers (they end only once this process
    has gone). At the end of `motcua up` or `motcua serve identity`, stop them now, so that nothing started by the
    command is still running when it returns (CPython's own tests stop them the same way)."""
    from multiprocessing import forkserver, resource_tracker

    for helper in (getattr(forkserver, "_forkserver", None), getattr(resource_tracker, "_resource_tracker", None)):
        stop = getattr(helper, "_stop", None)
        if stop is not None:
            try:
                stop()
            except (OSError, ChildProcessError):
                log.debug("could not stop a multiprocessing helper", exc_info=True)
