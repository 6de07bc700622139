"""The face pipeline on the shared photos and on copies transformed here: detection, identification,
refusals, the models check and the worker pool."""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from services.identity import face_models
from services.identity.face_pool import FacePool
from services.identity.faces import (FaceIndex, FaceResult, ImageError, Match, NoMatch, check_face_models,
                                     encode_faces, encode_image_bytes, load_image)

from .face_support import distance, encoded, face_lib, photos, small_photos  # noqa: F401  (fixtures)

Transform = Callable[[Image.Image], bytes]


@pytest.fixture(scope="module")
def originals(face_lib: ModuleType, photos: dict[str, bytes]) -> dict[str, np.ndarray]:
    out = {}
    for name, data in photos.items():
        result = encode_image_bytes(data)
        assert result.ok and result.encoding is not None and result.encoding.dtype == np.float32
        out[name] = result.encoding
    return out


@pytest.fixture(scope="module")
def index(originals: dict[str, np.ndarray]) -> FaceIndex:
    index = FaceIndex()
    index.add("obama", originals["obama"])
    index.add("biden", originals["biden"])
    return index


def test_same_person_is_close_and_different_people_far(originals: dict[str, np.ndarray]) -> None:
    assert distance(originals["obama"], originals["obama2"]) < 0.45
    assert distance(originals["obama"], originals["biden"]) > 0.75
    assert distance(originals["obama2"], originals["biden"]) > 0.75


def test_identification_of_the_original_photos(index: FaceIndex, originals: dict[str, np.ndarray]) -> None:
    assert isinstance(match := index.match(originals["obama2"]), Match) and match.citizen_id == "obama"
    assert isinstance(match := index.match(originals["biden"]), Match) and match.citizen_id == "biden"


def test_erasure_stops_matching(originals: dict[str, np.ndarray]) -> None:
    index = FaceIndex()
    index.add("obama", originals["obama"])
    index.add("biden", originals["biden"])
    assert index.remove("obama")
    after = index.match(originals["obama2"])
    assert isinstance(after, NoMatch) and after.reason == "no_match" and "obama" not in index


