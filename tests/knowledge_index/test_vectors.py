"""FAISS indexes: exact below the limit, HNSW above, near-exact after a round trip to bytes."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import numpy.typing as npt
import pytest

from knowledge_index import vectors
from knowledge_index.vectors import (
    build_vector_index,
    index_kind_for,
    kind_of,
    prepare_for_search,
    search_vectors,
)

DIMENSION = 32


def normalised(matrix: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    matrix = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix.astype(np.float32)


def clustered(count: int, seed: int) -> npt.NDArray[np.float32]:
    """Points around 20 fixed centres (the same for every seed), like topics of sentences."""
    centres = np.random.default_rng(0).standard_normal((20, DIMENSION))
    rng = np.random.default_rng(seed)
    points = centres[rng.integers(0, len(centres), count)]
    return normalised(points + 0.6 * rng.standard_normal((count, DIMENSION)))


def exact_neighbours(
    data: npt.NDArray[np.float32], queries: npt.NDArray[np.float32], k: int
) -> npt.NDArray[np.int64]:
    return np.argsort(-(queries @ data.T), axis=1, kind="stable")[:, :k]


def recall(found: npt.NDArray[np.int64], truth: npt.NDArray[np.int64]) -> float:
    hits = sum(len(set(f) & set(t)) for f, t in zip(found.tolist(), truth.tolist(), strict=True))
    return hits / truth.size


def test_exact_search_returns_the_nearest_rows_best_first() -> None:
    data = clustered(500, seed=1)
    queries = clustered(20, seed=2)
    index = build_vector_index(data, kind="flat")

    scores, ids = search_vectors(index, queries, k=5)

    assert kind_of(index) == "flat"
    assert ids.shape == scores.shape == (20, 5)
    assert ids.dtype == np.int64 and scores.dtype == np.float32
    np.testing.assert_array_equal(ids, exact_neighbours(data, queries, 5))
    expected = np.take_along_axis(queries @ data.T, ids, axis=1)
    np.testing.assert_allclose(scores, expected, atol=1e-5)
    assert np.all(np.diff(scores, axis=1) <= 0)


def test_an_indexed_vector_finds_itself_with_score_one() -> None:
    data = clustered(300, seed=3)
    scores, ids = search_vectors(build_vector_index(data), data[[7, 42]], k=1)
    assert ids[:, 0].tolist() == [7, 42]
    np.testing.assert_allclose(scores[:, 0], 1.0, atol=1e-5)


def test_auto_picks_flat_up_to_the_exact_limit_and_hnsw_above(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(vectors, "EXACT_LIMIT", 100)
    assert index_kind_for(0) == index_kind_for(100) == "flat"
    assert index_kind_for(101) == "hnsw"

    assert kind_of(build_vector_index(clustered(100, seed=4))) == "flat"
    assert kind_of(build_vector_index(clustered(101, seed=4))) == "hnsw"


def test_the_shipped_limit_keeps_small_collections_exact() -> None:
    assert vectors.EXACT_LIMIT >= 1_000
    assert index_kind_for(1_000) == "flat"
    assert index_kind_for(10_000_000) == "hnsw"


def test_hnsw_index_round_tripped_through_bytes_still_finds_near_exact_neighbours() -> None:
    data = clustered(3_000, seed=5)
    queries = clustered(100, seed=6)
    built = build_vector_index(data, kind="hnsw")

    loaded = faiss.deserialize_index(faiss.serialize_index(built))
    assert isinstance(loaded, faiss.IndexHNSWFlat)
    loaded.hnsw.efSearch = 1  # as if an older build had written a worse setting
    prepare_for_search(loaded)
    _, ids = search_vectors(loaded, queries, k=10)

    assert kind_of(loaded) == "hnsw"
    assert loaded.hnsw.efSearch == vectors.HNSW_EF_SEARCH
    assert recall(ids, exact_neighbours(data, queries, 10)) >= 0.9


def test_hnsw_index_written_to_a_file_reads_back(tmp_path: Path) -> None:
    data = clustered(1_000, seed=7)
    path = str(tmp_path / "articles.faiss")
    faiss.write_index(build_vector_index(data, kind="hnsw"), path)

    loaded = faiss.read_index(path)
    prepare_for_search(loaded)
    _, ids = search_vectors(loaded, data[:50], k=1)

    assert loaded.ntotal == 1_000
    assert np.mean(ids[:, 0] == np.arange(50)) >= 0.95


def test_progress_is_reported_until_every_vector_is_added(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(vectors, "_ADD_CHUNK", 40)
    seen: list[tuple[int, int]] = []
    index = build_vector_index(
        clustered(100, seed=8),
        kind="hnsw",
        on_progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(40, 100), (80, 100), (100, 100)]
    assert index.ntotal == 100


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_k_larger_than_the_index_returns_every_vector(kind: str) -> None:
    data = clustered(8, seed=9)
    scores, ids = search_vectors(build_vector_index(data, kind=kind), data[:2], k=50)
    assert ids.shape == scores.shape == (2, 8)
    assert sorted(ids[0].tolist()) == list(range(8))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.ones((4, DIMENSION), np.float64), "must be float32, got float64"),
        (np.ones(DIMENSION, np.float32), r"must be a 2-d \(count, dimension\) array"),
        (np.ones((2, 3, DIMENSION), np.float32), "must be a 2-d"),
        (np.empty((0, DIMENSION), np.float32), "is empty"),
        (np.empty((3, 0), np.float32), "is empty"),
        ([[1.0, 0.0]], "must be a numpy array, got list"),
        (np.full((3, DIMENSION), 2.0, np.float32), "must be L2-normalised; 3 of 3 rows"),
        (np.full((1, DIMENSION), np.nan, np.float32), "must be L2-normalised"),
    ],
)
def test_bad_vectors_are_refused_with_a_clear_message(bad: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_vector_index(bad)  # type: ignore[arg-type]


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown index kind 'ivf'"):
        build_vector_index(clustered(10, seed=10), kind="ivf")


def test_bad_queries_are_refused_with_a_clear_message() -> None:
    index = build_vector_index(clustered(10, seed=11))
    with pytest.raises(ValueError, match="queries must be float32"):
        search_vectors(index, np.zeros((1, DIMENSION)), k=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="queries have 16 dimensions, the index has 32"):
        search_vectors(index, np.zeros((1, 16), np.float32), k=1)
    with pytest.raises(ValueError, match="k must be at least 1"):
        search_vectors(index, clustered(1, seed=12), k=0)


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        index_kind_for(-1)
