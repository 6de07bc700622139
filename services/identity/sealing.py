"""Face encodings sealed at rest with AES-256-GCM (the `cryptography` package).

Each sealed encoding carries the id of the key that sealed it, so keys rotate without a flag day: configure the new
key first and the old one after it (MOTCUA_IDENTITY_KEY="new,old"); the identity service re-seals old rows under the
new key when it loads them, after which the old key can be dropped. A key id is the first 16 hex digits of the
key's SHA-256: it names a key without revealing it, and needs no separate configuration.

The associated data binds a ciphertext to its citizen: a row copied onto another citizen's id does not open.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .face_index import DIMENSIONS

NONCE_BYTES = 12
_CONTEXT = b"motcua.face-encoding.v1"


class SealError(Exception):
    """A sealed encoding that cannot be opened: unknown key, wrong citizen, or altered bytes."""


@dataclass(frozen=True)
class Sealed:
    key_id: str
    nonce: bytes
    ciphertext: bytes


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:16]


class FaceSealer:
    """Seals with the first key; opens with any of them."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys or any(len(key) != 32 for key in keys):
            raise ValueError("need one or more 32-byte keys")
        self._ciphers = {key_id(key): AESGCM(bytes(key)) for key in keys}
        self.current = key_id(keys[0])

    def knows(self, kid: str) -> bool:
        return kid in self._ciphers

    @staticmethod
    def _associated(citizen_id: str, kid: str) -> bytes:
        return b"|".join((_CONTEXT, citizen_id.encode(), kid.encode()))

    def seal(self, citizen_id: str, encoding: np.ndarray) -> Sealed:
        vector = np.asarray(encoding, dtype="<f4")
        if vector.shape != (DIMENSIONS,):
            raise ValueError(f"a face encoding has {DIMENSIONS} numbers")
        nonce = os.urandom(NONCE_BYTES)   # 96 random bits: safe for far more than a province's enrolments per key
        ciphertext = self._ciphers[self.current].encrypt(nonce, vector.tobytes(),
                                                         self._associated(citizen_id, self.current))
        return Sealed(self.current, nonce, ciphertext)

    def open(self, citizen_id: str, sealed: Sealed) -> np.ndarray:
        cipher = self._ciphers.get(sealed.key_id)
        if cipher is None:
            raise SealError(f"unknown key id {sealed.key_id}")
        try:
            plain = cipher.decrypt(sealed.nonce, sealed.ciphertext, self._associated(citizen_id, sealed.key_id))
        except InvalidTag as exc:
            raise SealError(f"the encoding of citizen {citizen_id} does not open (altered or moved)") from exc
        if len(plain) != DIMENSIONS * 4:
            raise SealError(f"the encoding of citizen {citizen_id} has the wrong length")
        return np.frombuffer(plain, dtype="<f4").astype(np.float32)
