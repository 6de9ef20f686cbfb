"""Searching the index: dense similarity to the chunk, to its article's title and to the
article as a whole, fused with BM25, one score per chunk.

The weights are measured (``python -m bench.retrieval``, README): on StackFAQ the article
title carries most of the signal (dense over titles alone: P@1 0.945), the best chunk of the
body adds to it, BM25 adds a little more where a rare exact word matters, and the whole
article's vector (the mean of its chunk vectors) adds what no single chunk says alone, and
the title's word pieces matched one by one (``title_tokens.py``) separate near-duplicate
articles. A question's misspelt words are corrected first (``spelling.py``).

Each chunk is in its article's language. Searched in a language, only that language's chunks
are candidates, for the dense signals and for BM25 (stemmed the way of the language,
``lexical.py``); ``search_any_language`` falls back to the other languages when the
customer's has no answer, and every hit says its language.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt
from threadpoolctl import ThreadpoolController

from knowledge_index.articles import Chunk
from knowledge_index.embedder import Encoded, TextEmbedder
from knowledge_index.errors import IndexMismatch, IndexMissing, KnowledgeError
from knowledge_index.languages import DEFAULT_LANGUAGE
from knowledge_index.lexical import LexicalByLanguage
from knowledge_index.spelling import SPELLING_LANGUAGES, Speller, word_counts
from knowledge_index.title_tokens import TITLE_TOKENS, TitleTokens
from knowledge_index.vectors import prepare_for_search, search_vectors

log = logging.getLogger(__name__)

# Enough of a query to judge it: MiniLM reads 256 word pieces, and BM25 over a 10,000-character
# paste only gets slower, not better.
MAX_QUERY_CHARS = 2_000
# Chunks looked at per query, from each signal, before the fused ranking.
CANDIDATES = 64
# Chunk vectors read at a time when the article vectors are averaged at load (bounded memory
# on a large HNSW index).
READ_BLOCK = 65_536
WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class Weights:
    """How the signals add up: a hit's relevance is their weighted mean, its score (the answer
    confidence) the weighted mean of all but the title pieces; both stay in [-1, 1]."""

    title: float = 1.0  # cosine(query, the chunk's article title)
    chunk: float = 0.3  # cosine(query, the chunk)
    lexical: float = 0.15  # BM25 of the chunk / best BM25 among the candidates
    article: float = 1.0  # cosine(query, the mean of the article's chunk vectors, normalised)
    title_pieces: float = 0.75  # the title's word pieces matched one by one (title_tokens.py)

    @property
    def dense(self) -> bool:
        return bool(self.title or self.chunk or self.article or self.title_pieces)

    def describe(self) -> str:
        return (
            f"title {self.title} + chunk {self.chunk} + article {self.article} "
            f"+ bm25 {self.lexical}; ranked with title pieces {self.title_pieces}"
        )


SHIPPED = Weights()
# all-MiniLM-L6-v2 learnt English: in the other languages its similarities tell articles
# apart less well than their words do (on the demo's nb, sv, fi and pl query sets BM25 alone
# beat the English fusion by 0.1-0.3 P@1), so there the words count as much as the meaning
# and the titles' English word pieces not at all (chosen on half of each query set, the
# other half measured: docs/benchmarks.md)
DENSE_LANGUAGES = frozenset({"en"})
WORDS_LEAD = Weights(title=0.25, chunk=0.3, lexical=1.0, article=1.0, title_pieces=0.0)
# recorded with the answer threshold: a threshold calibrated on another scoring is stale
SCORING = f"{SHIPPED.describe()}; other languages: {WORDS_LEAD.describe()}"
DENSE_ONLY = Weights(lexical=0.0)
LEXICAL_ONLY = Weights(title=0.0, chunk=0.0, lexical=1.0, article=0.0, title_pieces=0.0)


def weights_for(language: str | None) -> Weights:
    """The shipped weights for queries in ``language`` (None: the help centre as a whole)."""
    return SHIPPED if language is None or language in DENSE_LANGUAGES else WORDS_LEAD


def _weights_among(languages: Collection[str] | None) -> Weights:
    """One language's shipped weights; for several (or all), the help centre's."""
    return weights_for(next(iter(languages))) if languages and len(languages) == 1 else SHIPPED


@dataclass(frozen=True)
class Hit:
    """A chunk found, with its signals. Hits are ranked by ``relevance``, all the signals;
    ``score`` leaves out the title word pieces: they tell near-duplicate articles apart, but
    they also lift messages the help centre cannot answer that share a title's words (on the
    demo help centre, counting them moved the calibrated threshold's false-positive rate from
    3 % to 8 %), so the answer threshold is compared with ``score``."""

    chunk: Chunk
    score: float  # the weighted mean of the other signals: the answer confidence
    title_similarity: float
    chunk_similarity: float
    lexical: float  # raw BM25
    article_similarity: float = 0.0  # to the whole article (the mean of its chunk vectors)
    title_pieces: float = 0.0  # the title word-piece signal
    relevance: float = 0.0  # the weighted mean of all the signals: the ranking

    @property
    def article_id(self) -> str:
        return self.chunk.article_id

    @property
    def language(self) -> str:
        """The ISO 639-1 code of the article the hit comes from."""
        return self.chunk.language


class KnowledgeIndex:
    """A built index loaded in memory. ``search`` is thread-safe (FAISS and numpy read only)."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        vectors: faiss.Index,
        titles: npt.NDArray[np.float32],
        article_order: Sequence[str],
        lexical: LexicalByLanguage,
        embedder: TextEmbedder,
        manifest: dict[str, Any],
        words: dict[str, int] | None = None,
        title_tokens: TitleTokens | None = None,
    ) -> None:
        self.chunks = list(chunks)
        self._vectors = vectors
        self._titles = titles
        self._article_row = {article_id: row for row, article_id in enumerate(article_order)}
        self._chunk_title_row = np.array(
            [self._article_row[chunk.article_id] for chunk in self.chunks], dtype=np.int64
        )
        # the chunk rows of each article (by title row), so a well-matching title brings its
        # chunks in without a scan over every chunk per query
        order = np.argsort(self._chunk_title_row, kind="stable")
        bounds = np.searchsorted(self._chunk_title_row[order], np.arange(len(article_order) + 1))
        self._chunks_of_title = [order[a:b] for a, b in itertools.pairwise(bounds)]
        self._articles = article_vectors(vectors, self._chunk_title_row, len(article_order))
        self._lexical = lexical
        self._embedder = embedder
        self.manifest = manifest
        self.default_language: str = manifest.get("default_language") or DEFAULT_LANGUAGE
        self._chunk_language = np.array([chunk.language for chunk in self.chunks], dtype=object)
        self.languages = frozenset(chunk.language for chunk in self.chunks)
        # each article's language by title row (its chunks'; "" for an article without any)
        self._article_language = np.full(len(article_order), "", dtype=object)
        self._article_language[self._chunk_title_row] = self._chunk_language
        self._speller: Speller | None = None
        if SPELLING_LANGUAGES & (self.languages | {self.default_language}):
            if words is None:  # a build from before the speller: count the chunks' words
                words = word_counts(
                    chunk.words_text for chunk in self.chunks
                    if chunk.language in SPELLING_LANGUAGES
                )  # fmt: skip
            self._speller = Speller(words, also_known=embedder.words)
        self._title_tokens = title_tokens  # None: a build from before the signal

    @property
    def threshold(self) -> float | None:
        """The calibrated score below which the bot should not answer (None: not calibrated)."""
        calibration = self.manifest.get("calibration") or {}
        value = calibration.get("threshold")
        return float(value) if value is not None else None

    def threshold_for(self, language: str | None) -> float | None:
        """The threshold calibrated on questions in ``language`` (scores differ between
        languages: MiniLM reads English best), else :attr:`threshold`."""
        calibration = self.manifest.get("calibration") or {}
        own = (calibration.get("languages") or {}).get(language or "") or {}
        value = own.get("threshold")
        return float(value) if value is not None else self.threshold

    @classmethod
    def load(
        cls, index_dir: Path, embedder: TextEmbedder, default_language: str = DEFAULT_LANGUAGE
    ) -> KnowledgeIndex:
        """The current build under ``index_dir``; refuses one built with another model. A
        build from before languages is in ``default_language`` (its BM25 reads English)."""
        build = index_dir / "current"
        if not (build / "manifest.json").exists():
            raise IndexMissing(index_dir)
        manifest = json.loads((build / "manifest.json").read_text())
        built_with = f"{manifest.get('model')} ({manifest.get('dimension')} dimensions)"
        expected = f"{embedder.identity} ({embedder.dimension} dimensions)"
        if manifest.get("model") != embedder.identity or manifest.get("dimension") != (
            embedder.dimension
        ):
            raise IndexMismatch(index_dir, built_with, expected)
        vectors = faiss.read_index(str(build / "vectors.faiss"))
        if vectors.d != embedder.dimension:
            raise IndexMismatch(index_dir, f"{vectors.d} dimensions", expected)
        prepare_for_search(vectors)
        manifest.setdefault("default_language", default_language)
        chunks = [
            Chunk(
                **{
                    "language": manifest["default_language"],
                    **record,
                    "tags": tuple(record.get("tags", ())),
                }
            )
            for record in json.loads((build / "chunks.json").read_text())
        ]
        if len(chunks) != vectors.ntotal:
            raise KnowledgeError(f"{build}: {len(chunks)} chunks but {vectors.ntotal} vectors")
        calibration = manifest.get("calibration") or {}
        if calibration and calibration.get("scoring") != SCORING:
            log.warning(
                "the answer threshold of %s was calibrated for another scoring (%s, now %s): "
                "run `baton index` to calibrate it again",
                index_dir,
                calibration.get("scoring", "unrecorded"),
                SCORING,
            )
        words_file = build / "words.json"
        title_tokens = None
        if (build / TITLE_TOKENS).exists():
            title_tokens = TitleTokens.load(build / TITLE_TOKENS)
        else:
            log.warning(
                "%s was built without the titles' word pieces; run `baton index` to rebuild it",
                index_dir,
            )
        return cls(
            chunks,
            vectors,
            np.load(build / "titles.npy"),
            manifest["article_order"],
            LexicalByLanguage.load(build / "lexical", [chunk.language for chunk in chunks]),
            embedder,
            manifest,
            json.loads(words_file.read_text()) if words_file.exists() else None,
            title_tokens,
        )

    def corrected(self, query: str, language: str | None = None) -> str:
        """``query`` as it is searched: trimmed, and its misspelt words corrected if it is in
        a language the speller has a dictionary for (``language``; None: the index's default
        language)."""
        query = query.strip()[:MAX_QUERY_CHARS]
        if self._speller is None or (language or self.default_language) not in SPELLING_LANGUAGES:
            return query
        return self._speller.correct(query)

    def search(
        self,
        query: str,
        k: int = 5,
        weights: Weights | None = None,
        *,
        language: str | None = None,
    ) -> list[Hit]:
        """The ``k`` most relevant chunks for ``query``, best first. A query with no letters or
        digits finds nothing (an empty list), whatever else it holds. With ``language`` (ISO
        639-1) the query is in that language and only its chunks are searched: an empty list
        when the help centre has none. ``weights``: None, the shipped ones for the language
        (:func:`weights_for`)."""
        return self._search_in(
            query, k, weights, language, None if language is None else {language}
        )

    def search_any_language(
        self,
        query: str,
        language: str,
        k: int = 5,
        threshold: float | None = None,
        weights: Weights | None = None,
    ) -> list[Hit]:
        """``search`` in ``language``; when its best hit scores under ``threshold`` (None: the
        calibrated one) or there is none, the hits in the help centre's other languages
        instead, if their best scores higher. Each hit's ``language`` says which it is, so
        the caller can say an answer is only available in another language."""
        own = self.search(query, k, weights, language=language)
        limit = self.threshold_for(language) if threshold is None else threshold
        if own and (limit is None or own[0].score >= limit):
            return own
        others = self._search_in(query, k, weights, language, self.languages - {language})
        if others and (not own or others[0].score > own[0].score):
            return others
        return own

    def _search_in(
        self,
        query: str,
        k: int,
        weights: Weights | None,
        query_language: str | None,
        languages: Collection[str] | None,
    ) -> list[Hit]:
        query = self.corrected(query, query_language)
        if not WORD.search(query) or not self.chunks:
            return []
        if languages is not None and not self.languages & set(languages):
            return []
        weights = weights or _weights_among(languages)
        encoded = self._embedder.encode([query])[0] if weights.dense else None
        return self.search_encoded(query, encoded, k, weights, languages=languages)

    def encode_queries(self, queries: Sequence[str]) -> list[Encoded]:
        """Queries (already ``corrected``) encoded in batches, for ``search_encoded``: what
        calibration and benchmarks use to search thousands of them."""
        return self._embedder.encode(list(queries)) if queries else []

    def search_encoded(
        self,
        query: str,
        encoded: Encoded | None,
        k: int = 5,
        weights: Weights | None = None,
        *,
        languages: Collection[str] | None = None,
    ) -> list[Hit]:
        """``search`` with the query already corrected and encoded (benchmarks encode queries
        in batches, the assist shares its encoding); ``encoded`` may be None for lexical-only
        weights. ``languages``: only chunks in these (None: all); ``weights``: None, the
        shipped ones for them."""
        weights = weights or _weights_among(languages)
        if languages is not None and self.languages <= set(languages):
            languages = None  # every chunk qualifies: search as if unfiltered
        # One BLAS thread: the products here are small, and OpenBLAS's threads keep spinning
        # after one, which made the next query's MiniLM run (torch, same cores) 8x slower.
        with blas().limit(limits=1, user_api="blas"):
            return self._search(query, encoded, k, weights, languages)

    def _search(
        self,
        query: str,
        encoded: Encoded | None,
        k: int,
        weights: Weights,
        languages: Collection[str] | None = None,
    ) -> list[Hit]:
        among: npt.NDArray[np.int64] | None = None
        article_allowed: npt.NDArray[np.bool_] | None = None
        if languages is not None:
            wanted = list(languages)
            among = np.flatnonzero(np.isin(self._chunk_language, wanted)).astype(np.int64)
            article_allowed = np.isin(self._article_language, wanted)
            if not len(among):
                return []
        if encoded is None:
            weights = LEXICAL_ONLY
            vector = np.zeros(self._titles.shape[1], dtype=np.float32)
        else:
            vector = encoded.vector
        if self._title_tokens is None:  # an older build: the signal is left out
            weights = replace(weights, title_pieces=0.0)
        title_similarity = self._titles @ vector
        article_similarity = self._articles @ vector
        lexical = self._lexical.scores(query, languages) if weights.lexical else None
        candidates: set[int] = set()
        if weights.dense:
            _, ids = search_vectors(self._vectors, vector[None, :], CANDIDATES, among)
            candidates.update(int(i) for i in ids[0] if i >= 0)
            # chunks of the articles that match best as a whole (title and article vector),
            # even if no single chunk of theirs does
            per_article = weights.title * title_similarity + weights.article * article_similarity
            best_articles = np.argsort(-per_article)
            if article_allowed is not None:
                best_articles = best_articles[article_allowed[best_articles]]
            for title_row in best_articles[:CANDIDATES]:
                candidates.update(self._chunks_of_title[title_row].tolist())
        if lexical is not None:
            candidates.update(int(i) for i in np.argsort(-lexical)[:CANDIDATES] if lexical[i] > 0)
        if not candidates:
            return []
        rows = np.fromiter(candidates, dtype=np.int64)
        chunk_vectors = self._vectors.reconstruct_batch(rows)
        chunk_similarity = chunk_vectors @ vector
        title_rows = self._chunk_title_row[rows]
        titles = title_similarity[title_rows]
        articles = article_similarity[title_rows]
        pieces = np.zeros(len(rows), dtype=np.float32)
        if weights.title_pieces and encoded is not None and self._title_tokens is not None:
            unique, position = np.unique(title_rows, return_inverse=True)
            pieces = self._title_tokens.similarity(encoded, unique)[position]
        evidence = (
            weights.title * titles + weights.chunk * chunk_similarity + weights.article * articles
        )
        lexical_rows = np.zeros(len(rows), dtype=np.float32)
        if lexical is not None:
            lexical_rows = lexical[rows]
            best = float(lexical_rows.max())
            if best > 0:
                evidence = evidence + weights.lexical * (lexical_rows / best)
        confidence_total = weights.title + weights.chunk + weights.article + weights.lexical
        score = evidence / confidence_total if confidence_total else evidence
        relevance = (evidence + weights.title_pieces * pieces) / max(
            confidence_total + weights.title_pieces, 1e-12
        )
        order = np.argsort(-relevance, kind="stable")[:k]
        return [
            Hit(
                chunk=self.chunks[int(rows[i])],
                score=float(score[i]),
                relevance=float(relevance[i]),
                title_similarity=float(titles[i]),
                chunk_similarity=float(chunk_similarity[i]),
                lexical=float(lexical_rows[i]),
                article_similarity=float(articles[i]),
                title_pieces=float(pieces[i]),
            )
            for i in order
        ]


@cache
def blas() -> ThreadpoolController:
    """The process's BLAS thread pools (found once: looking them up takes milliseconds)."""
    return ThreadpoolController()


def article_vectors(
    vectors: faiss.Index,
    chunk_article_row: npt.NDArray[np.int64],
    articles: int,
    block: int = READ_BLOCK,
) -> npt.NDArray[np.float32]:
    """One unit vector per article: the normalised mean of its chunks' vectors (zero for an
    article without chunks). Read from the FAISS index in blocks, so nothing new is stored
    and an index built before this signal existed still loads."""
    sums = np.zeros((articles, vectors.d), dtype=np.float64)
    for start in range(0, vectors.ntotal, block):
        read = vectors.reconstruct_n(start, min(block, vectors.ntotal - start))
        np.add.at(sums, chunk_article_row[start : start + len(read)], read)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return (sums / np.maximum(norms, 1e-12)).astype(np.float32)


def best_per_article(hits: Sequence[Hit]) -> list[Hit]:
    """The hits with only the best chunk of each article, in order."""
    seen: set[str] = set()
    result = []
    for hit in hits:
        if hit.article_id not in seen:
            seen.add(hit.article_id)
            result.append(hit)
    return result
