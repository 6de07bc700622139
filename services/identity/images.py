"""Uploaded image bytes -> an RGB uint8 array ready for face detection (Pillow + numpy, no face library).

Refuses what is not an image, is cut short, or is too large to decode safely; honours the EXIF
orientation; converts every Pillow mode to RGB (transparency composited on white, 16-bit and float
grey scaled rather than clipped); shrinks large frames to a working size so detection stays fast.
"""
from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from services.domain.errors import DomainError

DEFAULT_MAX_PIXELS = 40_000_000  # a 40-megapixel photo; larger headers are refused before decoding
DEFAULT_MAX_BYTES = 25 * 1024 * 1024
WORKING_SIZE = 1280  # longest side handed to the detector: HOG cost grows with the pixel count
FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF", "PPM")  # nothing exotic; JPEG includes MPO
# What Pillow's decoders raise on corrupt input (see Pillow's own fuzzing tests).
DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, zlib.error, IndexError, KeyError,
                 TypeError, Image.DecompressionBombError)
_SIXTEEN_BIT = frozenset({"I;16", "I;16L", "I;16B", "I;16N"})
_WITH_ALPHA = frozenset({"LA", "La", "PA", "RGBA", "RGBa"})

_MESSAGES = {
    "not_bytes": ("Dữ liệu ảnh không hợp lệ.", "The image data is not bytes."),
    "empty": ("Tệp ảnh rỗng.", "The image file is empty."),
    "file_too_large": ("Tệp ảnh quá lớn (tối đa {limit} MB).", "The image file is too large (at most {limit} MB)."),
    "not_an_image": ("Tệp này không phải ảnh (JPEG, PNG, WebP, ...) hoặc đã hỏng.",
                     "This file is not an image (JPEG, PNG, WebP, ...) or is damaged."),
    "damaged": ("Ảnh bị hỏng hoặc tải lên chưa hết. Hãy chụp hoặc tải lại.",
                "The image is damaged or was cut short. Take or upload it again."),
    "too_many_pixels": ("Ảnh quá lớn ({width}×{height} điểm ảnh, tối đa {limit} triệu điểm ảnh).",
                        "The image is too large ({width}×{height} pixels, at most {limit} megapixels)."),
    "unsupported_mode": ("Không đọc được kiểu màu của ảnh ({mode}).", "Cannot convert the image's colour mode ({mode})."),
}


class ImageError(DomainError):
    """An upload that cannot become a picture; `reason` is one of the keys of `_MESSAGES`."""

    code = "bad_image"

    def __init__(self, reason: str, message_vi: str, message_en: str) -> None:
        super().__init__(message_vi, message_en)
        self.reason = reason

    @classmethod
    def of(cls, reason: str, **values: object) -> ImageError:
        message_vi, message_en = _MESSAGES[reason]
        return cls(reason, message_vi.format(**values), message_en.format(**values))

    def __reduce__(self):  # type: ignore[no-untyped-def]  # crosses process-pool boundaries
        return (type(self), (self.reason, self.message_vi, self.message_en))

    def as_dict(self) -> dict[str, str]:
        return super().as_dict() | {"reason": self.reason}


def load_image(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, max_bytes: int = DEFAULT_MAX_BYTES,
               working_size: int | None = WORKING_SIZE) -> np.ndarray:
    """Decode `data` into a C-contiguous (height, width, 3) uint8 RGB array, or raise ImageError.

    The longest side is reduced to `working_size` (None keeps the full size).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ImageError.of("not_bytes")
    if len(data) == 0:
        raise ImageError.of("empty")
    if len(data) > max_bytes:
        raise ImageError.of("file_too_large", limit=max_bytes // (1024 * 1024))
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError as exc:
        raise ImageError.of("too_many_pixels", width="?", height="?", limit=max_pixels // 1_000_000) from exc
    except (UnidentifiedImageError, *DECODE_ERRORS) as exc:
        raise ImageError.of("not_an_image") from exc
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise ImageError.of("too_many_pixels", width=width, height=height, limit=max_pixels // 1_000_000)
        if working_size and image.format in ("JPEG", "MPO"):
            image.draft(image.mode, (working_size, working_size))  # let libjpeg decode at 1/2, 1/4, 1/8
        try:
            _refuse_truncated_images()
            image.load()
        except DECODE_ERRORS as exc:
            raise ImageError.of("damaged") from exc
        rgb = to_rgb(_upright(image))
        if working_size and max(rgb.size) > working_size:
            scale = working_size / max(rgb.size)
            size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
            rgb = rgb.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        return np.array(rgb, dtype=np.uint8, order="C")  # a copy: owns its memory once the file closes


def _refuse_truncated_images() -> None:
    # face_recognition sets this global to True when imported, which would turn a cut-short upload
    # into a half-grey picture; a face taken from that is worse than a clear refusal.
    ImageFile.LOAD_TRUNCATED_IMAGES = False


def _upright(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except DECODE_ERRORS:
        return image  # a malformed EXIF block: keep the pixels as stored


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to RGB, or raise ImageError("unsupported_mode")."""
    mode = image.mode
    try:
        if mode == "RGB":
            return image
        if mode in _SIXTEEN_BIT or mode in ("I", "F"):
            return Image.fromarray(grey_to_8bit(np.asarray(image), mode)).convert("RGB")
        if mode == "P" and "transparency" in image.info:
            image, mode = image.convert("RGBA"), "RGBA"
        if mode in _WITH_ALPHA:
            rgba = image.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            return Image.alpha_composite(white, rgba).convert("RGB")
        return image.convert("RGB")  # 1, L, P, CMYK, YCbCr, LAB, HSV, RGBX
    except DECODE_ERRORS as exc:
        raise ImageError.of("unsupported_mode", mode=mode) from exc


def grey_to_8bit(values: np.ndarray, mode: str) -> np.ndarray:
    """Scale one-channel 16-bit, 32-bit integer or float pixels to uint8 without clipping highlights.

    16-bit modes map 0..65535 onto 0..255. "I" and "F" carry no declared range, so theirs is read
    from the data: 0..1 (float), 0..255 and 0..65535 are kept as such; anything else is stretched.
    """
    data = np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if mode in _SIXTEEN_BIT:
        top = 65535.0
    else:
        low, high = (float(data.min()), float(data.max())) if data.size else (0.0, 0.0)
        if mode == "F" and low >= 0.0 and high <= 1.0:
            top = 1.0
        elif low >= 0.0 and high <= 255.0:
            top = 255.0
        elif low >= 0.0 and high <= 65535.0:
            top = 65535.0
        else:
            data, top = data - low, (high - low) or 1.0
    return np.clip(np.rint(data * (255.0 / top)), 0, 255).astype(np.uint8)
