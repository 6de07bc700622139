"""Fixtures for tests that need face_recognition and the shared photos.

They skip, with the reason, only when face_recognition is not installed at all (or the photos are
not on this machine); with CI=true they fail instead. A face_recognition that is installed but
broken (missing model files, no pkg_resources) always fails: that is a real fault, not a choice.
"""
from __future__ import annotations

import io
import os
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image

from services.identity.face_models import check_face_models, import_face_recognition, missing_packages

FACES_DIR = Path(os.environ.get("MOTCUA_FACES_DIR", Path(__file__).resolve().parents[3] / "shared" / "faces"))
PHOTOS = ("obama", "obama2", "biden")


def skip_or_fail(reason: str) -> None:
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"CI=true, and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def face_lib() -> ModuleType:
    if missing := missing_packages():
        skip_or_fail(f"face_recognition is not installed (missing: {', '.join(missing)})")
    if problem := check_face_models(probe=True):
        pytest.fail(problem, pytrace=False)
    return import_face_recognition()


@pytest.fixture(scope="session")
def photos() -> dict[str, bytes]:
    paths = {name: FACES_DIR / f"{name}.jpg" for name in PHOTOS}
    if absent := [str(path) for path in paths.values() if not path.is_file()]:
        skip_or_fail(f"test photos are missing: {', '.join(absent)} (set MOTCUA_FACES_DIR)")
    return {name: path.read_bytes() for name, path in paths.items()}


@pytest.fixture(scope="session")
def small_photos(photos: dict[str, bytes]) -> dict[str, Image.Image]:
    """The photos as upright RGB images, longest side 640 (a kiosk camera's frame; faster tests)."""
    out = {}
    for name, data in photos.items():
        image = Image.open(io.BytesIO(data)).convert("RGB")
        image.thumbnail((640, 640))
        out[name] = image
    return out


def encoded(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a.astype(np.float64) - b.astype(np.float64)))
