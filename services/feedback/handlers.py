"""Feedback commands: a citizen's vote on one served ticket, from the counter's tablet or their own phone."""
from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any, Awaitable, Callable

import asyncpg

from services import messages as m
from services.domain import ratings
from services.domain.access import Actor, Right, check
from services.domain.errors import Conflict, Forbidden, InvalidInput
from services.domain.office import zone
from services.feedback import store
from services.store import outbox
from services.store.db import RoutedCommands
from services.store.db import health as db_health

log = logging.getLogger(__name__)

Ask = Callable[[m.Command], Awaitable[Any]]
# A vote can come a moment after ticket.completed was committed, before this service has projected it.
PROJECTION_WAIT_S = 5.0


class Feedback(RoutedCommands):
    def __init__(self, pool: asyncpg.Pool, prefix: str, ask: Ask, clock: Callable[[], datetime],
                 wait_for: Callable[[Callable[[], Awaitable[bool]], float], Awaitable[bool]]) -> None:
        self._pool = pool
        self._prefix = prefix
        self._ask = ask
        self._clock = clock
        self._wait_for = wait_for
        self._routes: dict[type[m.Command], Callable[[Any], Awaitable[Any]]] = {
            m.RateTicket: self.rate_ticket, m.FeedbackHealth: lambda _: db_health(self._pool),
        }

    async def rate_ticket(self, cmd: m.RateTicket) -> dict[str, Any]:
        actor = Actor.from_dict(cmd.actor)
        if actor is not None and actor.type != "system":
            if actor.type == "user":
                raise Forbidden("Cán bộ không đánh giá thay công dân; công dân tự đánh giá trên máy tính bảng "
                                "hoặc điện thoại", "Staff do not vote for citizens; citizens vote on the tablet "
                                "or their phone")
            check(actor, Right.VOTE)
        vote_id = _vote_id(cmd.vote_id)
        ticket = await self._ask(m.GetTicket(ticket_id=cmd.ticket_id))
        office = await self._ask(m.GetOffice(office=ticket["office"]))
        scale = int(office.get("rating_scale") or 5)
        level, reasons = ratings.check_vote(cmd.level, cmd.reasons, scale)
        if actor is not None and actor.type == "device":
            check(actor, Right.VOTE, ticket["office"], counter=ticket.get("counter"))
        async with self._pool.acquire() as conn:
            existing = await store.rating(conn, cmd.ticket_id)
        if existing is not None:
            return self._same_vote(existing, vote_id, ticket["number"])
        tz = zone(office.get("timezone") or "Asia/Ho_Chi_Minh")
        finished = ticket.get("finished_at")
        served_day = datetime.fromisoformat(finished).astimezone(tz).date() if finished else None
        ratings.check_rateable(ticket["status"], ticket["number"], served_day, self._clock().astimezone(tz).date())

        async def projected() -> bool:
            async with self._pool.acquire() as conn:
                return await store.served(conn, cmd.ticket_id) is not None

        if not await self._wait_for(projected, PROJECTION_WAIT_S):
            raise m.ServiceError("unavailable", "Hệ thống đang cập nhật lượt phục vụ này; vui lòng gửi lại sau giây lát",
                                 "This service is still being recorded; please send the vote again shortly")
        now = self._clock()
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                served = await store.served(conn, cmd.ticket_id)
                assert served is not None
                vote = {"ticket_id": cmd.ticket_id, "vote_id": vote_id, "office": ticket["office"],
                        "number": ticket["number"], "counter": served["counter_id"], "clerk": served["clerk"],
                        "service": served["service_code"], "procedure": served["procedure"],
                        "local_day": served["local_day"].isoformat(), "level": level, "scale": scale,
                        "reasons": reasons, "via": "tablet" if actor is not None and actor.type == "device"
                        else "phone", "device_id": actor.id if actor is not None and actor.type == "device" else None,
                        "created_at": now.isoformat()}
                try:
                    inserted = await store.insert_rating(conn, vote)
                except asyncpg.UniqueViolationError as exc:
                    raise Conflict("Mã lượt đánh giá (vote_id) đã được dùng cho phiếu khác",
                                   "This vote_id was already used for another ticket") from exc
                if inserted:
                    event_data = {k: vote[k] for k in ("ticket_id", "number", "counter", "clerk", "service",
                                                        "procedure", "level", "scale", "reasons", "via")}
                    await outbox.append(conn, self._prefix, [m.RatingGiven(
                        office=ticket["office"], counter=vote["counter"], data=event_data, actor=cmd.actor)])
                existing = await store.rating(conn, cmd.ticket_id)
        assert existing is not None
        if not inserted:
            return self._same_vote(existing, vote_id, ticket["number"])
        log.info("vote %s for ticket %s of %s: %d/%d", vote_id, ticket["number"], ticket["office"], level, scale)
        return {**store.vote_view(existing), "created": True}

    @staticmethod
    def _same_vote(existing: asyncpg.Record, vote_id: str, number: str) -> dict[str, Any]:
        """A retry of the vote already recorded answers like the first time; any other vote is refused."""
        if str(existing["vote_id"]) == vote_id:
            return {**store.vote_view(existing), "created": False}
        raise Conflict(f"Phiếu {number} đã được đánh giá", f"Ticket {number} has already been rated",
                       rated_at=existing["created_at"].isoformat())


def _vote_id(raw: str | None) -> str:
    if raw is None:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(raw))
    except (ValueError, AttributeError, TypeError) as exc:
        raise InvalidInput("vote_id phải là một UUID", "vote_id must be a UUID") from exc

