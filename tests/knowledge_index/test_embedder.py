"""The MiniLM model loads from the installed package, offline, and embeds meaningfully."""

from __future__ import annotations

import numpy as np

from knowledge_index.embedder import load_embedder, model_path


def test_the_model_ships_inside_the_installed_package() -> None:
    assert (model_path() / "model.safetensors").exists()


def test_embeddings_are_normalised_and_similar_questions_are_closest() -> None:
    embedder = load_embedder()
    vectors = embedder.embed(
        ["where is my parcel?", "has my order shipped yet?", "how do I reset my password?"]
    )
    assert vectors.shape == (3, embedder.dimension) == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2] + 0.2
