"""The lexical signal: BM25 (bm25s, sparse matrices) over stemmed words without stop words.

Dense vectors blur names ("Vimeo" and "YouTube" sit close together); BM25 keeps an exact rare
word worth something. Its scores go into the fusion in ``search.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import numpy.typing as npt
import Stemmer


class LexicalIndex:
    """BM25 over a fixed list of texts; scores come back as one array over all of them."""

    def __init__(self, retriever: bm25s.BM25) -> None:
        self._retriever = retriever
        self._stemmer = Stemmer.Stemmer("english")
        vocab = retriever.vocab_dict or {}
        self._vocab = set(vocab)
        self.size = int(retriever.scores.get("num_docs", 0))

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        stemmer = Stemmer.Stemmer("english")
        tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=stemmer, show_progress=False)
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        return cls(retriever)

    def scores(self, query: str) -> npt.NDArray[np.float32]:
        """BM25 score of every text for ``query`` (all zeros when no word of it is known)."""
        words = bm25s.tokenize(
            [query], stopwords="en", stemmer=self._stemmer, show_progress=False, return_ids=False
        )[0]
        known = [word for word in words if word in self._vocab]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(known), dtype=np.float32)

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(folder), show_progress=False))
