"""Ticketing command handlers: each change is one transaction with its events in the outbox (issuing: one statement)."""
from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime
from typing import Any, Awaitable, Callable

import asyncpg

from services import messages as m
from services.domain import tickets as rules
from services.domain.access import Actor, Right, check, check_province_unchanged
from services.domain.errors import Conflict, InvalidInput, NotFound
from services.domain.numbering import local_day, utc_now
from services.domain.office import OfficeRules, check_id
from services.domain.office_config import parse_office
from services.domain.policy import choose_next
from services.domain.tickets import Status, Ticket
from services.store import issuing, outbox
from services.store.db import RoutedCommands
from services.store import repository as repo
from services.ticketing.queries import POSITION_HISTORY, TicketingReads
from services.ticketing.views import came_from, ticket_view

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# What a command's work returns: its result and events, and maybe the changes to send with the events (one round
# trip: see outbox.append).
Outcome = tuple[Any, list[m.Event]] | tuple[Any, list[m.Event], list[repo.Statement]]
Work = Callable[[asyncpg.Connection], Awaitable[Outcome]]

ISSUING_KNOWN_MAX = 10_000      # offices × services whose configuration issuing keeps: a bound, never reached
_RETRYABLE = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError, asyncpg.UniqueViolationError)


def _check_procedure(service: Any, procedure: str | None) -> str | None:
    if procedure is None:
        return None
    if procedure not in {p["code"] for p in service["procedures"]}:
        raise InvalidInput(f"Dịch vụ {service['code']} không có thủ tục '{procedure}'",
                           f"Service {service['code']} has no procedure '{procedure}'")
    return procedure


def _check_citizen(citizen_id: str | None) -> str | None:
    if citizen_id is None:
        return None
    try:
        return str(uuid.UUID(citizen_id))
    except ValueError as exc:
        raise InvalidInput(f"Mã công dân không hợp lệ: {citizen_id[:40]!r}", f"Invalid citizen id: {citizen_id[:40]!r}") \
            from exc


