"""Ticketing command handlers: each runs in one transaction and writes its events to the outbox."""
from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any, Awaitable, Callable

import asyncpg

from services import messages as m
from services.domain import tickets as rules
from services.domain.errors import Conflict, InvalidInput, NotFound
from services.domain.numbering import local_day, utc_now
from services.domain.office import OfficeRules, check_id, parse_counter_spec, parse_service_spec
from services.domain.policy import choose_next
from services.domain.tickets import Status, Ticket
from services.store import outbox
from services.store import repository as repo
from services.ticketing.queries import TicketingReads
from services.ticketing.views import ticket_view

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Work = Callable[[asyncpg.Connection], Awaitable[tuple[Any, list[m.Event]]]]

_DATABASE_DOWN = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
                  asyncpg.CannotConnectNowError, asyncpg.AdminShutdownError)
_RETRYABLE = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError, asyncpg.UniqueViolationError)


class Ticketing(TicketingReads):
    """Commands: each changes state and writes its events in one transaction."""

    def __init__(self, pool: asyncpg.Pool, prefix: str, *, clock: Clock = utc_now,
                 on_commit: Callable[[], None] = lambda: None) -> None:
        self._pool = pool
        self._prefix = prefix
        self._clock = clock
        self._on_commit = on_commit
        self._routes: dict[type[m.Command], Callable[[Any], Awaitable[Any]]] = {
            m.ConfigureOffice: self.configure_office, m.IssueTicket: self.issue, m.CallNext: self.call_next,
            m.CallTicket: self.call_ticket, m.Recall: self.recall, m.Skip: self.skip, m.Start: self.start,
            m.Complete: self.complete, m.Cancel: self.cancel, m.ReturnToQueue: self.return_to_queue,
            m.Transfer: self.transfer, m.PauseCounter: self.pause, m.ResumeCounter: self.resume,
            m.ListServices: self.list_services, m.GetOffice: self.get_office, m.GetQueue: self.get_queue,
            m.GetTicket: self.get_ticket, m.Health: self.health,
        }

    async def execute(self, command: m.Command) -> Any:
        try:
            return await self._routes[type(command)](command)
        except _DATABASE_DOWN as exc:
            log.warning("database unavailable: %s", exc)
            raise m.ServiceError(
                "unavailable", "Cơ sở dữ liệu tạm thời không truy cập được; vui lòng thử lại sau giây lát",
                "The database is unreachable for the moment; please try again shortly",
            ) from exc

    async def _run(self, work: Work) -> Any:
        """Run `work` in a transaction with its events; retry the rare lost race."""
        for attempt in range(8):
            try:
                async with self._pool.acquire() as conn:
                    async with conn.transaction():
                        result, events = await work(conn)
                        await outbox.append(conn, self._prefix, events)
                if events:
                    self._on_commit()
                return result
            except _RETRYABLE as exc:
                if attempt == 7:
                    raise
                log.info("retrying after %s", type(exc).__name__)
                await asyncio.sleep(0.005 * (attempt + 1))
        raise AssertionError("unreachable")

    # ------------------------------------------------------------ configuration

    async def configure_office(self, cmd: m.ConfigureOffice) -> dict[str, Any]:
        office = check_id("văn phòng", "office", cmd.office)
        if not cmd.name.strip():
            raise InvalidInput("Văn phòng cần có tên", "The office needs a name")
        OfficeRules.from_settings(cmd.timezone, cmd.settings)
        services = [parse_service_spec(s) for s in cmd.services]
        codes = {s["code"] for s in services}
        if len(codes) != len(services):
            raise InvalidInput("Mã dịch vụ bị trùng", "Duplicate service codes")
        counters = [parse_counter_spec(c, codes) for c in cmd.counters]
        if len({c["id"] for c in counters}) != len(counters):
            raise InvalidInput("Mã quầy bị trùng", "Duplicate counter ids")

        async def work(conn: asyncpg.Connection) -> tuple[Any, list[m.Event]]:
            await repo.upsert_office(conn, office, cmd.name.strip(), cmd.timezone, cmd.settings)
            for position, spec in enumerate(services):
                await repo.upsert_service(conn, office, spec, position)
            for spec in counters:
                await repo.upsert_counter(conn, office, spec)
            await repo.deactivate_missing(conn, office, sorted(codes), [c["id"] for c in counters])
            summary = {"office": office, "services": sorted(codes), "counters": [c["id"] for c in counters]}
            return summary, [m.OfficeConfigured(office=office, data=summary)]

        return await self._run(work)

    # ------------------------------------------------------------ issuing

    async def issue(self, cmd: m.IssueTicket) -> dict[str, Any]:
        check_id("văn phòng", "office", cmd.office)
        key = cmd.idempotency_key
        if key is not None and not 1 <= len(key) <= 200:
            raise InvalidInput("Idempotency-Key phải dài 1–200 ký tự", "Idempotency-Key must be 1–200 characters")

        async def work(conn: asyncpg.Connection) -> tuple[Any, list[m.Event]]:
            office = await repo.get_office(conn, cmd.office)
            office_rules = office.rules
            priority = office_rules.check_priority(cmd.priority)
            if key is not None:
                existing = await repo.find_by_idempotency_key(conn, cmd.office, key)
                if existing is not None:
                    if existing.origin_service != cmd.service or existing.priority != priority:
                        raise Conflict(
                            "Idempotency-Key này đã dùng cho một yêu cầu khác",
                            "This Idempotency-Key was already used for a different request",
                        )
                    service, _ = await repo.get_service(conn, cmd.office, existing.service)
                    view = {**ticket_view(existing), **await self._position(conn, existing, office_rules),
                            "service_name": service["name"], "replayed": True}
                    return view, []
            service, number_format = await repo.get_service(conn, cmd.office, cmd.service)
            now = self._clock()
            day = local_day(now, office_rules.tz)
            draft = Ticket(
                id=str(uuid.uuid4()), office=cmd.office, service=cmd.service, origin_service=cmd.service,
                local_day=day, seq=0, number="", priority=priority, status=Status.WAITING,
                issued_at=now, queued_at=now,
            )
            # Position first: the numbering row lock taken next is then held for as short as possible.
            position = await self._position(conn, draft, office_rules)
            seq = await repo.next_seq(conn, cmd.office, cmd.service, day)
            ticket = replace(draft, seq=seq, number=number_format.label(seq))
            await repo.insert_ticket(conn, ticket, key)
            view = {**ticket_view(ticket), **position, "service_name": service["name"], "replayed": False}
            return view, [m.TicketIssued(office=cmd.office, ticket=ticket_view(ticket))]

        return await self._run(work)

    # ------------------------------------------------------------ calling

    async def _open_counter(self, conn: asyncpg.Connection, office: str, counter: str) -> repo.Counter:
        found = await repo.get_counter(conn, office, counter, lock=True)
        if found.paused:
            raise Conflict(
                f"Quầy {counter} đang tạm dừng; hãy mở lại quầy trước khi gọi số",
                f"Counter {counter} is paused; resume it before calling",
            )
        return found

    @staticmethod
    def _busy(counter: str, current: Ticket) -> Conflict:
        return Conflict(
            f"Quầy {counter} đang phục vụ số {current.number}; hãy hoàn thành, bỏ qua hoặc chuyển phiếu đó trước",
            f"Counter {counter} is serving {current.number}; complete, skip or transfer it first",
        )

    async def call_next(self, cmd: m.CallNext) -> dict[str, Any]:
        async def work(conn: asyncpg.Connection) -> tuple[Any, list[m.Event]]:
            # The office row lock makes callers of one office take turns: two clerks can never
            # be handed the same ticket, and the fairness history stays consistent.
            office = await repo.get_office(conn, cmd.office, lock=True)
            office_rules = office.rules
            counter = await self._open_counter(conn, cmd.office, cmd.counter)
            now = self._clock()
            events: list[m.Event] = []
            completed = None
            current = await repo.current_ticket(conn, cmd.office, cmd.counter)
            if current is not None:
                if not cmd.complete_current:
                    raise self._busy(cmd.counter, current)
                done = rules.complete(current, now)
                await repo.save_ticket(conn, done)
                completed = ticket_view(done)
                events.append(m.TicketCompleted(office=cmd.office, ticket=completed, counter=cmd.counter))
            ticket = await self._pick(conn, counter, office_rules, now)
            if ticket is None:
                return {"ticket": None, "completed": completed}, events
            called = rules.call(ticket, cmd.counter, now, office_rules.no_show_grace_s)
            await repo.save_ticket(conn, called)
            await repo.remember_call(conn, cmd.office, cmd.counter, called.priority is not None)
            view = ticket_view(called)
            events.append(m.TicketCalled(office=cmd.office, ticket=view, counter=cmd.counter))
            return {"ticket": view, "completed": completed}, events

        return await self._run(work)

    @staticmethod
    async def _pick(conn: asyncpg.Connection, counter: repo.Counter, office_rules: OfficeRules,
                    now: datetime) -> Ticket | None:
        """Choose by the policy, then lock; a ticket changed meanwhile (transferred, cancelled) is re-picked."""
        for _ in range(20):
            candidates = await repo.candidates(conn, counter.office, counter.services, counter.id)
            chosen = choose_next(candidates, counter=counter.id, services=counter.services,
                                 history=counter.history, rule=office_rules.fairness, now=now)
            if chosen is None:
                return None
            ticket = await repo.load_ticket(conn, chosen.ticket_id, lock=True)
            if (ticket.status is Status.WAITING and ticket.service in counter.services
                    and ticket.for_counter in (None, counter.id)):
                return ticket
        raise asyncpg.SerializationError("queue kept changing while picking")

    async def call_ticket(self, cmd: m.CallTicket) -> dict[str, Any]:
        if (cmd.ticket_id is None) == (cmd.number is None):
            raise InvalidInput("Hãy gửi đúng một trong 'ticket_id' hoặc 'number'",
                               "Send exactly one of 'ticket_id' or 'number'")

        async def work(conn: asyncpg.Connection) -> tuple[Any, list[m.Event]]:
            office = await repo.get_office(conn, cmd.office, lock=True)
            office_rules = office.rules
            await self._open_counter(conn, cmd.office, cmd.counter)
            current = await repo.current_ticket(conn, cmd.office, cmd.counter)
            if current is not None:
                raise self._busy(cmd.counter, current)
            now = self._clock()
            if cmd.ticket_id is not None:
                ticket = await repo.load_ticket(conn, cmd.ticket_id, lock=True)
                if ticket.office != cmd.office:
                    raise NotFound(f"Không tìm thấy phiếu '{cmd.ticket_id}' tại văn phòng này",
                                   f"Ticket '{cmd.ticket_id}' not found at this office")
            else:
                ticket = await repo.find_ticket_by_number(conn, cmd.office, str(cmd.number),
                                                          local_day(now, office_rules.tz))
            called = rules.call(ticket, cmd.counter, now, office_rules.no_show_grace_s)
            await repo.save_ticket(conn, called)
            await repo.remember_call(conn, cmd.office, cmd.counter, called.priority is not None)
            view = ticket_view(called)
            return {"ticket": view}, [m.TicketCalled(office=cmd.office, ticket=view, counter=cmd.counter,
                                                     data={"chosen": True})]

        return await self._run(work)

    # ------------------------------------------------------------ one ticket's transitions

    async def _transition(self, ticket_id: str, change: Callable[[Ticket, datetime, OfficeRules], Ticket],
                          event: type[m.Event]) -> dict[str, Any]:
        async def work(conn: asyncpg.Connection) -> tuple[Any, list[m.Event]]:
            ticket = await repo.load_ticket(conn, ticket_id, lock=True)
            office = await repo.get_office(conn, ticket.office)
            changed = change(ticket, self._clock(), office.rules)
            await repo.save_ticket(conn, changed)
            view = ticket_view(changed)
            return view, [event(office=ticket.office, ticket=view, counter=ticket.counter)]

        return await self._run(work)

    async def recall(self, cmd: m.Recall) -> dict[str, Any]:
        return await self._transition(cmd.ticket_id, lambda t, now, r: rules.recall(t), m.TicketRecalled)

    async def skip(self, cmd: m.Skip) -> dict[str, Any]:
        return await self._transition(cmd.ticket_id, lambda t, now, r: rules.skip(t, now), m.TicketSkipped)

    async def start(self, cmd: m.Start) -> dict[str, Any]:
        return await self._transition(cmd.ticket_id, lambda t, now, r: rules.start(t, now), m.TicketStarted)

    async def complete(self, cmd: m.Complete) -> dict[str, Any]:
        return await self._transition(cmd.ticket_id, lambda t, now, r: rules.complete(t, now), m.TicketCompleted)

    async def cancel(self, cmd: m.Cancel) -> dict[str, Any]:
        return await self._transition(cmd.ticket_id, lambda t, now, r: rules.cancel(t, now), m.TicketCancelled)

    async def return_to_queue(self, cmd: m.ReturnToQueue) -> dict[str, Any]:
        return await self._transition(
            cmd.ticket_id, lambda t, now, r: rules.return_to_queue(t, now, r.no_show_grace_s), m.TicketReturned
        )

    async def transfer(self, cmd: m.Transfer) -> dict[str, Any]:
        if cmd.service is None and cmd.counter is None:
            raise InvalidInput("Hãy chọn dịch vụ ('service') hoặc quầy ('counter') để chuyển tới",
                               "Choose a service ('service') or a counter ('counter') to transfer to")

        async def work(conn: asyncpg.Connection) -> tuple[Any, list[m.Event]]:
            ticket = await repo.load_ticket(conn, cmd.ticket_id, lock=True)
            service = cmd.service or ticket.service
            await repo.get_service(conn, ticket.office, service)
            if cmd.counter is not None:
                target = await repo.get_counter(conn, ticket.office, cmd.counter)
                if service not in target.services:
                    raise InvalidInput(
                        f"Quầy {cmd.counter} không phục vụ dịch vụ {service}",
                        f"Counter {cmd.counter} does not serve service {service}",
                    )
            moved = rules.transfer(ticket, service, cmd.counter)
            await repo.save_ticket(conn, moved)
            view = ticket_view(moved)
            data = {"from_service": ticket.service, "from_counter": ticket.counter}
            return view, [m.TicketTransferred(office=ticket.office, ticket=view, counter=ticket.counter, data=data)]

        return await self._run(work)

    # ------------------------------------------------------------ counters

    async def _set_paused(self, office: str, counter: str, paused: bool) -> dict[str, Any]:
        async def work(conn: asyncpg.Connection) -> tuple[Any, list[m.Event]]:
            found = await repo.get_counter(conn, office, counter, lock=True)
            if found.paused == paused:
                return {"counter": counter, "paused": paused}, []
            await repo.set_counter_paused(conn, office, counter, paused)
            event = m.CounterPaused if paused else m.CounterResumed
            return {"counter": counter, "paused": paused}, [event(office=office, counter=counter)]

        return await self._run(work)

    async def pause(self, cmd: m.PauseCounter) -> dict[str, Any]:
        return await self._set_paused(cmd.office, cmd.counter, True)

    async def resume(self, cmd: m.ResumeCounter) -> dict[str, Any]:
        return await self._set_paused(cmd.office, cmd.counter, False)
