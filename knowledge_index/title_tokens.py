"""The title word-piece signal: how well each word of the question is matched by some word of
an article's title, compared word piece by word piece (late interaction, as in ColBERT).

The query's and the titles' word pieces keep their own MiniLM vectors (before pooling); a
title's score is the mean, over the query's pieces, of each piece's best cosine to a piece of
the title, weighted by the piece's IDF among the articles, so "dependencies" counts and "how"
hardly does. A pooled sentence vector blurs which words matched; this keeps it, and on
StackFAQ it separates near-duplicate threads the other signals confuse (README). The title
vectors are stored as float16 (2 bytes per dimension and piece, about 12 pieces per title).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from knowledge_index.articles import Article, Chunk
from knowledge_index.embedder import Encoded, TextEmbedder

TITLE_TOKENS = "title_tokens.npz"
WIDEN_LIMIT = 256 * 2**20  # bytes of float32 piece vectors kept in memory at most


@dataclass(frozen=True)
class TitleTokens:
    vectors: npt.NDArray[np.floating]  # every title's piece vectors, one title after another
    offsets: npt.NDArray[np.int64]  # title i's pieces are vectors[offsets[i]:offsets[i + 1]]
    document_pieces: npt.NDArray[np.int32]  # word-piece ids seen in the articles, sorted
    document_counts: npt.NDArray[np.int32]  # in how many articles each of them occurs
    articles: int

    @classmethod
    def build(
        cls,
        titles: Sequence[Encoded],
        articles: Sequence[Article],
        chunks: Sequence[Chunk],
        embedder: TextEmbedder,
    ) -> TitleTokens:
        """From the encoded titles (in article order) and the articles' word pieces."""
        texts = [article.title for article in articles] + [chunk.text for chunk in chunks]
        owners = [article.id for article in articles] + [chunk.article_id for chunk in chunks]
        seen: dict[str, set[int]] = {}
        for owner, pieces in zip(owners, embedder.pieces(texts), strict=True):
            seen.setdefault(owner, set()).update(pieces.tolist())
        counts = Counter(piece for pieces in seen.values() for piece in pieces)
        ids = np.array(sorted(counts), dtype=np.int32)
        vectors = (
            np.concatenate([title.tokens for title in titles])
            if titles
            else np.zeros((0, embedder.dimension), dtype=np.float32)
        )
        return cls(
            vectors=vectors.astype(np.float16),
            offsets=np.concatenate([[0], np.cumsum([len(t.pieces) for t in titles])]).astype(
                np.int64
            ),
            document_pieces=ids,
            document_counts=np.array([counts[int(piece)] for piece in ids], dtype=np.int32),
            articles=len(articles),
        )

    def save(self, path: Path) -> None:
        with path.open("wb") as file:
            np.savez(
                file,
                vectors=self.vectors,
                offsets=self.offsets,
                document_pieces=self.document_pieces,
                document_counts=self.document_counts,
                articles=np.array(self.articles, dtype=np.int64),
            )

    @classmethod
    def load(cls, path: Path) -> TitleTokens:
        """Read back; the vectors are widened to float32 in memory while that stays under
        ``WIDEN_LIMIT`` (saves the conversion on every query), kept float16 above."""
        with np.load(path) as data:
            vectors = data["vectors"]
            if vectors.size * 4 <= WIDEN_LIMIT:
                vectors = vectors.astype(np.float32)
            return cls(
                vectors=vectors,
                offsets=data["offsets"],
                document_pieces=data["document_pieces"],
                document_counts=data["document_counts"],
                articles=int(data["articles"]),
            )

    def idf(self, pieces: npt.NDArray[np.int32]) -> npt.NDArray[np.float32]:
        """log((N + 1) / (df + 0.5)) of each piece: positive, highest for a piece no article has."""
        where = np.searchsorted(self.document_pieces, pieces)
        inside = where < len(self.document_pieces)
        known = np.zeros(len(pieces), dtype=bool)
        known[inside] = self.document_pieces[where[inside]] == pieces[inside]
        df = np.zeros(len(pieces), dtype=np.float64)
        df[known] = self.document_counts[where[known]]
        return np.log((self.articles + 1) / (df + 0.5)).astype(np.float32)

    def similarity(
        self, query: Encoded, title_rows: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float32]:
        """The signal for each title row in ``title_rows``: the IDF-weighted mean over the
        query's pieces of their best cosine to one of the title's pieces (0 for a query or a
        title without pieces)."""
        result = np.zeros(len(title_rows), dtype=np.float32)
        if not len(query.pieces) or not len(title_rows):
            return result
        starts, ends = self.offsets[title_rows], self.offsets[title_rows + 1]
        has_pieces = ends > starts
        if not has_pieces.any():
            return result
        starts, lengths = starts[has_pieces], (ends - starts)[has_pieces]
        bounds = np.concatenate([[0], np.cumsum(lengths)[:-1]])  # where each title's run starts
        columns = np.arange(int(lengths.sum())) + np.repeat(starts - bounds, lengths)
        # one row per query piece, one column per title piece, then one per title
        cosines = query.tokens @ self.vectors[columns].astype(np.float32, copy=False).T
        best = np.maximum.reduceat(cosines, bounds, axis=1)
        weights = self.idf(query.pieces)
        total = float(weights.sum())
        if total <= 0 or not math.isfinite(total):
            return result
        result[has_pieces] = (weights / total) @ best
        return result
