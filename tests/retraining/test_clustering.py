from __future__ import annotations

import numpy as np

from retraining.clustering import centroid, cluster


def unit(*values: float) -> list[float]:
    vector = np.array(values, dtype=np.float64)
    return list(vector / np.linalg.norm(vector))


def test_alike_vectors_form_one_group_largest_first_in_input_order() -> None:
    vectors = np.array(
        [
            unit(1, 0, 0),
            unit(0, 1, 0),
            unit(0.95, 0.05, 0),
            unit(0, 0.97, 0.03),
            unit(0.9, 0.1, 0.05),
            unit(0, 0, 1),
        ],
        dtype=np.float32,
    )
    assert cluster(vectors, threshold=0.9) == [[0, 2, 4], [1, 3], [5]]


def test_a_threshold_of_one_keeps_distinct_vectors_apart_and_the_same_vector_together() -> None:
    vectors = np.array([unit(1, 0), unit(1, 0), unit(0.9, 0.1)], dtype=np.float32)
    assert cluster(vectors, threshold=0.999999) == [[0, 1], [2]]


def test_the_grouping_is_stable_for_the_same_input() -> None:
    rng = np.random.default_rng(7)
    raw = rng.normal(size=(200, 16))
    vectors = (raw / np.linalg.norm(raw, axis=1, keepdims=True)).astype(np.float32)
    first = cluster(vectors, 0.3)
    assert first == cluster(vectors.copy(), 0.3)
    assert sorted(i for group in first for i in group) == list(range(200))


def test_no_vectors_no_groups_and_the_centroid_is_normalised() -> None:
    assert cluster(np.zeros((0, 4), dtype=np.float32), 0.5) == []
    vectors = np.array([unit(1, 0), unit(0, 1)], dtype=np.float32)
    assert np.isclose(np.linalg.norm(centroid(vectors, [0, 1])), 1.0)
