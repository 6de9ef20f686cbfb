"""Embeddings already computed, keyed by the model and a hash of the text: a rebuild embeds
only what changed. Sentence vectors, and for titles also their word pieces' vectors."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge_index.embedder import Encoded


def text_key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\x00{text}".encode()).hexdigest()


class EmbeddingCache:
    """A SQLite file of float32 vectors; safe to delete (everything is embedded again)."""

    def __init__(self, path: Path, model: str, dimension: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB)")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS tokens (key TEXT PRIMARY KEY, pieces BLOB, vectors BLOB)"
        )
        self.model = model
        self.dimension = dimension

    def get(self, texts: Sequence[str]) -> dict[str, npt.NDArray[np.float32]]:
        """The cached vectors of those texts that have one, by text."""
        keys = {text_key(self.model, text): text for text in texts}
        found: dict[str, npt.NDArray[np.float32]] = {}
        for key, blob in self._select("SELECT key, vector FROM vectors", list(keys)):
            vector = np.frombuffer(blob, dtype=np.float32)
            if vector.shape == (self.dimension,):
                found[keys[key]] = vector
        return found

    def put(self, texts: Sequence[str], vectors: npt.NDArray[np.float32]) -> None:
        rows = [
            (text_key(self.model, text), np.asarray(vector, dtype=np.float32).tobytes())
            for text, vector in zip(texts, vectors, strict=True)
        ]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)

    def get_encoded(self, texts: Sequence[str]) -> dict[str, Encoded]:
        """The cached encodings (sentence vector, pieces and their vectors) by text."""
        vectors = self.get(texts)
        keys = {text_key(self.model, text): text for text in texts if text in vectors}
        found: dict[str, Encoded] = {}
        query = "SELECT key, pieces, vectors FROM tokens"
        for key, pieces_blob, tokens_blob in self._select(query, list(keys)):
            pieces = np.frombuffer(pieces_blob, dtype=np.int32)
            tokens = np.frombuffer(tokens_blob, dtype=np.float32)
            if tokens.size == pieces.size * self.dimension:
                text = keys[key]
                found[text] = Encoded(
                    vectors[text], pieces, tokens.reshape(pieces.size, self.dimension)
                )
        return found

    def put_encoded(self, texts: Sequence[str], encoded: Sequence[Encoded]) -> None:
        self.put(texts, np.stack([item.vector for item in encoded]))
        rows = [
            (
                text_key(self.model, text),
                np.asarray(item.pieces, dtype=np.int32).tobytes(),
                np.asarray(item.tokens, dtype=np.float32).tobytes(),
            )
            for text, item in zip(texts, encoded, strict=True)
        ]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO tokens VALUES (?, ?, ?)", rows)

    def _select(self, query: str, keys: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        """The rows of ``query`` (whose first column is the key) for ``keys``, in batches under
        SQLite's bound-parameter limit."""
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            yield from self._db.execute(f"{query} WHERE key IN ({marks})", batch)

    def close(self) -> None:
        self._db.close()
