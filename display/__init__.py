"""The hall board (/display/{office}): every counter's current number, the last calls, who waits for what,
the time; live over Server-Sent Events; each call announced with a chime and a Vietnamese voice.

Routes (mounted at /display):
    GET /display/{office}                  the board; ?layout=auto|landscape|portrait ?sound=auto|on|off
                                           ?voice=auto|browser|server|off ?lang=vi|en ?recent=3..10
    GET /display/{office}/events           Server-Sent Events: the queue snapshot, then every event of the office
    GET /display/{office}/announce         JSON: the spoken and written call for ?ticket=HT-015&counter=3
    GET /display/{office}/announce.wav     the same call spoken by espeak-ng (vi), cached on disk
    GET /display/chime.wav                 the two-tone chime played before each call
    GET /display/static/...                board.css and the scripts (no CDN, no build step)
The audio cache lives in $MOTCUA_HOME/cache/announce (a temporary folder if that is not writable).
Speech settings (MOTCUA_SPEECH_STYLE, MOTCUA_ESPEAK_VOICE, MOTCUA_ESPEAK_SPEED) come from services.config.
"""
from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from aiohttp import web

from display import views
from display.audio import SpeechRenderer
from services.bus import Bus
from services.domain.speech import DEFAULT_STYLE
from services.live import LiveHub
from services.screens import pages

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def cache_dir(bus: Bus) -> Path:
    """$MOTCUA_HOME/cache/announce when writable, else a folder in the system's temporary directory."""
    settings = getattr(bus, "settings", None)
    home = getattr(settings, "home", None)
    if home is not None:
        folder = Path(home) / "cache" / "announce"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if os.access(folder, os.W_OK):
                return folder
        except OSError:
            pass
        log.warning("cannot write %s; caching announcements in the temporary directory", folder)
    folder = Path(tempfile.gettempdir()) / f"motcua-announce-{os.getuid()}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def init_app(bus: Bus, hub: LiveHub, *, speech: SpeechRenderer | None = None) -> web.Application:
    app = web.Application()
    app[views.BUS] = bus
    app[views.HUB] = hub
    app[views.OFFICES] = {}
    settings = bus.settings          # read and checked by services.config before anything started
    app[views.STYLE] = getattr(settings, "speech_style", DEFAULT_STYLE)
    app[views.SPEECH] = speech or SpeechRenderer(
        cache_dir(bus), voice=getattr(settings, "espeak_voice", "vi"), speed=getattr(settings, "espeak_speed", 145),
    )
    pages.add_static_routes(app, STATIC)
    r = app.router
    r.add_get("/chime.wav", views.chime, name="chime")
    r.add_get("/{office}", views.board, name="board")
    r.add_get("/{office}/events", views.events, name="events")
    r.add_get("/{office}/announce", views.announcement, name="announce")
    r.add_get("/{office}/announce.wav", views.announcement_wav, name="announce_wav")
    return app
