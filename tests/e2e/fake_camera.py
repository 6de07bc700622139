"""Chromium's fake camera for the browser tests: a still picture written as a Y4M video (one 4:2:0 frame, which
Chromium plays in a loop), and a browser launched to show it through getUserMedia without asking."""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

import qrcode
from PIL import Image

from tests.e2e.conftest import CHROMIUM_ARGS, chromium

FRAME = (640, 480)


def qr_picture(text: str) -> Image.Image:
    """The QR code of an ID card's text (UTF-8, as the cards carry it), held up to the camera."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4, border=4)
    code.add_data(text.encode("utf-8"))
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def framed(picture: Image.Image, size: tuple[int, int] = FRAME, fill: str = "#808890") -> Image.Image:
    """`picture` scaled to fit `size` and centred on a plain background."""
    picture = picture.convert("RGB")
    picture.thumbnail((size[0] - 40, size[1] - 40))
    frame = Image.new("RGB", size, fill)
    frame.paste(picture, ((size[0] - picture.width) // 2, (size[1] - picture.height) // 2))
    return frame


def write_y4m(picture: Image.Image, path: Path) -> Path:
    """One frame, 4:2:0 (full-size Y plane, half-size Cb and Cr planes), as Chromium's fake capture reads it."""
    frame = framed(picture)
    y, cb, cr = frame.convert("YCbCr").split()
    half = (frame.width // 2, frame.height // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{frame.width} H{frame.height} F15:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        out.write(b"FRAME\n")
        out.write(y.tobytes())
        out.write(cb.resize(half, Image.Resampling.BILINEAR).tobytes())
        out.write(cr.resize(half, Image.Resampling.BILINEAR).tobytes())
    return path


@contextlib.contextmanager
def camera_browser(playwright: object, video: Path) -> Iterator[object]:
    """A Chromium of its own (the fake camera is a launch flag) that grants the camera without a prompt."""
    browser = playwright.chromium.launch(  # type: ignore[attr-defined]
        executable_path=chromium(),
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={video}"])
    try:
        yield browser
    finally:
        browser.close()
