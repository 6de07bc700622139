"""Hall board views: the page, its live event stream, the chime and the spoken calls.

Everything comes over NATS (`bus.request`) or from this package's files: never the database.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from aiohttp import web

from display import announce
from display.audio import SpeechFailed, SpeechRenderer, SpeechUnavailable, chime_wav
from services import messages as m
from services.api.auth import public, requires
from services.api.responses import error_response, json_response
from services.bus import Bus
from services.domain.access import Right
from services.domain.speech import SpeechStyle
from services.live import LiveHub, sse_response
from services.screens import pages

BUS = web.AppKey("display_bus", Bus)
HUB = web.AppKey("display_hub", LiveHub)
SPEECH = web.AppKey("display_speech", SpeechRenderer)
STYLE = web.AppKey("display_style", SpeechStyle)
OFFICES = web.AppKey("display_offices", dict)   # office id -> (fetched at, office config)

TEMPLATES = Path(__file__).parent / "templates"
OFFICE_TTL_S = 30.0
OPTIONS = {"layout": ("auto", "landscape", "portrait"), "sound": ("auto", "on", "off"),
           "voice": ("auto", "browser", "server", "off"), "lang": ("", "vi", "en")}


async def office_config(app: web.Application, office: str) -> dict[str, Any]:
    """The office (counters, services), cached briefly; a stale copy is better than no announcement."""
    cached = app[OFFICES].get(office)
    if cached and time.monotonic() - cached[0] < OFFICE_TTL_S:
        return cached[1]
    try:
        config = await app[BUS].request(m.GetOffice(office=office))
    except m.ServiceError as exc:
        if cached and exc.code not in ("not_found", "invalid"):
            return cached[1]
        raise
    app[OFFICES][office] = (time.monotonic(), config)
    return config


def _options(request: web.Request) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for name, allowed in OPTIONS.items():
        value = request.query.get(name, allowed[0]).strip().lower()
        options[name] = value if value in allowed else allowed[0]
    try:
        options["recent"] = min(10, max(3, int(request.query.get("recent", "6"))))
    except ValueError:
        options["recent"] = 6
    return options


# ------------------------------------------------------------ the page and its stream

@public
async def board(request: web.Request) -> web.Response:
    office_id = request.match_info["office"]
    office = await pages.load_office(request, request.app[BUS], office_id)
    request.app[OFFICES][office_id] = (time.monotonic(), office)
    router = request.app.router
    config = {
        "office": office_id, "name": office["name"], "timezone": office.get("timezone") or "Asia/Ho_Chi_Minh",
        "options": _options(request),
        "urls": {
            "events": str(router["events"].url_for(office=office_id)),
            "queue": f"/api/offices/{office_id}/queue",
            "announce": str(router["announce"].url_for(office=office_id)),
            "audio": str(router["announce_wav"].url_for(office=office_id)),
            "chime": str(router["chime"].url_for()),
        },
    }
    sources = [pages.asset(request, "static", "clock.js"), pages.asset(request, "common", "stream.js")]
    sources += [pages.asset(request, "static", name) for name in ("announcer.js", "sound.js", "fit.js", "board.js")]
    scripts = "".join(f'<script src="{src}" defer></script>' for src in sources)
    return pages.render(request, TEMPLATES / "board.html", config=config, raw={"scripts": scripts},
                        office_name=office["name"], css=pages.asset(request, "static", "board.css"))


@requires(Right.READ_BOARD)
async def events(request: web.Request) -> web.StreamResponse:
    """The office's queue snapshot, then every event, as Server-Sent Events (heartbeat comments when quiet)."""
    return await sse_response(request, request.app[HUB], request.match_info["office"], audience="public")


# ------------------------------------------------------------ sound

@public
async def chime(request: web.Request) -> web.Response:
    return web.Response(body=chime_wav(), content_type="audio/wav",
                        headers={"Cache-Control": "public, max-age=86400"})


async def _call(request: web.Request) -> announce.Call | web.Response:
    office_id = request.match_info["office"]
    try:
        office = await office_config(request.app, office_id)
    except m.ServiceError as exc:
        if exc.code in ("not_found", "invalid"):
            return error_response("not_found", f"Không có văn phòng “{office_id}”", f"No office “{office_id}”", 404)
        return error_response(exc.code, exc.message, exc.message_en, 503)
    try:
        return announce.make_call(request.query.get("ticket"), request.query.get("counter"), office,
                                  request.app[STYLE])
    except announce.BadInput as exc:
        return error_response("invalid", exc.message, exc.message_en, 400)


@requires(Right.READ_BOARD)
async def announcement(request: web.Request) -> web.Response:
    """What to say for a call: {text (spoken), display (written), audio (WAV url), ...}."""
    call = await _call(request)
    if isinstance(call, web.Response):
        return call
    audio = request.app.router["announce_wav"].url_for(office=request.match_info["office"]).with_query(
        ticket=call.ticket, counter=call.counter)
    speech = request.app[SPEECH]
    return json_response({**call.as_dict(), "audio": str(audio), "audio_available": speech.available},
                         headers={"Cache-Control": "no-store"})


@requires(Right.READ_BOARD)
async def announcement_wav(request: web.Request) -> web.StreamResponse:
    """The spoken call as WAV, rendered offline by espeak-ng (cached on disk)."""
    call = await _call(request)
    if isinstance(call, web.Response):
        return call
    speech = request.app[SPEECH]
    try:
        path = await speech.render(call.text)
    except SpeechUnavailable:
        return error_response("tts_unavailable",
                      "Máy chủ chưa cài espeak-ng (giọng tiếng Việt); hãy cài gói espeak-ng "
                      "hoặc dùng trình duyệt có giọng vi-VN",
                      "espeak-ng (Vietnamese voice) is not installed on the server; install the espeak-ng "
                      "package or use a browser with a vi-VN voice", status=503)
    except SpeechFailed as exc:
        return error_response("tts_failed", f"Không tạo được âm thanh: {exc}", f"Could not render the audio: {exc}", 500)
    return web.FileResponse(path, headers={"Content-Type": "audio/wav", "Cache-Control": "public, max-age=3600"})
