"""Face encodings sealed at rest: AES-256-GCM bound to the citizen, key ids for rotation, and the key's
configuration (MOTCUA_IDENTITY_KEY / _FILE) checked before anything starts."""
from __future__ import annotations

import base64
import secrets
from pathlib import Path

import numpy as np
import pytest

from services.config import ConfigError, Settings, identity_keys
from services.identity.face_engine import MAX_IMAGE_BYTES, ImageTooLarge, decode_image
from services.identity.sealing import FaceSealer, Sealed, SealError, key_id
from services.domain.errors import InvalidInput

ENCODING = np.random.default_rng(9).standard_normal(128).astype(np.float32) * np.float32(0.1)
CITIZEN = "6f1c1b9e-4a43-4d8e-9a57-0c7f2d1e3b55"


def test_a_sealed_encoding_opens_for_its_citizen_only() -> None:
    sealer = FaceSealer([secrets.token_bytes(32)])
    sealed = sealer.seal(CITIZEN, ENCODING)
    assert sealed.key_id == sealer.current and len(sealed.nonce) == 12 and len(sealed.ciphertext) == 512 + 16
    assert ENCODING.tobytes() not in sealed.ciphertext
    assert np.array_equal(sealer.open(CITIZEN, sealed), ENCODING)
    assert sealer.seal(CITIZEN, ENCODING).nonce != sealed.nonce               # a fresh nonce each time
    with pytest.raises(SealError, match="altered or moved"):
        sealer.open("00000000-0000-4000-8000-000000000000", sealed)           # copied onto another citizen
    flipped = bytearray(sealed.ciphertext)
    flipped[5] ^= 1
    with pytest.raises(SealError):
        sealer.open(CITIZEN, Sealed(sealed.key_id, sealed.nonce, bytes(flipped)))
    with pytest.raises(SealError, match="unknown key"):
        FaceSealer([secrets.token_bytes(32)]).open(CITIZEN, sealed)


def test_rotation_seals_with_the_first_key_and_opens_with_all() -> None:
    old, new = secrets.token_bytes(32), secrets.token_bytes(32)
    sealed_before = FaceSealer([old]).seal(CITIZEN, ENCODING)
    both = FaceSealer([new, old])
    assert both.current == key_id(new) and both.knows(key_id(old))
    assert np.array_equal(both.open(CITIZEN, sealed_before), ENCODING)
    assert both.seal(CITIZEN, ENCODING).key_id == key_id(new)
    assert len(key_id(new)) == 16 and key_id(new) != key_id(old)


def test_keys_are_read_as_hex_or_base64_and_checked() -> None:
    raw = [secrets.token_bytes(32) for _ in range(3)]
    url_safe = base64.urlsafe_b64encode(raw[2]).decode().rstrip("=")
    text = f"{raw[0].hex()}, {base64.b64encode(raw[1]).decode()}\n{url_safe}"
    assert identity_keys(text) == raw
    for bad in ("", " , ", "short", raw[0].hex()[:-2], base64.b64encode(raw[0][:16]).decode(),
                f"{raw[0].hex()},{raw[0].hex()}"):
        with pytest.raises(ConfigError) as error:
            identity_keys(bad)
        assert "MOTCUA_IDENTITY_KEY" in str(error.value) and raw[0].hex() not in str(error.value)


def test_the_key_comes_from_the_environment_or_a_file_and_is_never_shown(tmp_path: Path) -> None:
    key = secrets.token_hex(32)
    assert Settings.from_env({"MOTCUA_IDENTITY_KEY": key}).identity_keys() == [bytes.fromhex(key)]
    (tmp_path / "key").write_text(key + "\n")
    settings = Settings.from_env({"MOTCUA_IDENTITY_KEY_FILE": str(tmp_path / "key")})
    assert settings.identity_keys() == [bytes.fromhex(key)] and key not in repr(settings)
    assert Settings.from_env({}).identity_keys() == []
    with pytest.raises(ConfigError, match="MOTCUA_IDENTITY_KEY"):
        Settings.from_env({"MOTCUA_IDENTITY_KEY": "not a key"})
    with pytest.raises(ConfigError, match="MOTCUA_IDENTITY_KEY_FILE"):
        Settings.from_env({"MOTCUA_IDENTITY_KEY_FILE": str(tmp_path / "absent")})


def test_images_arrive_as_base64_or_data_urls_within_the_limit() -> None:
    assert decode_image(base64.b64encode(b"\xff\xd8jpeg").decode(), "photo") == b"\xff\xd8jpeg"
    assert decode_image("data:image/png;base64," + base64.b64encode(b"\x89PNG").decode(), "photo") == b"\x89PNG"
    with pytest.raises(InvalidInput) as bad:
        decode_image("ảnh?", "photo")
    assert bad.value.details["reason"] == "bad_base64" and "photo" in bad.value.message_en
    with pytest.raises(ImageTooLarge):
        decode_image(base64.b64encode(bytes(MAX_IMAGE_BYTES + 1)).decode(), "image")
    assert len(decode_image(base64.b64encode(bytes(MAX_IMAGE_BYTES)).decode(), "image")) == MAX_IMAGE_BYTES
