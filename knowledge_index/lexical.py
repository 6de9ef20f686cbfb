"""The lexical signal: BM25 (bm25s, sparse matrices) over stemmed words without stop words,
one BM25 index per language of the help centre, each stemmed the way its language is.

Dense vectors blur names ("Vimeo" and "YouTube" sit close together); BM25 keeps an exact rare
word worth something. Its scores go into the fusion in ``search.py``.

An index of one language is one BM25 index over every chunk, as before languages existed:
an English help centre scores exactly as it did.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

import bm25s
import numpy as np
import numpy.typing as npt
import Stemmer

from knowledge_index.languages import DEFAULT_LANGUAGE, STEMMERS, STOPWORDS

# bm25s's own file, present when ``folder`` holds one BM25 index rather than one per language
BM25_PARAMS = "params.index.json"


class LexicalIndex:
    """BM25 over a fixed list of texts in one language; scores come back as one array over
    all of them."""

    def __init__(self, retriever: bm25s.BM25, language: str = DEFAULT_LANGUAGE) -> None:
        self._retriever = retriever
        self.language = language
        self._stemmer = Stemmer.Stemmer(STEMMERS[language])
        self._stopwords = STOPWORDS.get(language)
        vocab = retriever.vocab_dict or {}
        self._vocab = set(vocab)
        self.size = int(retriever.scores.get("num_docs", 0))

    @classmethod
    def build(cls, texts: Sequence[str], language: str = DEFAULT_LANGUAGE) -> LexicalIndex:
        stemmer = Stemmer.Stemmer(STEMMERS[language])
        tokens = bm25s.tokenize(
            list(texts), stopwords=STOPWORDS.get(language), stemmer=stemmer, show_progress=False
        )
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        return cls(retriever, language)

    def scores(self, query: str) -> npt.NDArray[np.float32]:
        """BM25 score of every text for ``query`` (all zeros when no word of it is known)."""
        words = bm25s.tokenize(
            [query],
            stopwords=self._stopwords,
            stemmer=self._stemmer,
            show_progress=False,
            return_ids=False,
        )[0]
        known = [word for word in words if word in self._vocab]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(known), dtype=np.float32)

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, language: str = DEFAULT_LANGUAGE) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(folder), show_progress=False), language)


class LexicalByLanguage:
    """One ``LexicalIndex`` per language over the chunks in that language; scores come back
    as one array over all the chunks (zero for a chunk of a language not asked for)."""

    def __init__(self, parts: dict[str, tuple[LexicalIndex, npt.NDArray[np.int64]]], size: int):
        self._parts = parts  # language -> its index and the chunk rows it covers, in order
        self.size = size

    @classmethod
    def build(cls, texts: Sequence[str], languages: Sequence[str]) -> LexicalByLanguage:
        """BM25 over ``texts``, each in the language at the same position of ``languages``."""
        parts = {}
        for language, rows in rows_by_language(languages).items():
            index = LexicalIndex.build([texts[int(row)] for row in rows], language)
            parts[language] = (index, rows)
        return cls(parts, len(texts))

    def scores(
        self, query: str, languages: Collection[str] | None = None
    ) -> npt.NDArray[np.float32]:
        """BM25 score of every chunk for ``query``, each language's chunks scored with the
        query stemmed the way of their language; only the chunks of ``languages`` (None:
        all) score above zero."""
        result = np.zeros(self.size, dtype=np.float32)
        for language, (index, rows) in self._parts.items():
            if languages is None or language in languages:
                result[rows] = index.scores(query)
        return result

    def save(self, folder: Path) -> None:
        """One bm25s folder per language under ``folder``."""
        for language, (index, _) in self._parts.items():
            index.save(folder / language)

    @classmethod
    def load(cls, folder: Path, languages: Sequence[str]) -> LexicalByLanguage:
        """Read back what ``save`` wrote for chunks in ``languages`` (one per chunk, in order).
        A build from before languages holds one English BM25 index over every chunk: it is
        read as that, whatever language its chunks are labelled with."""
        if (folder / BM25_PARAMS).exists():
            rows = np.arange(len(languages), dtype=np.int64)
            label = languages[0] if languages else DEFAULT_LANGUAGE
            return cls({label: (LexicalIndex.load(folder, DEFAULT_LANGUAGE), rows)}, len(rows))
        parts = {
            language: (LexicalIndex.load(folder / language, language), rows)
            for language, rows in rows_by_language(languages).items()
        }
        return cls(parts, len(languages))


def rows_by_language(languages: Sequence[str]) -> dict[str, npt.NDArray[np.int64]]:
    """The positions of each language in ``languages``, in order, languages sorted."""
    codes = np.asarray(languages, dtype=object)
    return {
        language: np.flatnonzero(codes == language).astype(np.int64)
        for language in sorted(set(languages))
    }
