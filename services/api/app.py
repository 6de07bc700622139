"""The JSON API under /api: parses HTTP, sends commands over NATS, renders replies. No database here."""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from services import messages as m
from services.api.errors import bad_request, json_errors
from services.api.openapi import openapi_document
from services.bus import Bus

BUS = web.AppKey("bus", Bus)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(data, status=status, headers=headers,
                             dumps=lambda v: json.dumps(v, ensure_ascii=False))


class BadBody(Exception):
    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message, self.message_en = message, message_en


async def _body(request: web.Request) -> dict[str, Any]:
    """The JSON object sent, {} for an empty body; BadBody for anything else."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadBody(f"Nội dung không phải JSON UTF-8 hợp lệ: {exc}", f"Body is not valid UTF-8 JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BadBody("Nội dung phải là một đối tượng JSON", "Body must be a JSON object")
    return data


def _field(body: dict[str, Any], name: str, kind: type | tuple[type, ...], *, required: bool = False) -> Any:
    value = body.get(name)
    if value is None:
        if required:
            raise BadBody(f"Thiếu trường '{name}'", f"Missing field '{name}'")
        return None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise BadBody(f"Trường '{name}' sai kiểu dữ liệu", f"Field '{name}' has the wrong type")
    return value


@web.middleware
async def bad_bodies(request: web.Request, handler):  # type: ignore[no-untyped-def]
    try:
        return await handler(request)
    except BadBody as exc:
        return bad_request(exc.message, exc.message_en)


async def ask(request: web.Request, command: m.Command) -> Any:
    return await request.app[BUS].request(command)


# ------------------------------------------------------------ offices and tickets

async def get_office(request: web.Request) -> web.Response:
    return _json(await ask(request, m.GetOffice(office=request.match_info["office"])))


async def list_services(request: web.Request) -> web.Response:
    return _json(await ask(request, m.ListServices(office=request.match_info["office"])))


async def issue_ticket(request: web.Request) -> web.Response:
    body = await _body(request)
    key = request.headers.get("Idempotency-Key")
    ticket = await ask(request, m.IssueTicket(
        office=request.match_info["office"], service=_field(body, "service", str, required=True),
        priority=_field(body, "priority", str), idempotency_key=key,
    ))
    headers = {"Location": f"/api/tickets/{ticket['id']}"}
    return _json(ticket, status=201, headers=headers)


async def get_queue(request: web.Request) -> web.Response:
    return _json(await ask(request, m.GetQueue(office=request.match_info["office"])))


async def get_ticket(request: web.Request) -> web.Response:
    return _json(await ask(request, m.GetTicket(ticket_id=request.match_info["ticket"])))


# ------------------------------------------------------------ counters

async def call_next(request: web.Request) -> web.Response:
    body = await _body(request)
    office, counter = request.match_info["office"], request.match_info["counter"]
    result = await ask(request, m.CallNext(
        office=office, counter=counter, complete_current=bool(_field(body, "complete_current", bool)),
    ))
    if result["ticket"] is None:
        error = {"code": "nobody_waiting",
                 "message": f"Không còn công dân nào chờ các dịch vụ của quầy {counter}",
                 "message_en": f"Nobody is waiting for the services of counter {counter}"}
        return _json({"error": error, "ticket": None, "completed": result.get("completed")}, status=404)
    return _json(result)


async def call_ticket(request: web.Request) -> web.Response:
    body = await _body(request)
    return _json(await ask(request, m.CallTicket(
        office=request.match_info["office"], counter=request.match_info["counter"],
        ticket_id=_field(body, "ticket_id", str), number=_field(body, "number", str),
    )))


async def pause_counter(request: web.Request) -> web.Response:
    return _json(await ask(request, m.PauseCounter(office=request.match_info["office"],
                                                   counter=request.match_info["counter"])))


async def resume_counter(request: web.Request) -> web.Response:
    return _json(await ask(request, m.ResumeCounter(office=request.match_info["office"],
                                                    counter=request.match_info["counter"])))


_TICKET_ACTIONS: dict[str, type[m.TicketCommand]] = {
    "recall": m.Recall, "skip": m.Skip, "start": m.Start, "complete": m.Complete,
    "cancel": m.Cancel, "return": m.ReturnToQueue,
}


async def ticket_action(request: web.Request) -> web.Response:
    action = _TICKET_ACTIONS[request.match_info["action"]]
    await _body(request)  # reject a malformed body even where none is needed
    ticket = await ask(request, action(ticket_id=request.match_info["ticket"]))
    return _json({"ticket": ticket})


async def transfer(request: web.Request) -> web.Response:
    body = await _body(request)
    ticket = await ask(request, m.Transfer(
        ticket_id=request.match_info["ticket"], service=_field(body, "service", str),
        counter=_field(body, "counter", str),
    ))
    return _json({"ticket": ticket})


async def openapi(request: web.Request) -> web.Response:
    return _json(openapi_document())


def add_api_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/openapi.json", openapi)
    r.add_get("/api/offices/{office}", get_office)
    r.add_get("/api/offices/{office}/services", list_services)
    r.add_post("/api/offices/{office}/tickets", issue_ticket)
    r.add_get("/api/offices/{office}/queue", get_queue)
    r.add_post("/api/offices/{office}/counters/{counter}/next", call_next)
    r.add_post("/api/offices/{office}/counters/{counter}/call", call_ticket)
    r.add_post("/api/offices/{office}/counters/{counter}/pause", pause_counter)
    r.add_post("/api/offices/{office}/counters/{counter}/resume", resume_counter)
    r.add_get("/api/tickets/{ticket}", get_ticket)
    r.add_post("/api/tickets/{ticket}/transfer", transfer)
    r.add_post("/api/tickets/{ticket}/{action:recall|skip|start|complete|cancel|return}", ticket_action)


def middlewares() -> list[Any]:
    return [json_errors, bad_bodies]
