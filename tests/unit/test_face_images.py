"""load_image without any face library: modes, orientation, size guards, corrupt input."""
from __future__ import annotations

import pickle
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

from services.identity.images import ImageError, grey_to_8bit, load_image, to_rgb

from .face_support import encoded


def gradient(width: int = 64, height: int = 48) -> Image.Image:
    x = np.linspace(0, 255, width, dtype=np.float64)[None, :, None]
    y = np.linspace(0, 255, height, dtype=np.float64)[:, None, None]
    rgb = np.concatenate([np.broadcast_to(x, (height, width, 1)), np.broadcast_to(y, (height, width, 1)),
                          np.full((height, width, 1), 90.0)], axis=2)
    return Image.fromarray(rgb.astype(np.uint8))


def refused(data: object, **options: object) -> str:
    with pytest.raises(ImageError) as caught:
        load_image(data, **options)  # type: ignore[arg-type]
    assert caught.value.message_vi and caught.value.message_en
    return caught.value.reason


def test_result_is_a_contiguous_rgb_uint8_array() -> None:
    array = load_image(encoded(gradient(), "JPEG"))
    assert array.shape == (48, 64, 3) and array.dtype == np.uint8 and array.flags.c_contiguous


@pytest.mark.parametrize(("mode", "fmt"), [("L", "PNG"), ("LA", "PNG"), ("P", "PNG"), ("P", "GIF"), ("RGBA", "PNG"),
                                           ("CMYK", "JPEG"), ("CMYK", "TIFF"), ("1", "PNG"), ("1", "BMP"),
                                           ("I;16", "PNG"), ("I;16B", "TIFF"), ("I", "TIFF"), ("F", "TIFF"),
                                           ("RGB", "WEBP"), ("YCbCr", "JPEG"), ("L", "PPM")])
def test_every_common_mode_loads_as_rgb(mode: str, fmt: str) -> None:
    image = gradient().convert(mode) if mode not in ("I;16", "I;16B", "I", "F") else _wide(mode)
    array = load_image(encoded(image, fmt))
    assert array.shape == (48, 64, 3) and array.dtype == np.uint8


def _wide(mode: str) -> Image.Image:
    grey = np.asarray(gradient().convert("L"), dtype=np.float64)
    if mode == "F":
        return Image.fromarray((grey / 255.0).astype(np.float32))
    values = (grey * 257).astype(np.uint16 if mode != "I;16B" else ">u2")
    return Image.fromarray(values) if mode != "I" else Image.fromarray(values.astype(np.int32))


@pytest.mark.parametrize("mode", ["I;16", "I;16B", "I"])
def test_sixteen_bit_grey_is_scaled_not_clipped(mode: str) -> None:
    array = load_image(encoded(_wide(mode), "TIFF" if mode != "I;16" else "PNG"))
    reference = np.asarray(gradient().convert("L"))
    assert np.abs(array[:, :, 0].astype(int) - reference).max() <= 1
    assert len(np.unique(array)) > 40  # a clip at 255 would leave almost only white


def test_float_and_odd_ranges_are_stretched() -> None:
    assert grey_to_8bit(np.array([[0.0, 0.5, 1.0]], np.float32), "F").tolist() == [[0, 128, 255]]
    assert grey_to_8bit(np.array([[-1000, 0, 1000]], np.int32), "I").tolist() == [[0, 128, 255]]
    assert grey_to_8bit(np.array([[np.nan, 200.0]], np.float32), "F").tolist() == [[0, 200]]
    assert grey_to_8bit(np.array([[0, 65535]], np.uint16), "I;16").tolist() == [[0, 255]]


def test_transparency_becomes_white() -> None:
    clear = Image.new("RGBA", (8, 8), (255, 0, 0, 0))
    assert load_image(encoded(clear))[0, 0].tolist() == [255, 255, 255]
    half = Image.new("LA", (8, 8), (0, 128))
    assert load_image(encoded(half))[0, 0].tolist() == [127, 127, 127]
    palette = Image.new("P", (8, 8), 3)
    palette.putpalette([0, 0, 0] * 256)
    assert load_image(encoded(palette, "PNG", transparency=3))[0, 0].tolist() == [255, 255, 255]


def test_exif_orientation_is_honoured() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    array = load_image(encoded(gradient(), "JPEG", exif=exif.tobytes()))
    assert array.shape == (64, 48, 3)


def test_large_frames_are_reduced_to_the_working_size() -> None:
    big = gradient().resize((4000, 3000))
    assert load_image(encoded(big, "JPEG")).shape == (960, 1280, 3)
    assert load_image(encoded(big, "PNG")).shape == (960, 1280, 3)
    assert load_image(encoded(big, "PNG"), working_size=None).shape == (3000, 4000, 3)


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b"")


def test_decompression_bombs_are_refused_before_decoding() -> None:
    assert refused(_png_header_only(100_000, 100_000)) == "too_many_pixels"  # Pillow's own limit
    assert refused(_png_header_only(8_000, 6_000)) == "too_many_pixels"  # ours: 40 megapixels
    assert refused(encoded(gradient()), max_pixels=1000) == "too_many_pixels"


def test_what_is_not_an_image_is_refused() -> None:
    assert refused("a string") == "not_bytes"
    assert refused(b"") == "empty"
    assert refused(b"GIF89a" + b"\0" * 3) == "not_an_image"
    assert refused(b"x" * 100, max_bytes=10) == "file_too_large"
    assert refused(b"<svg xmlns='http://www.w3.org/2000/svg'/>") == "not_an_image"


def test_truncated_files_are_refused_even_if_someone_allowed_them() -> None:
    data = encoded(gradient(640, 480), "JPEG", quality=95)
    ImageFile.LOAD_TRUNCATED_IMAGES = True  # what importing face_recognition does
    try:
        assert refused(data[: len(data) // 2]) == "damaged"
        assert refused(encoded(gradient(640, 480))[:-200]) == "damaged"
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False


def test_unconvertible_modes_are_refused_cleanly() -> None:
    with pytest.raises(ImageError) as caught:
        to_rgb(Image.new("La", (2, 2)))
    assert caught.value.reason == "unsupported_mode" and "La" in caught.value.message_en


def test_image_errors_pickle() -> None:
    error = ImageError.of("damaged")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.reason, copy.message_vi, copy.message_en, copy.code) == ("damaged", error.message_vi,
                                                                          error.message_en, "bad_image")


SEEDS = [encoded(gradient(), fmt) for fmt in ("JPEG", "PNG", "GIF", "BMP", "TIFF", "WEBP")]


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow notes the damage it skips
@settings(max_examples=150, deadline=None)
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
       st.integers(1, 10**6))
def test_fuzz_corrupted_images_give_an_array_or_image_error(seed: bytes, flips: list[tuple[int, int]],
                                                            cut: int) -> None:
    data = bytearray(seed[: max(1, len(seed) - cut % len(seed))] if cut % 3 == 0 else seed)
    for position, value in flips:
        data[position % len(data)] = value
    try:
        array = load_image(bytes(data))
    except ImageError:
        return
    assert array.ndim == 3 and array.shape[2] == 3 and array.dtype == np.uint8


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_fuzz_random_bytes(data: bytes) -> None:
    try:
        load_image(data)
    except ImageError:
        pass
