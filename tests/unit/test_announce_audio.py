"""The hall board's sound: the chime, espeak-ng rendering and its cache, and the announce endpoints' validation.

No NATS here: the display app is built on a stand-in bus that answers GetOffice. Tests that need espeak-ng
skip when it is not installed (and fail under CI=true). The tests are synchronous and run their coroutines on a private event
loop in a worker thread, so they also run in the same pytest process as the Playwright (sync API) tests.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import io
import struct
import wave
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Awaitable, Callable, TypeVar

import pytest
from aiohttp.test_utils import TestClient, TestServer

import display
from display.announce import BadInput, make_call, parse_counter, parse_style, parse_ticket
from display.audio import SpeechRenderer, SpeechUnavailable, chime_wav, wav_duration
from services import messages as m
from services.domain.speech import SpeechStyle
from tests.tools import require_tool

T = TypeVar("T")


def run(coro: Awaitable[T]) -> T:
    """Run a coroutine to completion on its own event loop, whatever loop this thread may be running."""
    async def main() -> T:
        return await coro

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result(timeout=60)


@pytest.fixture
def espeak_ng() -> str:
    """espeak-ng, or a skip (a failure under CI=true: see tests/tools.py)."""
    return require_tool("espeak-ng", hint="Debian package espeak-ng; .ci/run installs it")


needs_espeak = pytest.mark.usefixtures("espeak_ng")

OFFICE = {
    "id": "demo", "name": "Trung tâm Phục vụ hành chính công xã Demo", "timezone": "Asia/Ho_Chi_Minh",
    "services": [{"code": "HT", "name": "Hộ tịch", "name_en": "Civil status", "prefix": "HT", "width": 3},
                 {"code": "CT", "name": "Chứng thực", "name_en": "Certification", "prefix": None, "start": 1001}],
    "counters": [{"id": "1", "name": "Quầy 1", "services": ["HT"], "paused": False},
                 {"id": "3", "name": "Quầy 3", "services": ["HT"], "paused": False},
                 {"id": "12", "name": "Quầy 12", "services": ["HT"], "paused": False}],
    "priority_categories": [], "no_show_grace_s": 600,
}


def samples(data: bytes) -> tuple[wave._wave_params, list[int]]:
    with wave.open(io.BytesIO(data), "rb") as w:
        params = w.getparams()
        frames = w.readframes(w.getnframes())
    return params, list(struct.unpack(f"<{len(frames) // 2}h", frames))


# ------------------------------------------------------------ chime

def test_chime_is_a_valid_pleasant_wav() -> None:
    params, pcm = samples(chime_wav())
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, 22_050)
    assert 1.0 <= params.nframes / params.framerate <= 2.5
    peak = max(abs(s) for s in pcm)
    assert 8_000 < peak < 32_000                       # clearly audible, never clipped
    assert abs(pcm[0]) < 500 and abs(pcm[-1]) < 500    # no click at either end
    rate = params.framerate
    first, second = pcm[int(.05 * rate):int(.35 * rate)], pcm[int(.6 * rate):int(.9 * rate)]

    def crossings(xs: list[int]) -> float:             # zero crossings per second ≈ 2 × pitch
        return sum(1 for a, b in zip(xs, xs[1:]) if (a < 0) != (b < 0)) / (len(xs) / rate) / 2

    assert crossings(first) > crossings(second) * 1.1  # two tones: a higher "ding", a lower "dong"
    assert chime_wav() is chime_wav()                  # made once


def test_wav_duration_rejects_garbage() -> None:
    with pytest.raises((wave.Error, EOFError)):
        wav_duration(b"not a wav at all")


# ------------------------------------------------------------ validation and text

@pytest.mark.parametrize(("raw", "label"), [("HT-015", "HT-015"), (" ht-015 ", "HT-015"), ("1023", "1023"),
                                            ("ĐĐ-7", "ĐĐ-7"), ("A1-003", "A1-003")])
def test_ticket_labels_accepted(raw: str, label: str) -> None:
    assert parse_ticket(raw) == label


@pytest.mark.parametrize("raw", [None, "", "   ", "HT", "HT-", "-015", "HT_015", "HT-01a", "<script>", "HT 015",
                                 "ABCDEFG-1", "1" * 10, "HT-015; rm -rf /", "Nguyễn Văn A"])
def test_ticket_labels_rejected(raw: str | None) -> None:
    with pytest.raises(BadInput) as info:
        parse_ticket(raw)
    assert info.value.message and info.value.message_en


def test_counter_must_belong_to_the_office() -> None:
    assert parse_counter("3", OFFICE)["name"] == "Quầy 3"
    for raw in (None, "", "9", "Quầy 3", "../1"):
        with pytest.raises(BadInput):
            parse_counter(raw, OFFICE)


def test_ticket_must_be_one_the_office_issues() -> None:
    assert make_call("HT-015", "1", OFFICE).ticket == "HT-015"
    assert make_call("1023", "1", OFFICE).ticket == "1023"                 # CT numbers without a prefix
    with pytest.raises(BadInput, match="does not issue"):
        make_call("XY-015", "1", OFFICE)
    only_prefixed = {**OFFICE, "services": OFFICE["services"][:1]}
    with pytest.raises(BadInput, match="does not issue"):
        make_call("1023", "1", only_prefixed)


def test_call_text_reads_numbers_in_vietnamese() -> None:
    call = make_call("HT-015", "3", OFFICE)
    assert call.text == "Mời công dân có số hát tê mười lăm đến quầy số ba"
    assert call.display == "Mời công dân có số HT-015 đến quầy số 3"
    assert make_call("1023", "12", OFFICE).text == "Mời công dân có số một nghìn không trăm hai mươi ba đến quầy số mười hai"
    assert make_call("HT-021", "1", OFFICE).text.endswith("hát tê hai mươi mốt đến quầy số một")
    southern = parse_style("zero_tens=lẻ, four=tư, thousand=ngàn")
    assert make_call("104", "1", OFFICE, southern).text == "Mời công dân có số một trăm lẻ bốn đến quầy số một"


def test_speech_style_setting() -> None:
    assert parse_style(None) == SpeechStyle() == parse_style("  ")
    assert parse_style("zero_tens=lẻ") == SpeechStyle(zero_tens="lẻ")
    for bad in ("zero_tens", "accent=south", "four=bon"):
        with pytest.raises(ValueError):
            parse_style(bad)


# ------------------------------------------------------------ espeak-ng and its cache

@needs_espeak
def test_espeak_renders_a_wav_and_caches_it(tmp_path: Path) -> None:
    speech = SpeechRenderer(tmp_path / "cache")
    text = make_call("HT-015", "3", OFFICE).text
    path = run(speech.render(text))
    data = path.read_bytes()
    params, pcm = samples(data)
    assert params.nchannels == 1 and params.sampwidth == 2
    assert 1.5 < wav_duration(data) < 10
    assert max(abs(s) for s in pcm) > 1000                        # not silence
    assert path.parent == tmp_path / "cache" and path.name == f"{speech.key(text)}.wav"
    assert run(speech.render(text)) == path and speech.renders == 1    # cached: espeak-ng ran once
    again = SpeechRenderer(tmp_path / "cache")                     # a restart keeps the disk cache
    assert run(again.render(text)) == path and again.renders == 0
    assert not list((tmp_path / "cache").glob(".*.tmp"))          # no half-written files left


@needs_espeak
def test_concurrent_requests_render_once(tmp_path: Path) -> None:
    speech = SpeechRenderer(tmp_path)
    text = make_call("1023", "12", OFFICE).text

    async def together() -> list[Path]:
        return await asyncio.gather(*(speech.render(text) for _ in range(8)))

    paths = run(together())
    assert len(set(paths)) == 1 and speech.renders == 1
    run(speech.render(make_call("HT-016", "3", OFFICE).text))
    assert speech.renders == 2 and len(list(tmp_path.glob("*.wav"))) == 2
    assert not speech._locks                                       # locks are not kept forever


def test_missing_espeak_is_reported(tmp_path: Path) -> None:
    speech = SpeechRenderer(tmp_path, binary="espeak-ng-that-is-not-installed")
    assert not speech.available
    with pytest.raises(SpeechUnavailable):
        run(speech.render("Mời công dân có số một đến quầy số một"))


# ------------------------------------------------------------ the HTTP routes, on a stand-in bus

class StubBus:
    def __init__(self, home: Path) -> None:
        self.settings = SimpleNamespace(home=home)
        self.requests = 0

    async def request(self, command: m.Command, timeout: float | None = None) -> Any:
        self.requests += 1
        if isinstance(command, m.GetOffice) and command.office == "demo":
            return OFFICE
        raise m.ServiceError("not_found", "Không tìm thấy văn phòng", "Office not found")


def with_client(tmp_path: Path, test: Callable[[TestClient], Awaitable[None]],
                speech: SpeechRenderer | None = None) -> None:
    """Serve the display app on a stand-in bus and run `test` against it."""
    async def main() -> None:
        app = display.init_app(StubBus(tmp_path), None, speech=speech)  # type: ignore[arg-type]
        async with TestClient(TestServer(app)) as client:
            await test(client)

    run(main())


def test_announce_json(tmp_path: Path) -> None:
    async def test(client: TestClient) -> None:
        r = await client.get("/demo/announce", params={"ticket": "ht-015", "counter": "3"})
        assert r.status == 200
        body = await r.json()
        assert body["text"] == "Mời công dân có số hát tê mười lăm đến quầy số ba"
        assert body["ticket"] == "HT-015" and body["counter"] == "3" and body["counter_name"] == "Quầy 3"
        assert body["audio"] == "/demo/announce.wav?ticket=HT-015&counter=3"

    with_client(tmp_path, test)


@pytest.mark.parametrize(("params", "fragment"), [
    ({"ticket": "HT-015"}, "Missing the counter"),
    ({"counter": "3"}, "Missing the ticket"),
    ({"ticket": "HT#015", "counter": "3"}, "Invalid ticket number"),
    ({"ticket": "Nguyễn Văn A", "counter": "3"}, "Invalid ticket number"),
    ({"ticket": "HT-015", "counter": "9"}, "no counter “9”"),
    ({"ticket": "ZZ-015", "counter": "3"}, "does not issue"),
])
def test_announce_rejects_bad_input(tmp_path: Path, params: dict[str, str], fragment: str) -> None:
    async def test(client: TestClient) -> None:
        for path in ("/demo/announce", "/demo/announce.wav"):
            r = await client.get(path, params=params)
            assert r.status == 400
            error = (await r.json())["error"]
            assert error["code"] == "invalid" and fragment in error["message_en"] and error["message"]
        r = await client.get("/nowhere/announce.wav", params={"ticket": "HT-015", "counter": "3"})
        assert r.status == 404 and (await r.json())["error"]["code"] == "not_found"

    with_client(tmp_path, test)


@needs_espeak
def test_announce_wav_is_rendered_and_cached(tmp_path: Path) -> None:
    async def test(client: TestClient) -> None:
        params = {"ticket": "HT-015", "counter": "3"}
        first = await client.get("/demo/announce.wav", params=params)
        assert first.status == 200 and first.content_type == "audio/wav"
        data = await first.read()
        assert wav_duration(data) > 1.5
        second = await client.get("/demo/announce.wav", params=params)
        assert await second.read() == data

    with_client(tmp_path, test)
    assert len(list((tmp_path / "cache" / "announce").glob("*.wav"))) == 1   # under MOTCUA_HOME


def test_announce_wav_without_espeak_is_a_clear_503(tmp_path: Path) -> None:
    async def test(client: TestClient) -> None:
        r = await client.get("/demo/announce.wav", params={"ticket": "HT-015", "counter": "3"})
        assert r.status == 503
        error = (await r.json())["error"]
        assert error["code"] == "tts_unavailable" and "espeak-ng" in error["message_en"]
        info = await (await client.get("/demo/announce", params={"ticket": "HT-015", "counter": "3"})).json()
        assert info["audio_available"] is False and info["text"].startswith("Mời công dân có số")

    with_client(tmp_path, test, SpeechRenderer(tmp_path, binary="espeak-ng-that-is-not-installed"))


def test_chime_and_board_are_served(tmp_path: Path) -> None:
    async def test(client: TestClient) -> None:
        r = await client.get("/chime.wav")
        assert r.status == 200 and r.content_type == "audio/wav" and await r.read() == chime_wav()
        page = await client.get("/demo", params={"layout": "portrait", "sound": "bogus"})
        html = await page.text()
        assert page.status == 200   # security headers come from the main app (tests/integration/test_authorization)
        assert '"layout":"portrait"' in html and '"sound":"auto"' in html       # unknown values fall back
        assert "http://" not in html and "https://" not in html                  # no CDN: everything is ours
        for asset in ("board.css", "clock.js", "announcer.js", "sound.js", "board.js"):
            assert f"/static/{asset}?v=" in html
        assert "/common/stream.js?v=" in html                  # the live stream reader, shared with the pay screen
        assert (await client.get("/nowhere")).status == 404

    with_client(tmp_path, test)
