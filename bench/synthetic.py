"""Synthetic sentence embeddings shaped like MiniLM's, for benchmarks at a size no real corpus
here has.

Uniform random unit vectors would be the wrong stand-in: in 384 dimensions every pair is
almost orthogonal and approximate search looks far worse than on real embeddings. This is a
two-level Gaussian mixture with a shared mean direction and a power-law spectrum, fitted to
MiniLM embeddings of CLINC150; ``shape_stats`` gives the numbers to compare the two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

DIMENSION = 384

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Mixture:
    """A two-level Gaussian mixture shaped like MiniLM sentence embeddings.

    The squared norms of the parts before normalisation sum to 1, so after it the expected
    cosine of two draws is the share they have in common: 0.08 for strangers (the mean),
    0.50 for the same topic, 0.75 for the same sub-topic, which is what MiniLM gives for
    CLINC150 sentences of different intents, of one intent, and near-paraphrases.
    """

    topics: int = 4_000
    subtopics: int = 4  # per topic
    mean: float = 0.08  # squared norm of the direction all embeddings share
    topic: float = 0.42  # squared spread of topic centres
    subtopic: float = 0.25  # squared spread of sub-topic centres around their topic
    sentence: float = 0.25  # squared spread of sentences around their sub-topic
    # Variance of basis direction i falls as (i + 1) ** -decay; 0.8 puts half of it in ~35
    # components and 90% in ~190, as measured on MiniLM embeddings.
    decay: float = 0.8


class Generator:
    """Seeded draws from a ``Mixture``; every call draws fresh sentences."""

    def __init__(self, mixture: Mixture, seed: int, dimension: int = DIMENSION) -> None:
        self._mixture = mixture
        self._rng = np.random.default_rng(seed)
        basis, _ = np.linalg.qr(self._rng.standard_normal((dimension, dimension)))
        scale = (np.arange(dimension) + 1.0) ** (-mixture.decay / 2)
        scale /= np.linalg.norm(scale)  # a standard normal draw times this has norm ~1
        self._shape = (scale[:, None] * basis.T).astype(np.float32)
        shared = self._rng.standard_normal(dimension)
        shared *= np.sqrt(mixture.mean) / np.linalg.norm(shared)
        topics = shared + np.sqrt(mixture.topic) * self._draw(mixture.topics)
        self._centres = np.repeat(topics, mixture.subtopics, axis=0) + np.sqrt(
            mixture.subtopic
        ) * self._draw(len(topics) * mixture.subtopics)

    def _draw(self, count: int) -> Matrix:
        noise = self._rng.standard_normal((count, self._shape.shape[0]), dtype=np.float32)
        return noise @ self._shape

    def sample(self, count: int, chunk: int = 100_000) -> Matrix:
        out = np.empty((count, self._shape.shape[0]), np.float32)
        for start in range(0, count, chunk):
            stop = min(count, start + chunk)
            which = self._rng.integers(0, len(self._centres), stop - start)
            rows = self._centres[which] + np.sqrt(self._mixture.sentence) * self._draw(stop - start)
            out[start:stop] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        return out


def shape_stats(embeddings: Matrix, probes: int = 2_000) -> dict[str, float]:
    """Numbers that tell clustered, MiniLM-like vectors from uniform noise."""
    probes = min(probes, len(embeddings))
    rng = np.random.default_rng(1)
    left, right = rng.integers(0, len(embeddings), (2, 20_000))
    random_pairs = np.einsum("ij,ij->i", embeddings[left], embeddings[right])
    similarity = embeddings[:probes] @ embeddings.T
    similarity[np.arange(probes), np.arange(probes)] = -2.0  # not its own neighbour
    nearest = -np.sort(-similarity, axis=1)
    centred = embeddings - embeddings.mean(axis=0)
    variance = np.linalg.svd(centred, compute_uv=False) ** 2
    cumulative = np.cumsum(variance) / variance.sum()
    return {
        "random_pair_cos": round(float(random_pairs.mean()), 3),
        "nn1_cos": round(float(nearest[:, 0].mean()), 3),
        "nn10_cos": round(float(nearest[:, 9].mean()), 3),
        "pcs_50pct": int(np.searchsorted(cumulative, 0.5)) + 1,
        "pcs_90pct": int(np.searchsorted(cumulative, 0.9)) + 1,
    }
