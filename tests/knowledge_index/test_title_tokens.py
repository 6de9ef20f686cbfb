"""The title word-piece signal with hand-made piece vectors: best match per query piece,
IDF weights, titles without pieces, and the file it is kept in."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from knowledge_index.embedder import Encoded
from knowledge_index.title_tokens import TitleTokens

E = np.eye(4, dtype=np.float32)  # four orthogonal piece vectors: cosine 1 or 0


def encoded(pieces: list[int], rows: list[int]) -> Encoded:
    vectors = E[rows]
    return Encoded(vectors.mean(axis=0), np.array(pieces, np.int32), vectors)


def titles(*token_rows: list[int]) -> npt.NDArray[np.float16]:
    return np.concatenate([E[rows] for rows in token_rows if rows] or [E[:0]]).astype(np.float16)


@pytest.fixture
def signal() -> TitleTokens:
    # title 0 has pieces 0 and 1, title 1 piece 2 only, title 2 none, title 3 piece 0
    return TitleTokens(
        vectors=titles([0, 1], [2], [], [0]),
        offsets=np.array([0, 2, 3, 3, 4], np.int64),
        document_pieces=np.array([10, 11, 12], np.int32),
        document_counts=np.array([4, 1, 1], np.int32),  # piece 10 is in every article
        articles=4,
    )


def test_each_query_piece_counts_its_best_title_piece(signal: TitleTokens) -> None:
    query = encoded([11, 12], [1, 2])  # one piece matching title 0, one matching title 1
    scores = signal.similarity(query, np.array([0, 1, 2, 3], np.int64))
    assert scores[0] == pytest.approx(0.5, abs=1e-3) and scores[1] == pytest.approx(0.5, abs=1e-3)
    assert scores[2] == 0.0 and scores[3] == 0.0  # no pieces; no piece in common


def test_a_piece_every_article_has_weighs_less_than_a_rare_one(signal: TitleTokens) -> None:
    query = encoded([10, 11], [0, 1])  # "how" (everywhere) and a rare word
    rows = np.array([3, 0], np.int64)
    only_common, both = signal.similarity(query, rows)
    assert both == pytest.approx(1.0, abs=1e-3)
    idf = signal.idf(np.array([10, 11, 99], np.int32))
    assert idf[0] < idf[1] < idf[2]  # a piece no article has is the rarest
    assert only_common == pytest.approx(idf[0] / (idf[0] + idf[1]), abs=1e-3)


def test_nothing_to_compare_gives_zeros(signal: TitleTokens) -> None:
    empty = Encoded(E[0], np.zeros(0, np.int32), E[:0])
    assert signal.similarity(empty, np.array([0, 1], np.int64)).tolist() == [0.0, 0.0]
    assert signal.similarity(encoded([11], [1]), np.array([], np.int64)).tolist() == []
    assert signal.similarity(encoded([11], [1]), np.array([2], np.int64)).tolist() == [0.0]


def test_saved_and_loaded_unchanged(
    signal: TitleTokens, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    signal.save(tmp_path / "title_tokens.npz")
    with np.load(tmp_path / "title_tokens.npz") as stored:
        assert stored["vectors"].dtype == np.float16
    loaded = TitleTokens.load(tmp_path / "title_tokens.npz")
    assert loaded.articles == 4 and loaded.vectors.dtype == np.float32  # small: widened
    for name in ("vectors", "offsets", "document_pieces", "document_counts"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(signal, name))
    monkeypatch.setattr("knowledge_index.title_tokens.WIDEN_LIMIT", 8)
    assert TitleTokens.load(tmp_path / "title_tokens.npz").vectors.dtype == np.float16


def test_many_titles_of_different_lengths_match_a_loop(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    lengths = rng.integers(0, 6, size=40)
    vectors = rng.standard_normal((int(lengths.sum()), 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    signal = TitleTokens(
        vectors=vectors.astype(np.float16),
        offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        document_pieces=np.arange(5, dtype=np.int32),
        document_counts=np.array([1, 2, 3, 4, 40], np.int32),
        articles=40,
    )
    tokens = rng.standard_normal((3, 8)).astype(np.float32)
    tokens /= np.linalg.norm(tokens, axis=1, keepdims=True)
    query = Encoded(tokens[0], np.array([0, 4, 7], np.int32), tokens)
    rows = rng.permutation(40)[:25].astype(np.int64)
    weights = signal.idf(query.pieces) / signal.idf(query.pieces).sum()
    expected = []
    for row in rows:
        title = signal.vectors[signal.offsets[row] : signal.offsets[row + 1]].astype(np.float32)
        expected.append(float(weights @ (tokens @ title.T).max(axis=1)) if len(title) else 0.0)
    np.testing.assert_allclose(signal.similarity(query, rows), expected, atol=1e-5)
