"""Fees on a counter's live screens. The office's feed carries the fee.* events already (they share its subjects);
here is what the counter's two screens start from, and what the citizen's screen is told.

- CounterScreen, the clerk's stream (/counter/{office}/events?counter=): after each snapshot a `fees` event, the
  fees of the ticket at the counter (the payment service's ListTicketFees), so that the fee dialog picks up where it
  was after a reload or a reconnection; fee events then arrive like every other event of the office.
- PayScreen, the citizen-facing screen of one counter (/counter/{office}/{counter}/pay/events): `snapshot`
  {office, name, counter, number (the ticket served there), fee (its latest fee or null), available, at}, then
  `fee` {type, fee} for each fee event of this counter, and `serving` {number} when the counter moves to another
  ticket (read from the office's model as it is when an event is delivered: events that come together, such as a
  completion and the next call a few milliseconds later, show only where the counter ended up). Only a fee's
  public view travels: amount, purpose, reference, the office's account and the QR; nothing about a person and no
  ticket id (whoever holds one may cancel the ticket).
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from services import messages as m
from services.domain.banks import bank_label
from services.live.hub import Delivery, Feed, LiveHub, sse_event
from services.live.streams import ScreenView, ViewFactory

log = logging.getLogger(__name__)

FEES_TIMEOUT_S = 2.0     # a screen's snapshot waits no longer for the payment service (it says "unavailable")

FEE_EVENTS = ("fee.created", "fee.paid", "fee.cancelled", "fee.expired")
PAY_FIELDS = ("id", "reference", "amount", "description", "status", "qr", "qr_svg", "ticket_number", "counter",
              "created_at", "expires_at", "paid_at", "cancelled_at", "receipt")


def pay_view(fee: dict[str, Any]) -> dict[str, Any]:
    """What the citizen's screen shows of a fee."""
    bank = fee.get("bank") or {}
    return {**{k: fee.get(k) for k in PAY_FIELDS}, "bank": {**bank, "label": bank_label(bank.get("bin"))}}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


class _CounterFees(ScreenView):
    def __init__(self, hub: LiveHub, feed: Feed, audience: str, counter: str | None, *,
                 actor: dict[str, Any] | None) -> None:
        super().__init__(hub, feed, audience, counter)
        self.actor = actor

    def current(self) -> dict[str, Any] | None:
        """The ticket called or served at this counter now, as the office's read model has it."""
        model = self.feed.model
        return (model.counters.get(self.counter or "", {}).get("current") if model is not None else None) or None

    async def fees(self, ticket: dict[str, Any] | None) -> list[dict[str, Any]] | None:
        """`ticket`'s fees; None while the payment service cannot say (the screen says so and retries)."""
        if ticket is None:
            return []
        try:
            return await self.hub.bus.request(m.ListTicketFees(office=self.feed.office, ticket_id=ticket["id"],
                                                               actor=self.actor), timeout=FEES_TIMEOUT_S)
        except m.ServiceError as exc:
            log.warning("fees of ticket %s unavailable for a counter screen: %s", ticket.get("number"), exc)
            return None


class CounterScreen(_CounterFees):
    async def snapshot(self) -> bytes:
        queue = await super().snapshot()
        if self.counter is None:
            return queue                   # an office-wide staff stream: fees belong to a counter's screen
        ticket = self.current()
        fees = await self.fees(ticket)
        return queue + sse_event("fees", {"at": _now(), "ticket": ticket["id"] if ticket else None,
                                          "fees": fees or [], "available": fees is not None})


class PayScreen(_CounterFees):
    serving: str | None = None

    async def snapshot(self) -> bytes:
        ticket = self.current()
        fees = await self.fees(ticket)
        model = self.feed.model
        assert model is not None and self.counter is not None
        counter = model.counters[self.counter]
        self.serving = ticket["number"] if ticket else None
        return sse_event("snapshot", {
            "at": _now(), "office": self.feed.office, "name": model.name,
            "counter": {"id": counter["id"], "name": counter["name"]}, "number": self.serving,
            "fee": pay_view(fees[0]) if fees else None, "available": fees is not None})

    async def deliver(self, item: Delivery) -> bytes:
        out = b""
        event = item.event
        fee = event.data.get("fee") if event.type in FEE_EVENTS and event.counter == self.counter else None
        if isinstance(fee, dict):
            out += sse_event("fee", {"type": event.type, "fee": pay_view(fee)})
        number = (self.current() or {}).get("number")
        if number != self.serving:
            self.serving = number
            out += sse_event("serving", {"number": number})
        return out


def counter_screen(actor: dict[str, Any] | None) -> ViewFactory:
    """The view factory of sse_response for a clerk's counter stream."""
    return lambda hub, feed, audience, counter: CounterScreen(hub, feed, audience, counter, actor=actor)


def pay_screen(actor: dict[str, Any] | None) -> ViewFactory:
    """The view factory of sse_response for a counter's pay screen."""
    return lambda hub, feed, audience, counter: PayScreen(hub, feed, audience, counter, actor=actor)
