"""Citizen identification under /api: ID card QR text, enrolment with consent, face identification, a citizen's
record, erasure of their face and the log of who used their data. Images are forwarded to the identity service as
base64 in the command; face work never runs in the web front."""
from __future__ import annotations

import base64
from typing import Any

from aiohttp import web

from services import messages as m
from services.api.auth import actor_of, requires
from services.api.body import field, max_body, read_bytes, read_json
from services.api.responses import json_response
from services.api.tickets import BUS, ask
from services.domain.access import Right
from services.domain.errors import DomainError

IMAGE_TYPES = ("image/jpeg", "image/png")
FRAME_MAX_BYTES = 5 * 1024 * 1024
# An enrolment carries a photo of up to 5 MiB as base64 in JSON (4/3 of it: 6.67 MiB) plus the card's text. 7 MiB
# takes the largest photo the identity service accepts, and the command that forwards it (the same base64 plus a
# few hundred bytes) stays under the 8 MiB message limit of the embedded and production NATS.
ENROL_MAX_BODY = 7 * 1024 * 1024
# Face work queues behind other citizens' frames in the worker pool; a worker may load the models first (~2 s).
FACE_TIMEOUT_S = 30.0


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"


async def ask_faces(request: web.Request, command: m.Command) -> Any:
    bus = request.config_dict[BUS]
    return await bus.request(command, timeout=max(bus.settings.request_timeout_s, FACE_TIMEOUT_S))


@requires(Right.IDENTIFY, office=None)
async def read_cccd(request: web.Request) -> web.Response:
    """{"qr": "<the card's QR text>"} → the card's fields, or 400 with `details.reason`."""
    body = await read_json(request)
    return json_response(await ask(request, m.ReadCccd(qr=field(body, "qr", str, required=True),
                                                       actor=actor_of(request))))


@requires(Right.ENROL_CITIZEN, office=None)
@max_body(ENROL_MAX_BODY)
async def enrol_citizen(request: web.Request) -> web.Response:
    """{"cccd", "consent": true, "photo": base64} → 201 for a new citizen, 200 when the ID number was known."""
    body = await read_json(request)
    reply = await ask_faces(request, m.EnrolCitizen(
        cccd=field(body, "cccd", str, required=True), consent=field(body, "consent", bool) is True,
        photo=field(body, "photo", str), office=field(body, "office", str), actor=actor_of(request),
    ))
    return json_response(reply, status=201 if reply["created"] else 200,
                         headers={"Location": f"/api/citizens/{reply['citizen_id']}"})


@requires(Right.IDENTIFY)
@max_body(FRAME_MAX_BYTES)
async def identify(request: web.Request) -> web.Response:
    """The camera frame as the body (image/jpeg or image/png) → {"match": {...}} or {"match": null, "reason"}."""
    if request.content_type not in IMAGE_TYPES:
        raise UnsupportedMediaType(
            "Ảnh gửi lên phải có Content-Type image/jpeg hoặc image/png",
            "Send the frame with Content-Type image/jpeg or image/png", content_type=request.content_type)
    frame = await read_bytes(request)
    return json_response(await ask_faces(request, m.Identify(
        office=request.match_info["office"], image=base64.b64encode(frame).decode("ascii"),
        actor=actor_of(request))))


@requires(Right.READ_CITIZEN, office=None)
async def get_citizen(request: web.Request) -> web.Response:
    """The citizen's card data for the counter screen (the read is audited)."""
    return json_response(await ask(request, m.GetCitizen(citizen_id=request.match_info["citizen_id"],
                                                         actor=actor_of(request))))


@requires(Right.READ_CITIZEN, office=None)
async def erase_face(request: web.Request) -> web.Response:
    """The citizen withdraws consent: staff of any office (or an admin) erase the face encoding."""
    await read_json(request)
    return json_response(await ask(request, m.EraseFace(citizen_id=request.match_info["citizen_id"],
                                                        actor=actor_of(request))))


@requires(Right.AUDIT, office=None)
async def citizen_audit(request: web.Request) -> web.Response:
    return json_response(await ask(request, m.GetCitizenAudit(citizen_id=request.match_info["citizen_id"],
                                                              actor=actor_of(request))))


def add_identity_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/api/identity/cccd", read_cccd)
    r.add_post("/api/citizens", enrol_citizen)
    r.add_get("/api/citizens/{citizen_id}", get_citizen)
    r.add_delete("/api/citizens/{citizen_id}/face", erase_face)
    r.add_get("/api/citizens/{citizen_id}/audit", citizen_audit)
    r.add_post("/api/offices/{office}/identify", identify)
