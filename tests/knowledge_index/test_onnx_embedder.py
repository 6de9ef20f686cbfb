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


def test_same_word_pieces_and_piece_vectors_as_sentence_transformers() -> None:
    ensure_onnx()
    fast = load_fast_embedder(ONNX_DIR)
    reference = load_embedder()
    for slow_item, fast_item, text in zip(
        reference.encode(TEXTS), fast.encode(TEXTS), TEXTS, strict=True
    ):
        np.testing.assert_array_equal(slow_item.pieces, fast_item.pieces)
        assert np.abs(slow_item.tokens - fast_item.tokens).max() < 1e-4
        assert np.abs(slow_item.vector - reference.embed([text])[0]).max() < 1e-5
        # no [CLS], [SEP] or padding; unit vectors; the pieces ``pieces`` gives without a model
        assert len(slow_item.pieces) == len(slow_item.tokens) <= 254
        np.testing.assert_allclose(np.linalg.norm(slow_item.tokens, axis=1), 1.0, atol=1e-5)
        np.testing.assert_array_equal(reference.pieces([text])[0], slow_item.pieces)
        np.testing.assert_array_equal(fast.pieces([text])[0], slow_item.pieces)
    assert reference.encode(["where is my order"])[0].pieces.tolist() == (
        reference.pieces(["where is my order"])[0].tolist()
    )
    assert "order" in reference.words and "order" in fast.words and "##s" not in fast.words


def test_without_a_current_export_the_torch_embedder_is_used(tmp_path: Path) -> None:
    slow = load_fast_embedder(tmp_path)
    assert not isinstance(slow, OnnxEmbedder)
    assert slow.identity == fingerprint(model_path())
