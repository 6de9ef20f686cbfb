"""The ONNX embedder gives the sentence-transformers vectors, so the index (built with the
latter) is searched with either."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from baton.knowledge import ONNX_DIR, ensure_onnx
from knowledge_index import load_embedder
from knowledge_index.embedder import fingerprint, model_path
from knowledge_index.onnx_embedder import OnnxEmbedder, load_fast_embedder

TEXTS = [
    "where is my order",
    "I want to return the headphones I bought last week because the left side crackles",
    "🙂",
    "x " * 600,  # past the 256 word pieces the model reads
]


def test_same_vectors_as_sentence_transformers_batched_or_not() -> None:
    ensure_onnx()
    fast = load_fast_embedder(ONNX_DIR)
    assert isinstance(fast, OnnxEmbedder)
    reference = load_embedder()
    assert fast.identity == reference.identity and fast.dimension == reference.dimension == 384
    expected = reference.embed(TEXTS)
    assert np.abs(fast.embed(TEXTS) - expected).max() < 1e-4
    one_by_one = np.vstack([fast.embed([t]) for t in TEXTS])
    assert np.abs(one_by_one - expected).max() < 1e-4
    assert fast.embed([]).shape == (0, 384)


def test_without_a_current_export_the_torch_embedder_is_used(tmp_path: Path) -> None:
    slow = load_fast_embedder(tmp_path)
    assert not isinstance(slow, OnnxEmbedder)
    assert slow.identity == fingerprint(model_path())