# ---- transformed copies: each must identify the right person --------------------------------------
def _crop(image: Image.Image) -> bytes:
    width, height = image.size
    return encoded(image.crop((width // 8, 0, width - width // 8, height * 3 // 4)))


def _rotated_with_exif(image: Image.Image) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    return encoded(image.transpose(Image.Transpose.ROTATE_90), "JPEG", quality=92, exif=exif.tobytes())


def _rgba_on_transparent_canvas(image: Image.Image) -> bytes:
    canvas = Image.new("RGBA", (image.width + 80, image.height + 80), (0, 0, 0, 0))
    canvas.paste(image.convert("RGBA"), (40, 40))
    return encoded(canvas)


def _grey16(image: Image.Image) -> bytes:
    grey = np.asarray(image.convert("L"), dtype=np.uint16) * 257
    image16 = Image.fromarray(grey)
    assert image16.mode == "I;16"
    return encoded(image16)


def _palette_with_transparency(image: Image.Image) -> bytes:
    palette = image.convert("P", palette=Image.Palette.ADAPTIVE, colors=255)
    return encoded(palette, "PNG", transparency=0)


TRANSFORMS: dict[str, Transform] = {
    "as_is": lambda image: encoded(image, "JPEG", quality=90),
    "crop": _crop,
    "rotated_with_exif": _rotated_with_exif,
    "darker": lambda image: encoded(ImageEnhance.Brightness(image).enhance(0.4), "JPEG", quality=90),
    "jpeg_quality_10": lambda image: encoded(image, "JPEG", quality=10),
    "greyscale": lambda image: encoded(image.convert("L")),
    "rgba": _rgba_on_transparent_canvas,
    "cmyk_jpeg": lambda image: encoded(image.convert("CMYK"), "JPEG", quality=90),
    "grey_16_bit": _grey16,
    "palette": _palette_with_transparency,
    "upscaled_2x": lambda image: encoded(image.resize((image.width * 2, image.height * 2))),
}


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize(("photo", "person"), [("obama2", "obama"), ("biden", "biden")])
def test_transformed_copies_are_identified(transform: str, photo: str, person: str, index: FaceIndex,
                                           small_photos: dict[str, Image.Image]) -> None:
    result = encode_image_bytes(TRANSFORMS[transform](small_photos[photo]))
    assert result.status == "ok", transform
    match = index.match(result.encoding)
    assert isinstance(match, Match) and match.citizen_id == person, (transform, match)


def test_exif_rotation_is_undone_before_detection(small_photos: dict[str, Image.Image]) -> None:
    image = small_photos["obama2"]
    assert load_image(_rotated_with_exif(image)).shape == (image.height, image.width, 3)


def test_sideways_photo_without_exif_never_names_someone(index: FaceIndex, small_photos: dict[str, Image.Image]) -> None:
    # We do not guess the orientation: a sideways face is not found, and is never a wrong person.
    result = encode_image_bytes(encoded(small_photos["obama2"].transpose(Image.Transpose.ROTATE_90)))
    assert result.status == "no_face" or isinstance(index.match(result.encoding), NoMatch)


def test_tiny_and_blank_images_have_no_face(face_lib: ModuleType, small_photos: dict[str, Image.Image]) -> None:
    assert encode_image_bytes(encoded(small_photos["obama2"].resize((32, 40)))).status == "no_face"
    assert encode_faces(np.full((480, 640, 3), 200, np.uint8)) == FaceResult("no_face")


def _side_by_side(left: Image.Image, right: Image.Image, right_scale: float) -> bytes:
    right = right.resize((round(right.width * right_scale), round(right.height * right_scale)))
    canvas = Image.new("RGB", (left.width + right.width, max(left.height, right.height)), "white")
    canvas.paste(left, (0, 0))
    canvas.paste(right, (left.width, 0))
    return encoded(canvas)


def test_two_comparable_faces_ask_for_one_person(face_lib: ModuleType, small_photos: dict[str, Image.Image]) -> None:
    result = encode_image_bytes(_side_by_side(small_photos["obama2"], small_photos["biden"], 1.0))
    assert (result.status, result.faces, result.encoding) == ("several_faces", 2, None)
    assert result.message is not None and "một người" in result.message[0]


def test_a_small_face_behind_is_ignored_and_the_largest_kept(index: FaceIndex,
                                                             small_photos: dict[str, Image.Image]) -> None:
    big = small_photos["obama2"].resize((small_photos["obama2"].width * 2, small_photos["obama2"].height * 2))
    result = encode_image_bytes(_side_by_side(big, small_photos["biden"], 0.5))
    assert result.status == "ok"
    assert isinstance(match := index.match(result.encoding), Match) and match.citizen_id == "obama"


def test_not_images_are_refused(face_lib: ModuleType, photos: dict[str, bytes]) -> None:
    with pytest.raises(ImageError) as random_bytes:
        encode_image_bytes(os.urandom(5000))
    assert random_bytes.value.reason == "not_an_image"
    with pytest.raises(ImageError) as truncated:  # face_recognition is imported: its global is undone
        encode_image_bytes(photos["obama"][: len(photos["obama"]) // 2])
    assert truncated.value.reason == "damaged"


def test_results_pickle(originals: dict[str, np.ndarray]) -> None:
    result = FaceResult("ok", originals["obama"], (1, 2, 3, 4), 1)
    copy = pickle.loads(pickle.dumps(result))
    assert copy.status == "ok" and np.array_equal(copy.encoding, result.encoding) and copy.box == result.box


def test_encode_faces_wants_an_rgb_array() -> None:
    with pytest.raises(ValueError):
        encode_faces(np.zeros((10, 10), np.uint8))


# ---- the models check: never let face_recognition quit() the process -----------------------------
def test_models_check_passes_here(face_lib: ModuleType) -> None:
    assert check_face_models(probe=True) is None


def test_models_check_reports_a_damaged_model_file(face_lib: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(face_models.MODEL_FILES, "shape_predictor_5_face_landmarks.dat", 10**12)
    problem = check_face_models(probe=False)
    assert problem and "shape_predictor_5_face_landmarks.dat" in problem and "Face recognition is unavailable" in problem


def test_a_broken_models_package_is_reported_not_a_silent_exit(face_lib: ModuleType, tmp_path: Path) -> None:
    fake = tmp_path / "face_recognition_models"
    (fake / "models").mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('broken install')\n")
    for name, size in face_models.MODEL_FILES.items():
        with open(fake / "models" / name, "wb") as model:
            model.truncate(size)  # sparse: passes the size check, costs no disk
    script = ("import sys\n"
              "from services.identity.face_models import check_face_models, import_face_recognition, FaceModelsUnavailable\n"
              "print('CHECK', check_face_models(probe=True))\n"
              "try:\n    import_face_recognition()\nexcept FaceModelsUnavailable as e:\n"
              "    print('REFUSED', e.message_en)\n    sys.exit(3)\n")
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(tmp_path), str(Path.cwd())])}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "CHECK Chưa dùng được nhận diện khuôn mặt" in done.stdout
    assert "REFUSED face_recognition refused to load" in done.stdout


# ---- the worker pool -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pool(face_lib: ModuleType):  # type: ignore[no-untyped-def]
    with FacePool(workers=1) as pool:
        yield pool


async def test_pool_encodes_in_a_worker(pool: FacePool, photos: dict[str, bytes],
                                        originals: dict[str, np.ndarray]) -> None:
    result = await pool.encode(photos["obama2"])
    assert result.ok and distance(result.encoding, originals["obama2"]) < 1e-4


async def test_pool_returns_image_errors(pool: FacePool) -> None:
    with pytest.raises(ImageError) as caught:
        await pool.encode(b"not an image at all")
    assert caught.value.reason == "not_an_image" and caught.value.message_vi


async def test_pool_refuses_what_is_not_bytes_before_any_worker(pool: FacePool) -> None:
    with pytest.raises(ImageError) as caught:
        await pool.encode("a path, not bytes")  # type: ignore[arg-type]
    assert caught.value.reason == "not_bytes"


def test_pool_workers_run_at_lower_priority(pool: FacePool, photos: dict[str, bytes]) -> None:
    pool.warm_up()
    assert pool.submit(photos["biden"]).result(timeout=120).ok
    assert pool.worker_priority() >= os.nice(0) + 1 or os.nice(0) >= 19
