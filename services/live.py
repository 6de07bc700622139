"""Live updates for screens: one JetStream subscription per office, fanned out as Server-Sent Events.

A client first receives a `snapshot` (the office queue), then every event as it happens. The browser's
EventSource reconnects by itself and gets a fresh snapshot, so a board never shows stale numbers after a
network cut or a server restart. A client too slow to keep up is sent a fresh snapshot instead of a gap.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import asdict
from typing import Any, AsyncIterator

from aiohttp import web

from services import messages as m
from services.bus import Bus

log = logging.getLogger(__name__)

HEARTBEAT_S = 5.0  # also how soon a vanished client is noticed
CLIENT_BUFFER = 256


class LiveHub:
    def __init__(self, bus: Bus) -> None:
        self._bus = bus
        self._clients: dict[str, set[asyncio.Queue[m.Event | None]]] = {}
        self._subscriptions: dict[str, Any] = {}
        self._lock = asyncio.Lock()

    async def _ensure_subscribed(self, office: str) -> None:
        async with self._lock:
            if office in self._subscriptions:
                return

            async def deliver(event: m.Event) -> None:
                for queue in list(self._clients.get(office, ())):
                    try:
                        queue.put_nowait(event)
                    except asyncio.QueueFull:
                        # Too slow: drop its backlog; None tells the stream to resynchronise.
                        while not queue.empty():
                            queue.get_nowait()
                        queue.put_nowait(None)

            self._subscriptions[office] = await self._bus.subscribe_events(office, deliver)

    @contextlib.asynccontextmanager
    async def listen(self, office: str) -> AsyncIterator[asyncio.Queue[m.Event | None]]:
        queue: asyncio.Queue[m.Event | None] = asyncio.Queue(CLIENT_BUFFER)
        self._clients.setdefault(office, set()).add(queue)
        try:
            await self._ensure_subscribed(office)
            yield queue
        finally:
            self._clients[office].discard(queue)

    async def close(self) -> None:
        for sub in self._subscriptions.values():
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        self._subscriptions.clear()


def event_stream() -> web.StreamResponse:
    """A Server-Sent Events response, not yet prepared."""
    return web.StreamResponse(headers={
        "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
    })


def sse_event(event: str, data: Any) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event}\ndata: {payload}\n\n".encode()


async def sse_response(request: web.Request, hub: LiveHub, bus: Bus, office: str) -> web.StreamResponse:
    """Stream `snapshot` then live events of `office` until the client goes away."""
    response = event_stream()
    async with hub.listen(office) as queue:
        # Subscribed before the snapshot: nothing between the two is missed (a repeat is harmless).
        try:
            snapshot = await bus.request(m.GetQueue(office=office))
        except m.ServiceError as exc:
            status = 404 if exc.code == "not_found" else 503
            return web.json_response({"error": exc.as_dict()}, status=status,
                                     dumps=lambda v: json.dumps(v, ensure_ascii=False))
        await response.prepare(request)
        try:
            await _stream(response, queue, bus, office, snapshot)
        except ConnectionResetError:
            pass  # the screen went away (closed, reloaded, network cut): it will reconnect by itself
    return response


async def _stream(response: web.StreamResponse, queue: asyncio.Queue[m.Event | None], bus: Bus, office: str,
                  snapshot: Any) -> None:
    await response.write(b"retry: 2000\n\n" + sse_event("snapshot", snapshot))
    while True:
        try:
            async with asyncio.timeout(HEARTBEAT_S):  # not wait_for: see store/outbox.py
                event = await queue.get()
        except TimeoutError:
            await response.write(b": heartbeat\n\n")
            continue
        if event is None:
            await response.write(sse_event("snapshot", await bus.request(m.GetQueue(office=office))))
        else:
            await response.write(sse_event(event.type, {**asdict(event), "type": event.type}))
