"""Live updates for screens: one JetStream subscription per office, shared by all of its screens, feeding the
office's read model (services.live.queue) and fanned out as Server-Sent Events.

Each event is encoded once per audience and the same bytes go to every screen: `staff` screens (counters) get the
event as it is (and their waiting list in call order when it changed), `public` ones (hall boards) the public event
(numbers and counts only), phones only their own ticket (at once) and their place in line (coalesced every
PHONE_FLUSH_S). A screen starts with a snapshot taken from the read model, not from the database. The subscription
of an office is released a while after its last screen left; an unknown office is refused before subscribing.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, AsyncIterator, Awaitable, Callable

from services import messages as m
from services.bus import Bus
from services.live.queue import Change, OfficeQueue
from services.live.memory import Trimmer
from services.ticketing.views import without_personal

log = logging.getLogger(__name__)

CLIENT_BUFFER = 256
RELEASE_AFTER_S = 30.0   # keep an office's subscription this long after its last screen left (reloads, blips)
RESYNC_EVERY_S = 300.0   # rebuild the read model from a fresh snapshot now and then: heals any drift
PHONE_FLUSH_S = 1.0      # places in line and "now serving" reach phones at most this often
LOCATE_AT_ONCE = 4       # tickets looked up at once for phones of offices not followed yet


def sse_event(event: str, data: Any) -> bytes:
    return _sse(event, m.dumps(data))


def _sse(event: str, payload: bytes) -> bytes:
    """One Server-Sent Event; compact JSON has no line breaks, so it is one data line."""
    return b"event: " + event.encode() + b"\ndata: " + payload + b"\n\n"


@dataclass(frozen=True)
class Delivery:
    """One event, encoded once for each audience (public None when boards need not hear of it)."""

    event: m.Event
    staff: bytes
    public: bytes | None
    change: Change | None


Item = Delivery | bytes | None       # None: resynchronise (send a fresh snapshot); bytes: write as they are


@dataclass(eq=False)
class Phone:
    """A citizen's phone following one ticket."""

    ticket: dict[str, Any]
    queue: asyncio.Queue[Item]
    sent: dict[str, Any] = field(default_factory=dict)


@dataclass
class Feed:
    office: str
    subscription: Any = None
    model: OfficeQueue | None = None
    clients: set[asyncio.Queue[Item]] = field(default_factory=set)
    phones: dict[str, set[Phone]] = field(default_factory=dict)
    pending: list[m.Event] | None = None          # events that arrive while a snapshot is being taken
    synced_at: float = 0.0
    release: asyncio.TimerHandle | None = None
    dirty: set[str] = field(default_factory=set)   # services whose places in line moved since the last flush
    orders: dict[str, list[dict[str, Any]]] = field(default_factory=dict)   # per counter, for the current event


