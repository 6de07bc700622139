"""The face pipeline: image bytes -> RGB frame -> the one face in it -> a 128-d encoding; 1:N matching.

No asyncio, no database, no HTTP. The pieces live in small sibling modules and are gathered here:
``load_image`` (images.py), ``encode_faces`` (below), ``FaceIndex`` (face_index.py),
``check_face_models`` (face_models.py); ``FacePool`` (face_pool.py) runs the first two in worker
processes. Face encodings are sensitive personal data (Nghị định 13/2023/NĐ-CP): callers own
consent, purpose, encryption at rest, erasure and the access log.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .face_index import DEFAULT_MARGIN, DEFAULT_THRESHOLD, DEFAULT_WEAK_BAND, FaceIndex, Match, NoMatch
from .face_models import FaceModelsUnavailable, check_face_models, import_face_recognition
from .images import DEFAULT_MAX_PIXELS, ImageError, load_image

__all__ = ["DEFAULT_MARGIN", "DEFAULT_THRESHOLD", "DEFAULT_WEAK_BAND", "FaceIndex", "FaceModelsUnavailable",
           "FaceResult", "ImageError", "Match", "NoMatch", "check_face_models", "encode_faces",
           "encode_image_bytes", "load_image"]

# dlib's HOG window is 80 px; one upsampling pass halves that. Smaller faces encode poorly.
MIN_FACE_PX = 40
# Detections under this fraction of the largest face's area are background people or false
# detections and are ignored; anything larger means two people are in front of the camera.
COMPARABLE_AREA = 0.25

Box = tuple[int, int, int, int]  # top, right, bottom, left (face_recognition's order)
_MESSAGES = {
    "no_face": ("Không thấy khuôn mặt. Hãy nhìn thẳng vào camera, đủ ánh sáng, không che mặt.",
                "No face found. Look straight at the camera, in good light, with the face uncovered."),
    "several_faces": ("Có nhiều người trong khung hình. Mỗi lần chỉ một người đứng trước camera.",
                      "Several people are in the frame. One person at a time in front of the camera, please."),
}


@dataclass(frozen=True)
class FaceResult:
    """What one frame gave: `status` "ok" with the chosen face's float32 encoding, or why not."""

    status: Literal["ok", "no_face", "several_faces"]
    encoding: np.ndarray | None = None
    box: Box | None = None
    faces: int = 0  # faces considered (after dropping small detections)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def message(self) -> tuple[str, str] | None:
        """(Vietnamese, English) words for the citizen when there is no usable face."""
        return _MESSAGES.get(self.status)


def _area(box: Box) -> int:
    top, right, bottom, left = box
    return max(0, bottom - top) * max(0, right - left)


def encode_faces(rgb: np.ndarray, *, min_face_px: int = MIN_FACE_PX,
                 comparable_area: float = COMPARABLE_AREA) -> FaceResult:
    """Detect faces with the HOG model (no upsampling first, one upsampling pass if none is found),
    keep the largest, and encode it. Raises FaceModelsUnavailable when face_recognition cannot load."""
    if not (isinstance(rgb, np.ndarray) and rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3):
        raise ValueError("expected a (height, width, 3) uint8 RGB array, as load_image returns")
    face_recognition = import_face_recognition()
    rgb = np.ascontiguousarray(rgb)
    boxes: list[Box] = []
    for upsample in (0, 1):
        found = face_recognition.face_locations(rgb, number_of_times_to_upsample=upsample, model="hog")
        boxes = [box for box in found
                 if box[2] - box[0] >= min_face_px and box[1] - box[3] >= min_face_px]
        if boxes:
            break
    if not boxes:
        return FaceResult("no_face")
    boxes.sort(key=_area, reverse=True)
    largest = boxes[0]
    rivals = [box for box in boxes[1:] if _area(box) >= comparable_area * _area(largest)]
    if rivals:
        return FaceResult("several_faces", faces=1 + len(rivals))
    (encoding,) = face_recognition.face_encodings(rgb, known_face_locations=[largest], num_jitters=1, model="small")
    return FaceResult("ok", np.asarray(encoding, dtype=np.float32), tuple(int(v) for v in largest), 1)  # type: ignore[arg-type]


def encode_image_bytes(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> FaceResult:
    """load_image then encode_faces: what a worker process does with an upload."""
    return encode_faces(load_image(data, max_pixels=max_pixels))
