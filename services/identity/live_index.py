"""The process's face index: loaded from PostgreSQL at start, then kept equal to it, citizen by citizen.

Every change goes through `sync(citizen_id)`, which reads that citizen's sealed face *now* and puts it in or takes it
out. So the order in which a process hears of changes does not matter: its own enrolments and erasures (synced as
soon as they commit) and the `citizen.face_*` events of other replicas (synced when they arrive) all converge on
what the database holds. A lock keeps the loader and the syncs from interleaving: a sync waiting during the load
runs after it and reads the newer state. Matching itself is synchronous and takes no lock.
"""
from __future__ import annotations

import asyncio
import logging
import time

import asyncpg
import numpy as np

from services import messages as m
from services.store.db import DATABASE_DOWN

from . import store
from .face_index import FaceIndex, Match, NoMatch
from .sealing import FaceSealer, Sealed, SealError

log = logging.getLogger(__name__)

FACE_EVENTS = ("citizen.face_enrolled", "citizen.face_erased")
RETRY_S = 2.0


class LiveIndex:
    def __init__(self, pool: asyncpg.Pool, sealer: FaceSealer, index: FaceIndex | None = None) -> None:
        self.pool = pool
        self.sealer = sealer
        self.index = index or FaceIndex()
        self._lock = asyncio.Lock()
        self._retry: set[str] = set()
        self.unreadable = 0           # rows no configured key opens (logged)

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, citizen_id: object) -> bool:
        return citizen_id in self.index

    def match(self, encoding: np.ndarray) -> Match | NoMatch:
        return self.index.match(encoding)

    async def load(self) -> int:
        """Fill the index from the database (decrypting off the event loop); re-seal rows sealed under an older
        key with the current one. Returns the number of citizens loaded."""
        started = time.perf_counter()
        stale: list[tuple[str, Sealed, np.ndarray]] = []
        async with self._lock:
            async for batch in store.all_faces(self.pool):
                ids, vectors, old = await asyncio.to_thread(self._open_batch, batch)
                if ids:
                    self.index.add_many(ids, np.stack(vectors))
                stale += old
        for citizen_id, sealed, vector in stale:
            async with self.pool.acquire() as conn:
                await store.reseal(conn, citizen_id, sealed.key_id, self.sealer.seal(citizen_id, vector))
        if stale:
            log.info("identity: re-sealed %d face encodings under key %s", len(stale), self.sealer.current)
        log.info("identity: %d faces loaded in %.2f s", len(self.index), time.perf_counter() - started)
        return len(self.index)

    def _open_batch(self, batch: list[tuple[str, Sealed]]) -> tuple[list[str], list[np.ndarray], list]:
        ids, vectors, stale = [], [], []
        for citizen_id, sealed in batch:
            try:
                vector = self.sealer.open(citizen_id, sealed)
            except SealError as exc:
                self.unreadable += 1
                log.error("identity: face of citizen %s not loaded: %s (is MOTCUA_IDENTITY_KEY complete?)",
                          citizen_id, exc)
                continue
            ids.append(citizen_id)
            vectors.append(vector)
            if sealed.key_id != self.sealer.current:
                stale.append((citizen_id, sealed, vector))
        return ids, vectors, stale

    async def sync(self, citizen_id: str) -> None:
        """Make the index hold exactly what the database holds for this citizen now."""
        async with self._lock:
            async with self.pool.acquire() as conn:
                sealed = await store.sealed_face(conn, citizen_id)
            if sealed is None:
                self.index.remove(citizen_id)
                return
            try:
                self.index.update(citizen_id, self.sealer.open(citizen_id, sealed))
            except SealError as exc:
                self.index.remove(citizen_id)
                log.error("identity: face of citizen %s not usable: %s", citizen_id, exc)

    async def on_event(self, event: m.Event) -> None:
        """Another replica (or this one) enrolled or erased a face."""
        citizen_id = event.data.get("citizen_id") if event.type in FACE_EVENTS else None
        if not isinstance(citizen_id, str) or store.as_uuid(citizen_id) is None:
            return
        await self.refresh(citizen_id)

    async def refresh(self, citizen_id: str) -> None:
        """Sync now; with the database away, drop the citizen's face meanwhile (a stale face must never match)
        and sync again later."""
        try:
            await self.sync(citizen_id)
        except DATABASE_DOWN:
            log.warning("identity: cannot sync citizen %s now; will retry", citizen_id)
            self.index.remove(citizen_id)
            self._retry.add(citizen_id)

    async def retry_forever(self) -> None:
        """Syncs that failed while the database was away are tried again until they succeed."""
        while True:
            await asyncio.sleep(RETRY_S)
            for citizen_id in list(self._retry):
                try:
                    await self.sync(citizen_id)
                except DATABASE_DOWN:
                    break
                self._retry.discard(citizen_id)
