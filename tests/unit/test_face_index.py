"""FaceIndex with synthetic encodings: policy, erasure, growth, and a brute-force reference model."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from services.identity.face_index import DIMENSIONS, FaceIndex, Match, NoMatch


def face(seed: int) -> np.ndarray:
    """A random encoding with a real one's scale (norm about 1.4; strangers about 1.9 apart)."""
    return np.random.default_rng(seed).normal(0.0, 0.125, DIMENSIONS).astype(np.float32)


def near(base: np.ndarray, distance: float, seed: int = 0) -> np.ndarray:
    direction = np.random.default_rng(10_000 + seed).normal(size=DIMENSIONS)
    return (base + distance * direction / np.linalg.norm(direction)).astype(np.float32)


def test_empty_index_matches_nobody() -> None:
    assert FaceIndex().match(face(1)) == NoMatch("no_match", None)


def test_policy_bands() -> None:
    index = FaceIndex()  # threshold 0.5, weak band 0.45-0.5, margin 0.06
    index.add("an", face(1))
    for distance, expected in [(0.0, "an"), (0.3, "an"), (0.44, "an"), (0.47, "ambiguous"), (0.52, "no_match")]:
        result = index.match(near(face(1), distance))
        got = result.citizen_id if isinstance(result, Match) else result.reason
        assert got == expected, distance
        assert result.distance == pytest.approx(distance, abs=1e-5)


def test_another_citizen_within_the_margin_is_ambiguous() -> None:
    index = FaceIndex()
    index.add("an", face(1))
    index.add("binh", near(face(1), 0.03, seed=1))  # a twin, or the same person enrolled under two ids
    query = near(face(1), 0.2, seed=2)
    distances = sorted(np.linalg.norm(index.matrix - query, axis=1))
    assert distances[1] - distances[0] <= 0.06
    assert index.match(query).reason == "ambiguous"  # type: ignore[union-attr]


def test_several_rows_of_one_citizen_do_not_compete() -> None:
    index = FaceIndex()
    index.add("an", face(1))
    index.add("an", near(face(1), 0.1, seed=1))
    assert index.match(near(face(1), 0.05, seed=2)) == Match("an", pytest.approx(0.05, abs=0.1))
    assert (len(index), index.rows) == (1, 2)


def test_custom_threshold_margin_and_band() -> None:
    index = FaceIndex(threshold=0.6, margin=0.0, weak_band=0.0)
    index.add("an", face(1))
    assert isinstance(index.match(near(face(1), 0.55)), Match)


def test_erasure_stops_matching_and_wipes_the_row() -> None:
    index = FaceIndex(capacity=4)
    for number in range(3):
        index.add(f"c{number}", face(number))
    assert index.remove("c0") and not index.remove("c0")
    assert index.match(face(0)).reason == "no_match"  # type: ignore[union-attr]
    assert index.match(face(2)) == Match("c2", pytest.approx(0.0, abs=1e-6))
    assert not index._vectors[index.rows:].any() and not index._half_norms[index.rows:].any()


def test_update_replaces_all_encodings() -> None:
    index = FaceIndex()
    index.add("an", face(1))
    index.add("an", face(2))
    index.update("an", face(3))
    assert index.rows == 1 and index.match(face(1)).reason == "no_match"  # type: ignore[union-attr]
    index.update("an", np.stack([face(4), face(5)]))
    assert index.rows == 2 and index.match(face(5)).citizen_id == "an"  # type: ignore[union-attr]


def test_capacity_doubles_instead_of_growing_by_one() -> None:
    index = FaceIndex(capacity=1)
    capacities = set()
    for number in range(100):
        index.add(str(number), face(number))
        capacities.add(index.capacity)
    assert capacities == {1, 2, 4, 8, 16, 32, 64, 128}
    assert all(index.match(face(n)).citizen_id == str(n) for n in range(100))  # type: ignore[union-attr]


def test_bulk_load_matches_single_adds() -> None:
    block = np.stack([face(n) for n in range(50)])
    bulk, single = FaceIndex(), FaceIndex()
    bulk.add_many([str(n) for n in range(50)], block)
    for n in range(50):
        single.add(str(n), block[n])
    assert np.array_equal(bulk.matrix, single.matrix)
    # The expanded form loses ~1e-3 near zero in float32; match() reports exact distances.
    assert np.allclose(bulk.distances(face(7)), np.linalg.norm(block - face(7), axis=1), atol=2e-3)


