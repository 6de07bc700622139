"""The in-memory 1:N face matcher: one float32 matrix, one matrix-vector product per query.

Distances are Euclidean, as face_recognition's ``face_distance``. With the squared norms kept per row,
||a - q||² = ||a||² + ||q||² - 2 a·q; ||q||² is the same for every row, so the argmin only needs
½||a||² - a·q: one sgemv plus one subtraction over N floats.

Policy, because a wrong person is worse than no match:
- accept only the best distance ≤ `threshold` (0.5, stricter than face_recognition's 0.6; the shared
  test photos give 0.04-0.43 for the same person and 0.81-0.87 for different people);
- `ambiguous` when the best lies in the weak band (threshold - weak_band, threshold], i.e. 0.45-0.5:
  plausible but not sure, so a clerk checks the ID card;
- `ambiguous` when another *citizen* is within `margin` (0.06) of the best: two look-alikes, or one
  person enrolled twice under two ids. Several rows of the same citizen never compete.

Rows grow by doubling capacity; removal swaps the last row into the hole and zeroes the vacated row,
so an erased face is gone from memory, not only unreachable. Not thread-safe: one writer, and no
match while a write is under way (use a lock if threads share it).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

DIMENSIONS = 128
DEFAULT_THRESHOLD = 0.5
DEFAULT_MARGIN = 0.06
DEFAULT_WEAK_BAND = 0.05

_NO_MATCH_MESSAGES = {
    "no_match": ("Không tìm thấy hồ sơ khớp với khuôn mặt. Hãy dùng thẻ căn cước.",
                 "No record matches this face. Please use the ID card."),
    "ambiguous": ("Chưa chắc chắn đúng người. Cán bộ sẽ xác minh bằng thẻ căn cước.",
                  "Not sure this is the right person. The clerk will check the ID card."),
}


@dataclass(frozen=True, slots=True)
class Match:
    citizen_id: str
    distance: float


@dataclass(frozen=True, slots=True)
class NoMatch:
    reason: Literal["no_match", "ambiguous"]
    distance: float | None  # the best distance seen; None for an empty index

    @property
    def message(self) -> tuple[str, str]:
        return _NO_MATCH_MESSAGES[self.reason]


def as_encoding(encoding: object) -> np.ndarray:
    vector = np.asarray(encoding, dtype=np.float32)
    if vector.shape != (DIMENSIONS,) or not np.isfinite(vector).all():
        raise ValueError(f"a face encoding is {DIMENSIONS} finite numbers")
    return vector


class FaceIndex:
    def __init__(self, *, threshold: float = DEFAULT_THRESHOLD, margin: float = DEFAULT_MARGIN,
                 weak_band: float = DEFAULT_WEAK_BAND, capacity: int = 1024) -> None:
        if not (threshold > 0 and margin >= 0 and 0 <= weak_band < threshold and capacity >= 1):
            raise ValueError("need threshold > 0, margin >= 0, 0 <= weak_band < threshold, capacity >= 1")
        self.threshold, self.margin, self.weak_band = threshold, margin, weak_band
        self._vectors = np.zeros((capacity, DIMENSIONS), dtype=np.float32)
        self._half_norms = np.zeros(capacity, dtype=np.float32)  # ½||a||² per row
        self._owner_of_row: list[str] = []
        self._rows_of: dict[str, list[int]] = {}

    # ---- size
    def __len__(self) -> int:
        """Number of citizens."""
        return len(self._rows_of)

    def __contains__(self, citizen_id: object) -> bool:
        return citizen_id in self._rows_of

    @property
    def rows(self) -> int:
        return len(self._owner_of_row)

    @property
    def capacity(self) -> int:
        return self._vectors.shape[0]

    @property
    def matrix(self) -> np.ndarray:
        """A read-only view of the live rows (for benchmarks and tests)."""
        view = self._vectors[: self.rows]
        view.flags.writeable = False
        return view

    def _reserve(self, rows: int) -> None:
        if rows <= self.capacity:
            return
        capacity = max(rows, 2 * self.capacity)
        vectors = np.zeros((capacity, DIMENSIONS), dtype=np.float32)
        half_norms = np.zeros(capacity, dtype=np.float32)
        vectors[: self.rows] = self._vectors[: self.rows]
        half_norms[: self.rows] = self._half_norms[: self.rows]
        self._vectors, self._half_norms = vectors, half_norms

    # ---- writes
    def add(self, citizen_id: str, encoding: object) -> None:
        """Add one more encoding for `citizen_id` (a citizen may have several)."""
        self.add_many([citizen_id], as_encoding(encoding)[None, :])

    def add_many(self, citizen_ids: Sequence[str], encodings: np.ndarray) -> None:
        """Bulk load: one copy of the block, e.g. when the service starts with a million rows."""
        block = np.asarray(encodings, dtype=np.float32)
        if block.ndim != 2 or block.shape[1] != DIMENSIONS or block.shape[0] != len(citizen_ids):
            raise ValueError(f"need one {DIMENSIONS}-number encoding per citizen id")
        if not np.isfinite(block).all():
            raise ValueError("face encodings must be finite")
        if not all(isinstance(cid, str) and cid for cid in citizen_ids):
            raise ValueError("citizen ids are non-empty strings")
        start = self.rows
        self._reserve(start + len(citizen_ids))
        self._vectors[start: start + len(citizen_ids)] = block
        self._half_norms[start: start + len(citizen_ids)] = 0.5 * np.einsum("ij,ij->i", block, block)
        for row, citizen_id in enumerate(citizen_ids, start):
            self._rows_of.setdefault(citizen_id, []).append(row)
        self._owner_of_row.extend(citizen_ids)

    def update(self, citizen_id: str, encodings: object) -> None:
        """Replace all of `citizen_id`'s encodings with one (128,) or several (k, 128)."""
        block = np.asarray(encodings, dtype=np.float32)
        block = block[None, :] if block.ndim == 1 else block
        for row in block:
            as_encoding(row)
        self.remove(citizen_id)
        self.add_many([citizen_id] * len(block), block)

    def remove(self, citizen_id: str) -> bool:
        """Erase every encoding of `citizen_id`; True if there was any."""
        rows = self._rows_of.get(citizen_id)
        if rows is None:
            return False
        for row in sorted(rows, reverse=True):  # from the end, so the citizen's other rows stay put
            self._swap_remove(row)
        del self._rows_of[citizen_id]
        return True

    def _swap_remove(self, row: int) -> None:
        last = self.rows - 1
        if row != last:
            self._vectors[row] = self._vectors[last]
            self._half_norms[row] = self._half_norms[last]
            moved = self._owner_of_row[last]
            self._owner_of_row[row] = moved
            moved_rows = self._rows_of[moved]
            moved_rows[moved_rows.index(last)] = row
        self._vectors[last] = 0.0  # wipe the biometric, not just hide it
        self._half_norms[last] = 0.0
        self._owner_of_row.pop()

    # ---- reads
    def distances(self, encoding: object) -> np.ndarray:
        """Distance from `encoding` to every row (float32, row order)."""
        query = as_encoding(encoding)
        scores = self._scores(query)
        return np.sqrt(np.maximum(2.0 * scores + float(query @ query), 0.0))

    def _scores(self, query: np.ndarray) -> np.ndarray:
        scores = self._vectors[: self.rows] @ query
        np.subtract(self._half_norms[: self.rows], scores, out=scores)
        return scores  # ½||a - q||² - ½||q||²

    def match(self, encoding: object) -> Match | NoMatch:
        query = as_encoding(encoding)
        if self.rows == 0:
            return NoMatch("no_match", None)
        scores = self._scores(query)
        best = int(np.argmin(scores))
        best_distance = self._exact(best, query)
        if best_distance > self.threshold:
            return NoMatch("no_match", best_distance)
        if best_distance > self.threshold - self.weak_band:
            return NoMatch("ambiguous", best_distance)
        owner = self._owner_of_row[best]
        # Rows within (best + margin), generously widened for float32 rounding, then checked exactly.
        reach = (best_distance + self.margin) ** 2 * 0.5 - 0.5 * float(query @ query) + 1e-4
        for row in np.flatnonzero(scores <= reach):
            if self._owner_of_row[row] != owner and self._exact(int(row), query) <= best_distance + self.margin:
                return NoMatch("ambiguous", best_distance)
        return Match(owner, best_distance)

    def _exact(self, row: int, query: np.ndarray) -> float:
        difference = self._vectors[row].astype(np.float64) - query
        return math.sqrt(float(difference @ difference))