class LiveHub:
    def __init__(self, bus: Bus, clock: Callable[[], float] = time.monotonic) -> None:
        self._bus = bus
        self._clock = clock
        self._feeds: dict[str, Feed] = {}
        self._lock = asyncio.Lock()
        self._flusher: asyncio.Task[None] | None = None
        self._locating = asyncio.Semaphore(LOCATE_AT_ONCE)
        self._trimmer = Trimmer()
        bus.on_reconnect(self._mark_stale)

    @property
    def bus(self) -> Bus:
        return self._bus

    @property
    def offices(self) -> list[str]:
        return sorted(self._feeds)

    @property
    def live(self) -> bool:
        """Whether events can reach this process now (the bus is connected)."""
        return self._bus.connected

    # ------------------------------------------------------------ feeds and the read model

    async def feed(self, office: str) -> Feed:
        """The office's feed, subscribed and synchronised; raises ServiceError (not_found) for an office that does
        not exist, before anything is subscribed."""
        async with self._lock:
            feed = self._feeds.get(office)
            if feed is not None:
                if self._clock() - feed.synced_at > RESYNC_EVERY_S:
                    await self._sync(feed)
                return feed
            await self._bus.request(m.GetOffice(office=office))
            feed = Feed(office)
            feed.subscription = await self._bus.subscribe_events(office, lambda event: self._on_event(feed, event))
            try:
                await self._sync(feed)             # subscribed first: nothing between the two is missed
            except BaseException:
                with contextlib.suppress(Exception):
                    await feed.subscription.unsubscribe()
                raise
            self._feeds[office] = feed
            if self._flusher is None:
                self._flusher = asyncio.create_task(self._flush_phones_forever(), name="phone-flush")
            return feed

    async def _sync(self, feed: Feed) -> None:
        """A fresh read model from a snapshot, then the events that arrived meanwhile (those it does not show)."""
        feed.pending = []
        try:
            model = OfficeQueue(await self._bus.request(m.GetOfficeState(office=feed.office)))
            for event in feed.pending:
                model.apply(event)
        finally:
            feed.pending = None
        feed.model = model
        feed.synced_at = self._clock()
        feed.dirty.update(s["code"] for s in model.services)

    def _mark_stale(self) -> None:
        """After a reconnection events may have been missed: rebuild every model and resynchronise every screen."""
        for feed in list(self._feeds.values()):
            asyncio.ensure_future(self._resync(feed))

    async def _resync(self, feed: Feed) -> None:
        try:
            await self._sync(feed)
        except m.ServiceError:
            feed.synced_at = 0.0          # try again when a screen next asks
            return
        for queue in list(feed.clients):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)
        for watchers in list(feed.phones.values()):     # phones too: their state, even unchanged, says "live"
            for phone in list(watchers):
                phone.sent = {}
                self._update_phone(feed, phone)

    async def _on_event(self, feed: Feed, event: m.Event) -> None:
        if feed.pending is not None:
            feed.pending.append(event)
        change = feed.model.apply(event) if feed.model is not None else None
        feed.orders.clear()
        if change is not None:
            feed.dirty.update(change.services)
            if change.resync:
                asyncio.ensure_future(self._resync(feed))
        staff = _sse(event.type, m.event_json(event))
        public = sse_event(event.type, change.public) if change is not None and change.public is not None else None
        self._fan_out(feed.clients, Delivery(event, staff, public, change))
        ticket = change.ticket if change is not None else None
        if ticket is not None and ticket["id"] in feed.phones:
            for phone in list(feed.phones[ticket["id"]]):
                self._update_phone(feed, phone, ticket)

    @staticmethod
    def _fan_out(queues: set[asyncio.Queue[Item]], item: Item) -> None:
        for queue in list(queues):
            try:
                queue.put_nowait(item)
            except asyncio.QueueFull:
                # Too slow: drop its backlog; None tells the stream to resynchronise.
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(None)

    def order_for(self, feed: Feed, counter: str) -> list[dict[str, Any]]:
        """The counter's call order, computed once per event whatever the number of its screens."""
        if counter not in feed.orders and feed.model is not None:
            feed.orders[counter] = feed.model.call_order(counter)
        return feed.orders.get(counter, [])

    # ------------------------------------------------------------ screens

    async def snapshot(self, office: str, audience: str, counter: str | None = None) -> dict[str, Any]:
        feed = await self.feed(office)
        assert feed.model is not None
        body = feed.model.public_snapshot() if audience == "public" else feed.model.staff_snapshot(counter)
        return {"at": datetime.now(timezone.utc).isoformat(), **body}

    @contextlib.asynccontextmanager
    async def listen(self, office: str) -> AsyncIterator[asyncio.Queue[Item]]:
        """Deliveries of `office` from now on; raises ServiceError for an unknown office."""
        feed = await self.feed(office)
        queue: asyncio.Queue[Item] = asyncio.Queue(CLIENT_BUFFER)
        self._keep(feed)
        feed.clients.add(queue)
        try:
            yield queue
        finally:
            feed.clients.discard(queue)
            self._trimmer.closed()
            self._maybe_release(office, feed)

    # ------------------------------------------------------------ phones

    @contextlib.asynccontextmanager
    async def follow(self, ticket: dict[str, Any]) -> AsyncIterator[Phone]:
        """Updates of one ticket for a citizen's phone: its own changes at once, its place coalesced."""
        feed = await self.feed(ticket["office"])
        phone = Phone(dict(ticket), asyncio.Queue(CLIENT_BUFFER))
        self._keep(feed)
        feed.phones.setdefault(ticket["id"], set()).add(phone)
        self._update_phone(feed, phone, ticket)
        try:
            yield phone
        finally:
            watchers = feed.phones.get(ticket["id"], set())
            watchers.discard(phone)
            if not watchers:
                feed.phones.pop(ticket["id"], None)
            self._trimmer.closed()
            self._maybe_release(ticket["office"], feed)

    def known_ticket(self, ticket_id: str) -> dict[str, Any] | None:
        """A ticket of an office this process follows already (so a phone needs no database read)."""
        for feed in self._feeds.values():
            found = feed.model.ticket(ticket_id) if feed.model is not None else None
            if found is not None:
                return found
        return None

    async def find_ticket(self, ticket_id: str, locate: Callable[[], Awaitable[dict[str, Any]]]
                          ) -> dict[str, Any] | None:
        """The ticket from the read model of its office, loading that office's feed when needed. `locate` asks which
        office a ticket belongs to; a few at a time, so that when a whole hall of phones reconnects at once the
        first lookup loads the office and the others then find their ticket in memory."""
        known = self.known_ticket(ticket_id)
        if known is not None:
            return known
        async with self._locating:
            known = self.known_ticket(ticket_id)
            if known is not None:
                return known
            located = await locate()
            await self.feed(located["office"])
        return self.known_ticket(ticket_id)

    def refresh_phone(self, phone: Phone, fresh: dict[str, Any]) -> None:
        """The ticket as the database has it now (read after subscribing: nothing in between is missed)."""
        feed = self._feeds.get(fresh["office"])
        if feed is not None:
            self._update_phone(feed, phone, fresh)

    def _update_phone(self, feed: Feed, phone: Phone, changed: dict[str, Any] | None = None,
                      serving: dict[str, str | None] | None = None) -> None:
        if changed is not None and (changed.get("version") or 0) >= (phone.ticket.get("version") or 0):
            phone.ticket.update({k: v for k, v in changed.items() if k not in ("waiting_ahead", "estimated_wait_s")})
        if feed.model is not None:
            place = feed.model.position(phone.ticket["id"]) if phone.ticket.get("status") == "waiting" else None
            phone.ticket.update(place or {"waiting_ahead": 0, "estimated_wait_s": 0})
            phone.ticket["serving"] = serving if serving is not None else feed.model.serving()
        if phone.ticket != phone.sent:
            phone.sent = dict(phone.ticket)
            with contextlib.suppress(asyncio.QueueFull):
                phone.queue.put_nowait(sse_event("ticket", without_personal(phone.ticket)))

    async def _flush_phones_forever(self) -> None:
        while True:
            await asyncio.sleep(PHONE_FLUSH_S)
            for feed in list(self._feeds.values()):
                if not feed.dirty or not feed.phones:
                    feed.dirty.clear()
                    continue
                feed.dirty.clear()
                serving = feed.model.serving() if feed.model is not None else {}
                for watchers in list(feed.phones.values()):
                    for phone in list(watchers):
                        self._update_phone(feed, phone, serving=serving)
                    await asyncio.sleep(0)       # thousands of phones: let requests in between

    # ------------------------------------------------------------ lifetime

    def _keep(self, feed: Feed) -> None:
        if feed.release is not None:
            feed.release.cancel()
            feed.release = None

    def _maybe_release(self, office: str, feed: Feed) -> None:
        if not feed.clients and not feed.phones:
            feed.release = asyncio.get_running_loop().call_later(
                RELEASE_AFTER_S, lambda: asyncio.ensure_future(self._release(office, feed)))

    async def _release(self, office: str, feed: Feed) -> None:
        async with self._lock:
            if feed.clients or feed.phones or self._feeds.get(office) is not feed:
                return
            del self._feeds[office]
        with contextlib.suppress(Exception):
            await feed.subscription.unsubscribe()
        self._trimmer.soon()
        log.debug("released the event subscription of office %s", office)

    async def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
        self._trimmer.cancel()
        for feed in list(self._feeds.values()):
            if feed.release is not None:
                feed.release.cancel()
            with contextlib.suppress(Exception):
                await feed.subscription.unsubscribe()
        self._feeds.clear()
