"""Server-Sent Events to screens: a snapshot, then what the office's feed delivers, with heartbeats.

The browser reconnects by itself and gets a fresh snapshot, so a screen never shows stale numbers after a network
cut or a server restart; a screen too slow to keep up is sent a fresh snapshot instead of a gap."""
from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

from aiohttp import web

from services import messages as m
from services.api.responses import error_response
from services.live.hub import Delivery, Feed, Item, LiveHub, sse_event

HEARTBEAT_S = 5.0        # also how soon a vanished client is noticed
FINAL = ("done", "cancelled", "expired")


def event_stream() -> web.StreamResponse:
    """A Server-Sent Events response, not yet prepared."""
    return web.StreamResponse(headers={
        "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
    })


def _refusal(exc: m.ServiceError) -> web.Response:
    return error_response(exc.code, exc.message, exc.message_en, 404 if exc.code == "not_found" else 503)


class ScreenView:
    """What one screen's stream writes: its snapshot (on connecting and after any gap), then its share of each event:
    the event as it is (`staff`) or its public form (`public`), and for a counter screen (`counter`) its waiting
    list in call order (`order`) whenever that changed. Subclasses add to both (services.live.fees)."""

    def __init__(self, hub: LiveHub, feed: Feed, audience: str, counter: str | None) -> None:
        self.hub, self.feed, self.audience, self.counter = hub, feed, audience, counter

    async def snapshot(self) -> bytes:
        return sse_event("snapshot", await self.hub.snapshot(self.feed.office, self.audience, self.counter))

    async def deliver(self, item: Delivery) -> bytes:
        data = item.public if self.audience == "public" else item.staff
        out = data or b""
        model, counter = self.feed.model, self.counter
        if counter is not None and item.change is not None and model is not None:
            served = set(model.counters.get(counter, {}).get("services", ()))
            if item.change.services & served:
                counts = {s: model.counts(s) for s in sorted(served)}
                out += sse_event("order", {"order": self.hub.order_for(self.feed, counter), "counts": counts,
                                           "total": sum(c["waiting"] for c in counts.values())})
        return out


ViewFactory = Callable[..., ScreenView]      # (hub, feed, audience, counter) -> the screen's view


async def sse_response(request: web.Request, hub: LiveHub, office: str, *, audience: str = "staff",
                       counter: str | None = None, view: ViewFactory = ScreenView) -> web.StreamResponse:
    """Stream `snapshot` then live events of `office` to one screen until it goes away, as `view` renders them."""
    response = event_stream()
    try:
        async with hub.listen(office) as queue:
            feed = await hub.feed(office)
            if counter is not None and (feed.model is None or counter not in feed.model.counters):
                return error_response("not_found", f"Văn phòng không có quầy “{counter}”",
                                      f"The office has no counter “{counter}”", 404)
            screen = view(hub, feed, audience, counter)
            first = await screen.snapshot()
            try:
                await response.prepare(request)          # the client may be gone already
                await response.write(b"retry: 2000\n\n" + first)
                await _stream(response, queue, hub, screen)
            except ConnectionResetError:
                pass  # the screen went away (closed, reloaded, network cut): it will reconnect by itself
    except m.ServiceError as exc:
        return response if response.prepared else _refusal(exc)
    return response


STALE = sse_event("stale", {"message": "Mất kết nối tới hệ thống; màn hình có thể chưa cập nhật",
                            "message_en": "Lost the connection to the system; the screen may not be up to date"})


async def _next(queue: asyncio.Queue[Item], response: web.StreamResponse, hub: LiveHub) -> tuple[bool, Item]:
    """The next item, writing a heartbeat while there is none; (False, _) on a heartbeat. While the bus is
    disconnected the heartbeat says `stale`, so that no screen looks live without being so; the fresh snapshot
    that follows the reconnection clears it."""
    try:
        async with asyncio.timeout(HEARTBEAT_S):  # not wait_for: see store/outbox.py
            return True, await queue.get()
    except TimeoutError:
        await response.write(b": heartbeat\n\n" if hub.live else STALE)
        return False, None


async def _stream(response: web.StreamResponse, queue: asyncio.Queue[Item], hub: LiveHub, screen: ScreenView) -> None:
    while True:
        got, item = await _next(queue, response, hub)
        if not got:
            continue
        if item is None or (isinstance(item, Delivery) and item.change is not None and item.change.resync):
            await response.write(await screen.snapshot())
            continue
        if isinstance(item, Delivery):
            out = await screen.deliver(item)
            if out:
                await response.write(out)


async def phone_response(request: web.Request, hub: LiveHub, ticket: dict[str, Any],
                         reload: Callable[[], Awaitable[dict[str, Any]]] | None) -> web.StreamResponse:
    """This ticket only, live, on the citizen's own phone: never another ticket's id or number. Ends once the
    ticket is finished. A ticket read from the database before subscribing is read again (`reload`) once
    subscribed, so no change in between is missed; one the office's read model knows needs no reading at all."""
    response = event_stream()
    try:
        async with hub.follow(ticket) as phone:
            known = hub.known_ticket(ticket["id"])
            if known is not None:
                hub.refresh_phone(phone, known)
            elif reload is not None:
                hub.refresh_phone(phone, await reload())
            try:
                await response.prepare(request)          # the phone may be gone already
                await response.write(b"retry: 2000\n\n")
                while phone.ticket.get("status") not in FINAL or not phone.queue.empty():
                    got, item = await _next(phone.queue, response, hub)
                    if got and isinstance(item, bytes):
                        await response.write(item)
            except ConnectionResetError:
                pass  # the phone closed the page or lost its network; it reconnects by itself
    except m.ServiceError as exc:
        return response if response.prepared else _refusal(exc)
    return response