class Ticketing(TicketingReads, RoutedCommands):
    """Commands: each changes state and writes its events in one transaction."""

    def __init__(self, pool: asyncpg.Pool, prefix: str, *, clock: Clock = utc_now,
                 on_commit: Callable[[], None] = lambda: None, relay_here: Callable[[], bool] = lambda: False) -> None:
        """`on_commit` wakes this process's outbox relay; `relay_here()` tells whether that relay is the active one
        (then a commit needs no NOTIFY to reach it: outbox.notifying)."""
        self._pool = pool
        self._prefix = prefix
        self._clock = clock
        self._on_commit = on_commit
        self._relay_here = relay_here
        # Per (office, service): its configuration as last read, issued from while it is current (issuing.py).
        self._issuing: dict[tuple[str, str], repo.IssueReads] = {}
        self._routes: dict[type[m.Command], Callable[[Any], Awaitable[Any]]] = {
            m.ConfigureOffice: self.configure_office, m.IssueTicket: self.issue, m.CallNext: self.call_next,
            m.CallTicket: self.call_ticket, m.Recall: self.recall, m.Skip: self.skip, m.Start: self.start,
            m.Complete: self.complete, m.Cancel: self.cancel, m.ReturnToQueue: self.return_to_queue,
            m.Transfer: self.transfer, m.PauseCounter: self.pause, m.ResumeCounter: self.resume,
            m.ListServices: self.list_services, m.GetOffice: self.get_office, m.GetQueue: self.get_queue,
            m.GetTicket: self.get_ticket, m.Health: self.health, m.GetOfficeState: self.get_office_state,
            m.LocateTicket: self.locate_ticket, m.GetOfficeConfiguration: self.get_office_configuration,
        }

    async def run(self, work: Work) -> Any:
        return await self._run(work)

    async def _run(self, work: Work) -> Any:
        """Run `work` in a transaction with its events; retry the rare lost race."""
        async def once() -> Any:
            async with self._pool.acquire() as conn:
                async with conn.transaction():
                    result, events, *along = await work(conn)
                    changed = await outbox.append(conn, self._prefix, events, along=along[0] if along else (),
                                                  notify=not self._relay_here())
                    if any(n != 1 for n in changed):       # a row moved on despite its lock: do it again
                        raise asyncpg.SerializationError(f"rows changed meanwhile ({changed})")
            if events:
                self._on_commit()
            return result
        return await self._retrying(once)

    @staticmethod
    async def _retrying(once: Callable[[], Awaitable[Any]]) -> Any:
        for attempt in range(8):
            try:
                return await once()
            except _RETRYABLE as exc:
                if attempt == 7:
                    raise
                log.info("retrying after %s", type(exc).__name__)
                await asyncio.sleep(0.005 * (attempt + 1))
        raise AssertionError("unreachable")

    # ------------------------------------------------------------ configuration

    async def configure_office(self, cmd: m.ConfigureOffice) -> dict[str, Any]:
        office = check_id("văn phòng", "office", cmd.office)
        actor = check(Actor.from_dict(cmd.actor), Right.CONFIGURE_OFFICE, office)
        rules, services, counters = parse_office(cmd.name, cmd.timezone, cmd.settings, cmd.services, cmd.counters)
        codes = {s["code"] for s in services}

        async def work(conn: asyncpg.Connection) -> tuple[Any, list[m.Event]]:
            if not actor.is_admin:
                if not await repo.office_exists(conn, office):
                    check(actor, Right.CREATE_OFFICE)   # managers change their office; only admins create offices
                before = await repo.get_office(conn, office, lock=True)
                check_province_unchanged(actor, before.rules.province, rules.province)
            await repo.upsert_office(conn, office, cmd.name.strip(), cmd.timezone, cmd.settings)
            for position, spec in enumerate(services):
                await repo.upsert_service(conn, office, spec, position)
            for spec in counters:
                await repo.upsert_counter(conn, office, spec)
            await repo.deactivate_missing(conn, office, sorted(codes), [c["id"] for c in counters])
            summary = {"office": office, "services": sorted(codes), "counters": [c["id"] for c in counters]}
            # What projections (reports) need to know of the office, so they follow from the events alone.
            described = {**summary, "name": cmd.name.strip(), "timezone": cmd.timezone,
                         "province": rules.province, "wait_alert_s": rules.wait_alert_s,
                         "rating_scale": rules.rating_scale,
                         "opening_time": rules.opening_time.strftime("%H:%M"),
                         "closing_time": rules.closing_time.strftime("%H:%M"),
                         "service_names": {s["code"]: s["name"] for s in services},
                         "counter_names": {c["id"]: c.get("name") or c["id"] for c in counters}}
            return summary, [m.OfficeConfigured(office=office, data=described, actor=cmd.actor)]

        return await self._run(work)

    # ------------------------------------------------------------ issuing

    async def issue(self, cmd: m.IssueTicket) -> dict[str, Any]:
        check_id("văn phòng", "office", cmd.office)
        check(Actor.from_dict(cmd.actor), Right.ISSUE_TICKET, cmd.office)
        key = cmd.idempotency_key
        if key is not None and not 1 <= len(key) <= 200:
            raise InvalidInput("Idempotency-Key phải dài 1–200 ký tự", "Idempotency-Key must be 1–200 characters")

        async def once() -> dict[str, Any]:
            # One round trip when this office's configuration is known here and current, two when it must be read
            # first; outside any transaction (services.store.issuing).
            async with self._pool.acquire() as conn:
                view = await self._issue_once(conn, cmd, key)
            if not view["replayed"]:
                self._on_commit()
            return view

        return await self._retrying(once)

    async def _issue_once(self, conn: asyncpg.Connection, cmd: m.IssueTicket, key: str | None) -> dict[str, Any]:
        now = self._clock()
        known = self._issuing.get((cmd.office, cmd.service))
        if known is not None:
            view = await self._issue_with(conn, cmd, key, known, now, read_now=False)
            if view is not None:
                return view
            # The office changed, or the key was used before: read what is now.
        reads = await repo.issue_reads(conn, cmd.office, cmd.service, key)
        office_rules = reads.office.rules
        priority = office_rules.check_priority(cmd.priority)
        if reads.replay_of is not None and key is not None:
            existing = await repo.find_by_idempotency_key(conn, cmd.office, key)
            if existing is not None:
                if existing.origin_service != cmd.service or existing.priority != priority:
                    raise Conflict(
                        "Idempotency-Key này đã dùng cho một yêu cầu khác",
                        "This Idempotency-Key was already used for a different request",
                    )
                service, _ = await repo.get_service(conn, cmd.office, existing.service)
                return {**ticket_view(existing), **await self._position(conn, existing, office_rules),
                        "service_name": service["name"], "replayed": True}
        if reads.service is None:
            self._issuing.pop((cmd.office, cmd.service), None)
            raise repo.service_not_found(cmd.office, cmd.service)
        if len(self._issuing) >= ISSUING_KNOWN_MAX:
            self._issuing.clear()
        self._issuing[(cmd.office, cmd.service)] = reads
        view = await self._issue_with(conn, cmd, key, reads, now, read_now=True)
        if view is None:                        # changed again between the two round trips: once more
            raise asyncpg.SerializationError("the office's configuration changed while issuing")
        return view

    async def _issue_with(self, conn: asyncpg.Connection, cmd: m.IssueTicket, key: str | None,
                          known: repo.IssueReads, now: datetime, *, read_now: bool) -> dict[str, Any] | None:
        """Issue from `known` (the office and service as read at its version; `read_now`: by this command); None
        when that version is gone, when `key` names a ticket issued before, or when a copy kept from an earlier
        command refuses the request (the caller reads again, and only what is current refuses)."""
        assert known.service is not None
        office_rules = known.office.rules
        service, number_format = known.service
        try:
            priority = office_rules.check_priority(cmd.priority)
            procedure = _check_procedure(service, cmd.procedure)
        except InvalidInput:
            if not read_now:
                return None                     # refused by a copy that may be older: the caller reads again
            raise
        draft = Ticket(
            id=str(uuid.uuid4()), office=cmd.office, service=cmd.service, origin_service=cmd.service,
            local_day=local_day(now, office_rules.tz), seq=0, number="", priority=priority, status=Status.WAITING,
            issued_at=now, queued_at=now, procedure=procedure, citizen_id=_check_citizen(cmd.citizen_id),
        )
        # The event carries the draft's view; the statement fills in its number and issue time.
        issued_event = m.TicketIssued(office=cmd.office, ticket=ticket_view(draft), actor=cmd.actor,
                                      data=came_from(None))
        try:
            issued = await issuing.issue_ticket(conn, self._prefix, draft, number_format, known.version, key,
                                                issued_event, now - POSITION_HISTORY, notify=not self._relay_here())
        except asyncpg.UniqueViolationError:
            if key is None:
                raise
            return None                         # most likely the key's earlier ticket: issue_reads finds it
        if issued is None:
            self._issuing.pop((cmd.office, cmd.service), None)
            return None
        return {**ticket_view(issued.ticket), **self.position_of(issued.position, office_rules),
                "service_name": service["name"], "replayed": False}

    # ------------------------------------------------------------ calling

    async def _open_counter(self, conn: asyncpg.Connection, office: str, counter: str) -> repo.Counter:
        return self._check_open(await repo.get_counter(conn, office, counter, lock=True))

    @staticmethod
    def _check_open(counter: repo.Counter) -> repo.Counter:
        if counter.paused:
            raise Conflict(
                f"Quầy {counter.id} đang tạm dừng; hãy mở lại quầy trước khi gọi số",
                f"Counter {counter.id} is paused; resume it before calling",
            )
        return counter

    @staticmethod
    def _busy(counter: str, current: Ticket) -> Conflict:
        return Conflict(
            f"Quầy {counter} đang phục vụ số {current.number}; hãy hoàn thành, bỏ qua hoặc chuyển phiếu đó trước",
            f"Counter {counter} is serving {current.number}; complete, skip or transfer it first",
        )

    @staticmethod
    def _moved_on(counter: str, ticket_id: str, current: Ticket | None) -> Conflict:
        now_vi = f"đang phục vụ số {current.number}" if current else "không có số nào"
        now_en = f"is serving {current.number}" if current else "has no ticket"
        return Conflict(
            f"Phiếu cần hoàn thành không còn là phiếu của quầy {counter} (quầy {now_vi}); không gọi thêm ai. "
            "Màn hình đã được cập nhật.",
            f"The ticket to complete is no longer counter {counter}'s (the counter {now_en}); nobody was called. "
            "The screen has been refreshed.", ticket=ticket_id,
        )

    async def call_next(self, cmd: m.CallNext) -> dict[str, Any]:
        check(Actor.from_dict(cmd.actor), Right.SERVE, cmd.office)

        async def work(conn: asyncpg.Connection) -> Outcome:
            # Clerks of one office call at the same time: each locks the head of each queue it calls from, skipping
            # the heads another clerk holds (SKIP LOCKED), so two clerks are never handed the same ticket. The
            # counter's row lock makes one counter's presses take turns and keeps its fairness history consistent.
            # Four round trips in all: BEGIN, the office with the counter, its current ticket and the heads
            # (repository.open_counter), the changes with their events, COMMIT.
            opened = await repo.open_counter(conn, cmd.office, cmd.counter, cmd.complete)
            office, counter, current = opened.office, self._check_open(opened.counter), opened.current
            office_rules = office.rules
            now = self._clock()
            events: list[m.Event] = []
            changes: list[repo.Statement] = []
            completed = None
            if cmd.complete is not None:
                if current is None or current.id != cmd.complete:
                    raise self._moved_on(cmd.counter, cmd.complete, current)
            elif current is not None:
                raise self._busy(cmd.counter, current)
            if current is not None:
                done, saving = repo.save_ticket_statement(rules.complete(current, now))
                changes.append(saving)
                completed = ticket_view(done)
                events.append(m.TicketCompleted(office=cmd.office, ticket=completed, counter=cmd.counter,
                                                actor=cmd.actor, data=came_from(current)))
            ticket = await self._pick(conn, counter, office_rules, now, opened.heads)
            if ticket is None:
                return {"ticket": None, "completed": completed}, events, changes
            called, saving = repo.save_ticket_statement(rules.call(ticket, cmd.counter, now,
                                                                   office_rules.no_show_grace_s))
            changes += [saving, repo.remember_call(cmd.office, cmd.counter, called.priority is not None)]
            view = ticket_view(called)
            events.append(m.TicketCalled(office=cmd.office, ticket=view, counter=cmd.counter, actor=cmd.actor,
                                         data=came_from(ticket)))
            return {"ticket": view, "completed": completed}, events, changes

        return await self._run(work)

    @staticmethod
    async def _pick(conn: asyncpg.Connection, counter: repo.Counter, office_rules: OfficeRules, now: datetime,
                    locked: repo.Heads | None = None) -> Ticket | None:
        """Lock the heads (or take those `locked` already, the first time), choose by the policy; a ticket changed
        meanwhile (transferred, cancelled) is re-picked. Heads held by other clerks at this instant are skipped; when
        that leaves nothing to choose while tickets still wait, those clerks are about to take one each and free the
        rest: pick again in a moment."""
        for attempt in range(20):
            heads = locked if attempt == 0 and locked is not None else await repo.lock_heads(
                conn, counter.office, counter.services, counter.id)
            chosen = choose_next([candidate for candidate, _ in heads.values()], counter=counter.id,
                                 services=counter.services, history=counter.history, rule=office_rules.fairness,
                                 now=now)
            if chosen is None:
                if not await repo.candidates(conn, counter.office, counter.services, counter.id):
                    return None                                 # nobody waits for this counter
                await asyncio.sleep(0.002 * (attempt + 1))
                continue
            ticket = heads[chosen.ticket_id][1]                 # read as it was locked: current
            if (ticket.status is Status.WAITING and ticket.service in counter.services
                    and ticket.for_counter in (None, counter.id)):
                return ticket
        raise asyncpg.SerializationError("queue kept changing while picking")

    async def call_ticket(self, cmd: m.CallTicket) -> dict[str, Any]:
        check(Actor.from_dict(cmd.actor), Right.SERVE, cmd.office)
        if (cmd.ticket_id is None) == (cmd.number is None):
            raise InvalidInput("Hãy gửi đúng một trong 'ticket_id' hoặc 'number'",
                               "Send exactly one of 'ticket_id' or 'number'")

        async def work(conn: asyncpg.Connection) -> Outcome:
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
            called, saving = repo.save_ticket_statement(rules.call(ticket, cmd.counter, now,
                                                                   office_rules.no_show_grace_s))
            view = ticket_view(called)
            return {"ticket": view}, [m.TicketCalled(office=cmd.office, ticket=view, counter=cmd.counter,
                                                     data={"chosen": True, **came_from(ticket)}, actor=cmd.actor)], \
                [saving, repo.remember_call(cmd.office, cmd.counter, called.priority is not None)]

        return await self._run(work)

    # ------------------------------------------------------------ one ticket's transitions

    @staticmethod
    def _check_serves(actor: dict | None, ticket: Ticket, *, citizen_may: bool = False) -> None:
        """Staff of the ticket's office act on it; with `citizen_may`, so does an anonymous holder of its id."""
        if actor is None and citizen_may:
            return
        check(Actor.from_dict(actor), Right.SERVE, ticket.office)

    async def _transition(self, cmd: m.TicketCommand, change: Callable[[Ticket, datetime, OfficeRules], Ticket],
                          event: type[m.Event], *, citizen_may: bool = False) -> dict[str, Any]:
        async def work(conn: asyncpg.Connection) -> tuple[Any, list[m.Event]]:
            ticket = await repo.load_ticket(conn, cmd.ticket_id, lock=True)
            self._check_serves(cmd.actor, ticket, citizen_may=citizen_may)
            rules.expect(ticket, counter=cmd.at_counter, version=cmd.seen_version)
            office = await repo.get_office(conn, ticket.office)
            changed = change(ticket, self._clock(), office.rules)
            changed = await repo.save_ticket(conn, changed)
            view = ticket_view(changed)
            return view, [event(office=ticket.office, ticket=view, counter=ticket.counter, actor=cmd.actor,
                                data=came_from(ticket))]

        return await self._run(work)

    async def recall(self, cmd: m.Recall) -> dict[str, Any]:
        return await self._transition(cmd, lambda t, now, r: rules.recall(t), m.TicketRecalled)

    async def skip(self, cmd: m.Skip) -> dict[str, Any]:
        return await self._transition(cmd, lambda t, now, r: rules.skip(t, now), m.TicketSkipped)

    async def start(self, cmd: m.Start) -> dict[str, Any]:
        return await self._transition(cmd, lambda t, now, r: rules.start(t, now), m.TicketStarted)

    async def complete(self, cmd: m.Complete) -> dict[str, Any]:
        return await self._transition(cmd, lambda t, now, r: rules.complete(t, now), m.TicketCompleted)

    async def cancel(self, cmd: m.Cancel) -> dict[str, Any]:
        # The unguessable ticket id is the citizen's key: with it they may leave the queue.
        return await self._transition(cmd, lambda t, now, r: rules.cancel(t, now), m.TicketCancelled,
                                      citizen_may=True)

    async def return_to_queue(self, cmd: m.ReturnToQueue) -> dict[str, Any]:
        return await self._transition(
            cmd, lambda t, now, r: rules.return_to_queue(t, now, r.no_show_grace_s), m.TicketReturned
        )

    async def transfer(self, cmd: m.Transfer) -> dict[str, Any]:
        if cmd.service is None and cmd.counter is None:
            raise InvalidInput("Hãy chọn dịch vụ ('service') hoặc quầy ('counter') để chuyển tới",
                               "Choose a service ('service') or a counter ('counter') to transfer to")

        async def work(conn: asyncpg.Connection) -> tuple[Any, list[m.Event]]:
            ticket = await repo.load_ticket(conn, cmd.ticket_id, lock=True)
            self._check_serves(cmd.actor, ticket)
            rules.expect(ticket, counter=cmd.at_counter, version=cmd.seen_version)
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
            moved = await repo.save_ticket(conn, moved)
            view = ticket_view(moved)
            data = {"from_service": ticket.service, "from_counter": ticket.counter, **came_from(ticket)}
            return view, [m.TicketTransferred(office=ticket.office, ticket=view, counter=ticket.counter, data=data,
                                              actor=cmd.actor)]

        return await self._run(work)

    # ------------------------------------------------------------ counters

    async def _set_paused(self, cmd: m.PauseCounter | m.ResumeCounter, paused: bool) -> dict[str, Any]:
        check(Actor.from_dict(cmd.actor), Right.SERVE, cmd.office)
        office, counter = cmd.office, cmd.counter

        async def work(conn: asyncpg.Connection) -> tuple[Any, list[m.Event]]:
            found = await repo.get_counter(conn, office, counter, lock=True)
            if found.paused == paused:
                return {"counter": counter, "paused": paused}, []
            await repo.set_counter_paused(conn, office, counter, paused)
            event = m.CounterPaused if paused else m.CounterResumed
            return {"counter": counter, "paused": paused}, [event(office=office, counter=counter, actor=cmd.actor)]

        return await self._run(work)

    async def pause(self, cmd: m.PauseCounter) -> dict[str, Any]:
        return await self._set_paused(cmd, True)

    async def resume(self, cmd: m.ResumeCounter) -> dict[str, Any]:
        return await self._set_paused(cmd, False)
