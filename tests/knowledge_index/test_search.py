"""The fused score with hand-made vectors: the whole-article signal, how the weights add up,
and the article vectors read from the FAISS index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import faiss
import numpy as np
import numpy.typing as npt
import pytest

from knowledge_index import (
    DENSE_ONLY,
    LEXICAL_ONLY,
    SHIPPED,
    Article,
    Encoded,
    KnowledgeIndex,
    best_per_article,
    write_index,
)
from knowledge_index.search import article_vectors


def unit(*values: float) -> npt.NDArray[np.float32]:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


# A text's vector is looked up by its last line (a chunk is embedded as "heading\ntext"), so
# each similarity below is chosen, not learned. Both titles sit at the same vector, away from
# every query: only the body decides.
VECTORS = {
    "Alpha": unit(0, 0, 0, 1),
    "Beta": unit(0, 0, 0, 1),
    "wifi drops": unit(1, 0, 0, 0),
    "router lights": unit(0, 1, 0, 0),
    "modem": 0.8 * unit(1, 1, 0, 0) + 0.6 * unit(0, 0, 1, 0),  # cosine 0.8 to the query
    "wifi router": unit(1, 1, 0, 0),
    "printer": unit(0, 0, 1, 0),
}


class TableEmbedder:
    identity = "table@1"
    dimension = 4
    words: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> npt.NDArray[np.float32]:
        self.calls += 1
        return np.stack([VECTORS[text.splitlines()[-1]] for text in texts])

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> list[Encoded]:
        """One word piece per text, carrying the text's vector."""
        return [
            Encoded(vector, pieces, vector[None, :])
            for vector, pieces in zip(self.embed(texts), self.pieces(texts), strict=True)
        ]

    def pieces(self, texts: Sequence[str]) -> list[npt.NDArray[np.int32]]:
        keys = list(VECTORS)
        return [np.array([keys.index(text.splitlines()[-1])], np.int32) for text in texts]


@pytest.fixture
def index(tmp_path: Path) -> KnowledgeIndex:
    articles = [
        # the query's two halves in two sections: each chunk matches half, the article all of it
        Article("spread", "Alpha", None, (), "## One\nwifi drops\n\n## Two\nrouter lights"),
        # one chunk that is closer to the query than either chunk above
        Article("single", "Beta", None, (), "modem"),
    ]
    embedder = TableEmbedder()
    write_index(articles, tmp_path, embedder)
    return KnowledgeIndex.load(tmp_path, embedder)


def test_an_answer_spread_over_sections_wins_through_the_article_vector(
    index: KnowledgeIndex,
) -> None:
    without = replace(DENSE_ONLY, article=0.0)
    assert best_per_article(index.search("wifi router", weights=without))[0].article_id == (
        "single"
    )
    hits = best_per_article(index.search("wifi router", weights=DENSE_ONLY))
    assert hits[0].article_id == "spread"
    assert hits[0].article_similarity == pytest.approx(1.0, abs=1e-6)
    assert hits[0].chunk_similarity == pytest.approx(2**-0.5, abs=1e-6)


def test_relevance_and_score_are_weighted_means_of_the_signals(index: KnowledgeIndex) -> None:
    hits = index.search("wifi router", k=3, weights=SHIPPED)
    best_lexical = max(hit.lexical for hit in hits)
    assert best_lexical > 0
    without_pieces = SHIPPED.title + SHIPPED.chunk + SHIPPED.article + SHIPPED.lexical
    for hit in hits:
        # one piece per text here: the title's piece carries the title's vector
        assert hit.title_pieces == pytest.approx(hit.title_similarity, abs=1e-3)
        evidence = (
            SHIPPED.title * hit.title_similarity
            + SHIPPED.chunk * hit.chunk_similarity
            + SHIPPED.article * hit.article_similarity
            + SHIPPED.lexical * hit.lexical / best_lexical
        )
        # the answer confidence leaves the title pieces out; the ranking counts them
        assert hit.score == pytest.approx(evidence / without_pieces, abs=1e-6)
        assert hit.relevance == pytest.approx(
            (evidence + SHIPPED.title_pieces * hit.title_pieces)
            / (without_pieces + SHIPPED.title_pieces),
            abs=1e-6,
        )
        assert -1.0 <= hit.score <= 1.0 and -1.0 <= hit.relevance <= 1.0
    assert [hit.relevance for hit in hits] == sorted((hit.relevance for hit in hits), reverse=True)


def test_every_chunk_of_an_article_shares_its_article_similarity(index: KnowledgeIndex) -> None:
    hits = [h for h in index.search("wifi router", k=3) if h.article_id == "spread"]
    assert len(hits) == 2
    assert hits[0].article_similarity == hits[1].article_similarity


def test_lexical_only_search_does_not_embed_the_query(tmp_path: Path) -> None:
    embedder = TableEmbedder()
    write_index([Article("p", "Alpha", None, (), "printer")], tmp_path, embedder)
    index = KnowledgeIndex.load(tmp_path, embedder)
    calls = embedder.calls
    hits = index.search("printer", weights=LEXICAL_ONLY)
    assert embedder.calls == calls
    assert [h.article_id for h in hits] == ["p"]
    assert hits[0].article_similarity == 0.0 and hits[0].score == pytest.approx(1.0)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
@pytest.mark.parametrize("block", [1, 2, 3, 100])
def test_article_vectors_are_normalised_chunk_means_whatever_the_read_block(
    kind: str, block: int
) -> None:
    rng = np.random.default_rng(0)
    chunks = rng.standard_normal((7, 8)).astype(np.float32)
    chunks /= np.linalg.norm(chunks, axis=1, keepdims=True)
    owner = np.array([0, 0, 2, 0, 2, 2, 3], dtype=np.int64)  # article 1 has no chunks
    index = (
        faiss.IndexFlatIP(8)
        if kind == "flat"
        else faiss.IndexHNSWFlat(8, 4, faiss.METRIC_INNER_PRODUCT)
    )
    index.add(chunks)
    vectors = article_vectors(index, owner, 4, block=block)
    for article in (0, 2, 3):
        mean = chunks[owner == article].mean(axis=0)
        np.testing.assert_allclose(vectors[article], mean / np.linalg.norm(mean), atol=1e-6)
    np.testing.assert_array_equal(vectors[1], np.zeros(8, dtype=np.float32))
