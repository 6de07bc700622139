"""Is face recognition usable here? Checked without letting face_recognition end the process.

face_recognition's ``api.py`` does ``try: import face_recognition_models except Exception: print(...);
quit()``: a missing or broken models package (or a setuptools without ``pkg_resources``, which
face_recognition_models 0.3.0 imports) silently ends the whole process with exit code 0, and
``quit()`` closes stdin on its way. So we look before importing: the packages are findable, the four
model files are present and whole, ``pkg_resources`` exists when needed; and, optionally, a child
Python process imports it for real.
"""
from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path
from types import ModuleType

from PIL import ImageFile

from services.domain.errors import DomainError

# face_recognition_models 0.3.0; sizes in bytes (a cut-short download fails this floor).
MODEL_FILES = {
    "shape_predictor_68_face_landmarks.dat": 99_693_937,
    "shape_predictor_5_face_landmarks.dat": 9_150_489,
    "dlib_face_recognition_resnet_model_v1.dat": 22_466_066,
    "mmod_human_face_detector.dat": 729_940,
}
_PROBE = "import sys, face_recognition; sys.stdout.write('face-models-ok')"
_INSTALL_HINT = ("pip install dlib-bin 'setuptools<82' && "
                 "pip install --no-deps face_recognition face_recognition_models")
_module: ModuleType | None = None


class FaceModelsUnavailable(DomainError):
    code = "face_models_unavailable"

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.message_vi, self.message_en))


def _unavailable(detail_vi: str, detail_en: str) -> tuple[str, str]:
    return (f"Chưa dùng được nhận diện khuôn mặt: {detail_vi}. Cài đặt: {_INSTALL_HINT}",
            f"Face recognition is unavailable: {detail_en}. Install: {_INSTALL_HINT}")


def missing_packages() -> list[str]:
    """The face-recognition packages that are not installed at all."""
    return [name for name in ("dlib", "face_recognition", "face_recognition_models") if find_spec(name) is None]


def check_face_models(*, probe: bool = True) -> str | None:
    """None when face_recognition can be imported; otherwise a Vietnamese / English explanation.

    With `probe` (about 1.5 s), a child process also imports face_recognition, so even a damaged
    dlib or model file is caught without endangering this process.
    """
    problem = diagnose(probe=probe)
    return f"{problem[0]} / {problem[1]}" if problem else None


def diagnose(*, probe: bool = True) -> tuple[str, str] | None:
    """check_face_models, as a (Vietnamese, English) pair."""
    if missing := missing_packages():
        return _unavailable(f"thiếu gói {', '.join(missing)}", f"missing package(s) {', '.join(missing)}")
    spec = find_spec("face_recognition_models")
    package = Path(next(iter(spec.submodule_search_locations or []), "")) if spec else Path()
    for name, size in MODEL_FILES.items():
        path = package / "models" / name
        if not path.is_file() or path.stat().st_size < size:
            return _unavailable(f"tệp mô hình {name} bị thiếu hoặc hỏng", f"model file {name} is missing or damaged")
    init = package / "__init__.py"
    uses_pkg_resources = init.is_file() and "pkg_resources" in init.read_text(encoding="utf-8", errors="replace")
    if uses_pkg_resources and find_spec("pkg_resources") is None:
        return _unavailable("face_recognition_models cần pkg_resources (setuptools<82)",
                            "face_recognition_models needs pkg_resources (setuptools<82)")
    if probe:
        return _probe()
    return None


def _probe() -> tuple[str, str] | None:
    try:
        done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return _unavailable(f"không chạy được tiến trình kiểm tra ({exc})", f"the probe process failed ({exc})")
    if done.returncode == 0 and "face-models-ok" in done.stdout:
        return None
    said = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["?"]
    return _unavailable(f"nhập face_recognition thất bại ({said[0]})", f"importing face_recognition failed ({said[0]})")


def import_face_recognition() -> ModuleType:
    """The face_recognition module, imported once; FaceModelsUnavailable instead of a silent exit."""
    global _module
    if _module is not None:
        return _module
    if problem := diagnose(probe=False):
        raise FaceModelsUnavailable(*problem)
    truncated_before = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            import face_recognition
    except SystemExit as exc:  # quit() in face_recognition.api: the check above missed something
        raise FaceModelsUnavailable("Không nạp được face_recognition: " + printed.getvalue().strip(),
                                    "face_recognition refused to load: " + printed.getvalue().strip()) from exc
    except ImportError as exc:
        raise FaceModelsUnavailable(f"Không nạp được face_recognition ({exc})",
                                    f"Cannot import face_recognition ({exc})") from exc
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated_before  # it sets True globally at import
    _module = face_recognition
    return face_recognition
