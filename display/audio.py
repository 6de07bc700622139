"""Sound for the hall board: a two-tone chime made in Python and spoken calls rendered by espeak-ng.

The chime is synthesised once (stdlib `wave` + `math`): two bell-like notes, E5 then C5, each a few
harmonics under an exponential decay. Spoken calls are rendered offline by Debian's `espeak-ng` with its
`vi` voice into WAV files cached on disk (the name is a hash of voice, speed and text), in a subprocess so
the event loop never waits, with one lock per text so concurrent requests never render the same call twice.
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import io
import logging
import math
import os
import secrets
import shutil
import struct
import wave
from pathlib import Path

log = logging.getLogger(__name__)

RATE = 22_050
RENDER_TIMEOUT_S = 15.0
MAX_CACHED = 2_000     # files kept in the cache; the oldest are pruned beyond that


class SpeechUnavailable(RuntimeError):
    """espeak-ng is not installed (or its Vietnamese voice is missing)."""


class SpeechFailed(RuntimeError):
    """espeak-ng ran but produced no usable audio."""


# ------------------------------------------------------------ chime

def _bell(t: float, freq: float, tau: float) -> float:
    """A soft bell: fundamental plus a few partials, short attack, exponential decay."""
    if t < 0:
        return 0.0
    attack = min(1.0, t / 0.006)
    partials = ((1.0, 1.0, 1.0), (2.0, 0.28, 0.55), (3.0, 0.10, 0.35), (4.2, 0.05, 0.25))
    value = 0.0
    for ratio, gain, decay in partials:
        value += gain * math.exp(-t / (tau * decay)) * math.sin(2 * math.pi * freq * ratio * t)
    return attack * value


@functools.cache
def chime_wav(rate: int = RATE) -> bytes:
    """A pleasant "ding-dong" (E5 then C5), 1.6 s, 16-bit mono PCM WAV."""
    notes = ((0.00, 659.25, 0.55), (0.42, 523.25, 0.75))   # (start s, frequency Hz, decay s)
    length = 1.6
    count = int(rate * length)
    samples = []
    for i in range(count):
        t = i / rate
        samples.append(sum(_bell(t - start, freq, tau) for start, freq, tau in notes))
    fade = int(rate * 0.08)
    for i in range(fade):  # no click at the end
        samples[count - fade + i] *= 1 - i / fade
    peak = max(abs(s) for s in samples) or 1.0
    scale = 0.55 * 32767 / peak
    frames = struct.pack(f"<{count}h", *(int(round(s * scale)) for s in samples))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


def wav_duration(data: bytes) -> float:
    """Seconds of audio in a WAV file; raises wave.Error / EOFError when it is not one."""
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getnframes() / float(w.getframerate())


# ------------------------------------------------------------ espeak-ng

class SpeechRenderer:
    """Renders Vietnamese text to WAV with espeak-ng, cached on disk under `cache_dir`."""

    def __init__(self, cache_dir: Path, *, voice: str = "vi", speed: int = 145, binary: str = "espeak-ng") -> None:
        self.cache_dir = cache_dir
        self.voice = voice
        self.speed = speed
        self.binary = binary
        self.renders = 0                      # how many times espeak-ng actually ran (tests, metrics)
        self._locks: dict[str, asyncio.Lock] = {}

    def executable(self) -> str | None:
        """The espeak-ng binary, looked up on each use: installing it later needs no restart."""
        return shutil.which(self.binary)

    @property
    def available(self) -> bool:
        return self.executable() is not None

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self.voice}|{self.speed}|{text}".encode()).hexdigest()[:32]

    def path_for(self, text: str) -> Path:
        return self.cache_dir / f"{self.key(text)}.wav"

    async def render(self, text: str) -> Path:
        """The WAV file of `text`, rendered now unless already cached."""
        path = self.path_for(text)
        if path.exists():
            return path
        key = path.stem
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                if path.exists():  # rendered by whoever held the lock before us
                    return path
                await self._run(text, path)
                return path
        finally:
            if not lock.locked():  # a waiter finds the file; a newcomer makes a fresh lock
                self._locks.pop(key, None)

    async def _run(self, text: str, path: Path) -> None:
        binary = self.executable()
        if binary is None:
            raise SpeechUnavailable(f"{self.binary} is not installed")
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        process = await asyncio.create_subprocess_exec(
            binary, "-v", self.voice, "-s", str(self.speed), "-w", str(tmp), text,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )
        try:
            async with asyncio.timeout(RENDER_TIMEOUT_S):
                _, err = await process.communicate()
        except TimeoutError:
            process.kill()
            await process.wait()
            tmp.unlink(missing_ok=True)
            raise SpeechFailed("espeak-ng took too long") from None
        try:
            if process.returncode != 0:
                message = err.decode(errors="replace").strip()
                if "voice" in message.lower():
                    raise SpeechUnavailable(f"espeak-ng has no voice {self.voice!r}: {message}")
                raise SpeechFailed(f"espeak-ng failed ({process.returncode}): {message}")
            data = tmp.read_bytes() if tmp.exists() else b""
            try:
                if wav_duration(data) <= 0:
                    raise SpeechFailed("espeak-ng produced silence")
            except (wave.Error, EOFError) as exc:
                raise SpeechFailed(f"espeak-ng produced no valid WAV: {exc}") from exc
            os.replace(tmp, path)  # atomic: a reader never sees half a file
            self.renders += 1
        finally:
            tmp.unlink(missing_ok=True)
        self._prune()

    def _prune(self) -> None:
        try:
            files = list(self.cache_dir.glob("*.wav"))
            if len(files) <= MAX_CACHED:
                return
            files.sort(key=lambda p: p.stat().st_mtime)
            for old in files[: len(files) - MAX_CACHED]:
                old.unlink(missing_ok=True)
        except OSError:
            log.warning("could not prune the announcement cache %s", self.cache_dir, exc_info=True)
