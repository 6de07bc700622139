"""What face work needs in one place: the worker pool, the sealing key and the live index, or the reason they are
missing. Without face models or without a key, face commands answer 503 with that reason, in Vietnamese and
English; everything else (ID cards, citizen records, erasure) keeps working."""
from __future__ import annotations

import base64
import binascii
import re

from services.domain.errors import DomainError, InvalidInput
from services.messages import ServiceError

from .face_models import FaceModelsUnavailable
from .face_pool import FaceEngineFailed, FacePool
from .faces import FaceResult
from .images import ImageError
from .live_index import LiveIndex
from .sealing import FaceSealer

MAX_IMAGE_BYTES = 5 * 1024 * 1024          # a camera frame or an enrolment photo
_DATA_URL = re.compile(r"^data:image/[a-z0-9.+-]+;base64,", re.IGNORECASE)

NO_KEY = ("chưa cấu hình khoá mã hoá MOTCUA_IDENTITY_KEY (hoặc MOTCUA_IDENTITY_KEY_FILE) cho cơ sở dữ liệu này",
          "no encryption key MOTCUA_IDENTITY_KEY (or MOTCUA_IDENTITY_KEY_FILE) is configured for this database")


class ImageTooLarge(DomainError):
    code = "payload_too_large"


def faces_unavailable(vi: str, en: str) -> ServiceError:
    return ServiceError("unavailable", vi, en, {"reason": "faces_unavailable"})


def decode_image(text: str, field: str) -> bytes:
    """Base64 (optionally a data: URL, as a browser canvas gives it) to bytes, at most MAX_IMAGE_BYTES."""
    text = _DATA_URL.sub("", text.strip(), count=1)
    if len(text) > (MAX_IMAGE_BYTES + 2) // 3 * 4 + 4:
        raise _too_large()
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(f"Trường '{field}' phải là ảnh JPEG hoặc PNG mã hoá base64",
                           f"Field '{field}' must be a base64-encoded JPEG or PNG image", reason="bad_base64") from exc
    if len(data) > MAX_IMAGE_BYTES:
        raise _too_large()
    return data


def _too_large() -> ImageTooLarge:
    mib = MAX_IMAGE_BYTES / (1024 * 1024)
    return ImageTooLarge(f"Ảnh quá lớn (tối đa {mib:g} MiB)", f"The image is too large (at most {mib:g} MiB)",
                         limit_bytes=MAX_IMAGE_BYTES)


class FaceEngine:
    def __init__(self, pool: FacePool | None = None, sealer: FaceSealer | None = None,
                 live: LiveIndex | None = None, problem: tuple[str, str] | None = None) -> None:
        if problem is None and (pool is None or sealer is None or live is None):
            raise ValueError("a face engine needs a pool, a sealer and a live index, or the reason it has none")
        self._pool, self._sealer, self._live = pool, sealer, live
        self.problem = problem

    @classmethod
    def unavailable(cls, vi: str, en: str) -> FaceEngine:
        return cls(problem=(vi, en))

    @property
    def available(self) -> bool:
        return self.problem is None

    def _refuse(self) -> ServiceError:
        vi, en = self.problem or ("", "")
        return faces_unavailable(f"Nhận diện khuôn mặt chưa dùng được: {vi}. Hãy dùng thẻ căn cước.",
                                 f"Face recognition is unavailable: {en}. Please use the ID card.")

    def sealer(self) -> FaceSealer:
        if self._sealer is None:
            raise self._refuse()
        return self._sealer

    def live(self) -> LiveIndex:
        if self._live is None:
            raise self._refuse()
        return self._live

    async def encode(self, data: bytes) -> FaceResult:
        """The face in `data`, worked out in a worker process. Refusals: 400 for what is not a usable image
        (details.reason), 503 when face recognition cannot run."""
        if self._pool is None:
            raise self._refuse()
        try:
            return await self._pool.encode(data)
        except ImageError as exc:
            raise InvalidInput(exc.message_vi, exc.message_en, reason=exc.reason) from exc
        except FaceModelsUnavailable as exc:
            raise faces_unavailable(exc.message_vi, exc.message_en) from exc
        except FaceEngineFailed as exc:
            raise ServiceError("unavailable", exc.message_vi, exc.message_en, {"reason": "face_engine_failed"}) from exc
