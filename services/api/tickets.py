"""The offices and tickets API under /api: parses HTTP, sends commands over NATS, renders replies.

No database here. Each handler declares who may call it (services.api.auth); the caller travels with the command as
its `actor`, and the service checks it again where only it knows the office (a ticket's)."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from services import messages as m
from services.api.auth import actor_of, holds, principal_of, public, requires
from services.api.body import BadBody, field, read_json
from services.api.responses import error_response, json_response
from services.bus import Bus
from services.domain.access import Right
from services.ticketing.views import public_queue, without_personal

BUS = web.AppKey("bus", Bus)
LIMITER = web.AppKey("issue_limiter", object)   # services.api.security.RateLimiter


async def ask(request: web.Request, command: m.Command) -> Any:
    return await request.config_dict[BUS].request(command)


# ------------------------------------------------------------ offices

@public
async def get_office(request: web.Request) -> web.Response:
    return json_response(await ask(request, m.GetOffice(office=request.match_info["office"])))


@public
async def list_services(request: web.Request) -> web.Response:
    return json_response(await ask(request, m.ListServices(office=request.match_info["office"])))


@requires(Right.CONFIGURE_OFFICE)
async def configure_office(request: web.Request) -> web.Response:
    """Create (admin) or change (admin, the office's manager) an office: services, counters, rules."""
    body = await read_json(request)
    summary = await ask(request, m.ConfigureOffice(
        office=request.match_info["office"], name=field(body, "name", str, required=True),
        timezone=field(body, "timezone", str) or "Asia/Ho_Chi_Minh", settings=field(body, "settings", dict) or {},
        services=field(body, "services", list) or [], counters=field(body, "counters", list) or [],
        actor=actor_of(request),
    ))
    return json_response(summary)


@requires(Right.CONFIGURE_OFFICE)
async def get_configuration(request: web.Request) -> web.Response:
    """The office as PUT /api/offices/{office} takes it: a settings page loads it, edits it and puts it back."""
    return json_response(await ask(request, m.GetOfficeConfiguration(office=request.match_info["office"],
                                                                     actor=actor_of(request))))


@public
async def get_queue(request: web.Request) -> web.Response:
    """Staff of the office see every waiting ticket; anyone else numbers and counts only."""
    office = request.match_info["office"]
    queue = await ask(request, m.GetQueue(office=office))
    return json_response(queue if holds(request, Right.READ_DETAIL, office) else public_queue(queue))


# ------------------------------------------------------------ tickets

@requires(Right.ISSUE_TICKET)
async def issue_ticket(request: web.Request) -> web.Response:
    body = await read_json(request)
    principal = principal_of(request)
    if principal is not None and principal.actor.type == "device":
        request.config_dict[LIMITER].take(principal.actor.id)   # type: ignore[attr-defined]
    ticket = await ask(request, m.IssueTicket(
        office=request.match_info["office"], service=field(body, "service", str, required=True),
        priority=field(body, "priority", str), idempotency_key=request.headers.get("Idempotency-Key"),
        procedure=field(body, "procedure", str), citizen_id=field(body, "citizen_id", str), actor=actor_of(request),
    ))
    return json_response(ticket, status=201, headers={"Location": f"/api/tickets/{ticket['id']}"})


@public
async def get_ticket(request: web.Request) -> web.Response:
    """The ticket's own id is the citizen's key to it; who the citizen is stays with the staff of its office."""
    return json_response(_as_seen(request, await ask(request, m.GetTicket(ticket_id=request.match_info["ticket"]))))


@public
async def cancel_ticket(request: web.Request) -> web.Response:
    """The citizen leaves the queue (with the ticket's id), or staff of its office cancel it."""
    await read_json(request)
    actor = actor_of(request) if holds(request, Right.SERVE) else None
    ticket = await ask(request, m.Cancel(ticket_id=request.match_info["ticket"], actor=actor))
    return json_response({"ticket": _as_seen(request, ticket)})


def _as_seen(request: web.Request, ticket: dict[str, Any]) -> dict[str, Any]:
    return ticket if holds(request, Right.READ_DETAIL, ticket["office"]) else without_personal(ticket)


# ------------------------------------------------------------ counters

@requires(Right.SERVE)
async def call_next(request: web.Request) -> web.Response:
    """Call the next citizen; {"complete": "<id>"} first completes the ticket this counter is serving (409 when
    it is no longer this counter's). With nobody waiting: 404, or 200 with the completion and no new ticket."""
    body = await read_json(request)
    office, counter = request.match_info["office"], request.match_info["counter"]
    if "complete_current" in body:
        raise BadBody("Hãy gửi mã phiếu đang phục vụ: {\"complete\": \"<mã phiếu>\"}, để một lần bấm lặp lại "
                      "không hoàn thành nhầm người kế tiếp",
                      "Send the id of the ticket being served: {\"complete\": \"<ticket id>\"}, so that a repeated "
                      "press cannot complete the next citizen by mistake")
    result = await ask(request, m.CallNext(
        office=office, counter=counter, complete=field(body, "complete", str), actor=actor_of(request),
    ))
    if result["ticket"] is None and result.get("completed") is None:
        return error_response("nobody_waiting", f"Không còn công dân nào chờ các dịch vụ của quầy {counter}",
                              f"Nobody is waiting for the services of counter {counter}", 404,
                              ticket=None, completed=result.get("completed"))
    return json_response(result)


@requires(Right.SERVE)
async def call_ticket(request: web.Request) -> web.Response:
    body = await read_json(request)
    return json_response(await ask(request, m.CallTicket(
        office=request.match_info["office"], counter=request.match_info["counter"],
        ticket_id=field(body, "ticket_id", str), number=field(body, "number", str), actor=actor_of(request),
    )))


@requires(Right.SERVE)
async def pause_counter(request: web.Request) -> web.Response:
    await read_json(request)
    return json_response(await ask(request, m.PauseCounter(
        office=request.match_info["office"], counter=request.match_info["counter"], actor=actor_of(request))))


@requires(Right.SERVE)
async def resume_counter(request: web.Request) -> web.Response:
    await read_json(request)
    return json_response(await ask(request, m.ResumeCounter(
        office=request.match_info["office"], counter=request.match_info["counter"], actor=actor_of(request))))


_TICKET_ACTIONS: dict[str, type[m.TicketCommand]] = {
    "recall": m.Recall, "skip": m.Skip, "start": m.Start, "complete": m.Complete, "return": m.ReturnToQueue,
}


def _expected(body: dict[str, Any], counter_field: str = "counter") -> dict[str, Any]:
    """What the counter screen showed: the action is refused (409) once the ticket has moved on."""
    return {"at_counter": field(body, counter_field, str), "seen_version": field(body, "version", int)}


@requires(Right.SERVE)
async def ticket_action(request: web.Request) -> web.Response:
    """Optional body {"counter": "<the counter acting>", "version": <the version shown>}."""
    action = _TICKET_ACTIONS[request.match_info["action"]]
    body = await read_json(request)
    ticket = await ask(request, action(ticket_id=request.match_info["ticket"], actor=actor_of(request),
                                       **_expected(body)))
    return json_response({"ticket": ticket})


@requires(Right.SERVE)
async def transfer(request: web.Request) -> web.Response:
    """{"service"?, "counter"? (where to), "from_counter"?, "version"? (what the screen showed)}."""
    body = await read_json(request)
    ticket = await ask(request, m.Transfer(
        ticket_id=request.match_info["ticket"], service=field(body, "service", str),
        counter=field(body, "counter", str), actor=actor_of(request), **_expected(body, "from_counter"),
    ))
    return json_response({"ticket": ticket})


def add_ticket_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/offices/{office}", get_office)
    r.add_put("/api/offices/{office}", configure_office)
    r.add_get("/api/offices/{office}/configuration", get_configuration)
    r.add_get("/api/offices/{office}/services", list_services)
    r.add_post("/api/offices/{office}/tickets", issue_ticket)
    r.add_get("/api/offices/{office}/queue", get_queue)
    r.add_post("/api/offices/{office}/counters/{counter}/next", call_next)
    r.add_post("/api/offices/{office}/counters/{counter}/call", call_ticket)
    r.add_post("/api/offices/{office}/counters/{counter}/pause", pause_counter)
    r.add_post("/api/offices/{office}/counters/{counter}/resume", resume_counter)
    r.add_get("/api/tickets/{ticket}", get_ticket)
    r.add_post("/api/tickets/{ticket}/cancel", cancel_ticket)
    r.add_post("/api/tickets/{ticket}/transfer", transfer)
    r.add_post("/api/tickets/{ticket}/{action:recall|skip|start|complete|return}", ticket_action)