@pytest.mark.parametrize("bad", [np.zeros(127), np.full(128, np.nan), np.zeros((2, 128)), "x"])
def test_bad_encodings_are_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        FaceIndex().add("an", bad)
    with pytest.raises(ValueError):
        FaceIndex().match(bad)


@pytest.mark.parametrize("options", [{"threshold": 0}, {"margin": -1}, {"weak_band": 0.5}, {"capacity": 0}])
def test_bad_settings_are_refused(options: dict) -> None:
    with pytest.raises(ValueError):
        FaceIndex(**options)


def test_matrix_view_is_read_only() -> None:
    index = FaceIndex()
    index.add("an", face(1))
    with pytest.raises(ValueError):
        index.matrix[0, 0] = 1.0


# ---- the index against a brute-force reference, under random add/update/remove/match sequences ----
CITIZENS = [f"c{n}" for n in range(6)]
DISTANCES = [0.0, 0.1, 0.3, 0.42, 0.47, 0.55, 0.9]


def reference_match(rows: dict[str, list[np.ndarray]], query: np.ndarray, index: FaceIndex) -> object:
    """face_recognition-style brute force, or None when the case sits on a decision boundary."""
    pairs = [(float(np.linalg.norm(vector.astype(np.float64) - query)), owner)
             for owner, vectors in rows.items() for vector in vectors]
    if not pairs:
        return "no_match"
    best, owner = min(pairs)
    others = [d for d, who in pairs if who != owner]
    edges = [index.threshold, index.threshold - index.weak_band] + [best + index.margin]
    if any(abs(best - edge) < 1e-3 for edge in edges[:2]) or any(abs(d - edges[2]) < 1e-3 for d in others):
        return None
    if best > index.threshold:
        return "no_match"
    if best > index.threshold - index.weak_band or any(d <= best + index.margin for d in others):
        return "ambiguous"
    return owner


class IndexAgainstReference(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.index = FaceIndex(capacity=2)
        self.rows: dict[str, list[np.ndarray]] = {}

    @rule(citizen=st.sampled_from(CITIZENS), seed=st.integers(0, 30))
    def add(self, citizen: str, seed: int) -> None:
        self.index.add(citizen, face(seed))
        self.rows.setdefault(citizen, []).append(face(seed))

    def _existing(self, pick: int, fallback_seed: int) -> np.ndarray:
        vectors = [vector for owner in sorted(self.rows) for vector in self.rows[owner]]
        return vectors[pick % len(vectors)] if vectors else face(fallback_seed)

    @rule(citizen=st.sampled_from(CITIZENS), pick=st.integers(0, 100), distance=st.sampled_from(DISTANCES))
    def add_look_alike(self, citizen: str, pick: int, distance: float) -> None:
        vector = near(self._existing(pick, pick), distance, pick)
        self.index.add(citizen, vector)
        self.rows.setdefault(citizen, []).append(vector)

    @rule(citizen=st.sampled_from(CITIZENS), seed=st.integers(0, 30))
    def update(self, citizen: str, seed: int) -> None:
        self.index.update(citizen, face(seed))
        self.rows[citizen] = [face(seed)]

    @rule(citizen=st.sampled_from(CITIZENS))
    def remove(self, citizen: str) -> None:
        assert self.index.remove(citizen) == (self.rows.pop(citizen, None) is not None)

    @rule(pick=st.integers(0, 100), distance=st.sampled_from(DISTANCES), jitter=st.integers(0, 5),
          stranger=st.booleans())
    def match(self, pick: int, distance: float, jitter: int, stranger: bool) -> None:
        query = near(face(1000 + pick) if stranger else self._existing(pick, pick), distance, jitter)
        expected = reference_match(self.rows, query, self.index)
        if expected is None:
            return
        result = self.index.match(query)
        assert (result.citizen_id if isinstance(result, Match) else result.reason) == expected

    @invariant()
    def same_contents(self) -> None:
        assert len(self.index) == len(self.rows)
        assert self.index.rows == sum(len(vectors) for vectors in self.rows.values())
        expected = sorted(tuple(np.round(v, 5)) for vectors in self.rows.values() for v in vectors)
        assert sorted(tuple(np.round(v, 5)) for v in self.index.matrix) == expected
        assert not self.index._vectors[self.index.rows:].any()


TestIndexAgainstReference = IndexAgainstReference.TestCase
TestIndexAgainstReference.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
