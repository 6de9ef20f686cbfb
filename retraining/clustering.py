"""Greedy threshold clustering of normalised sentence vectors (pure numpy).

Messages are taken oldest first; each joins the cluster whose centroid is most similar if
that similarity reaches the threshold, else it starts a cluster of its own. The result
depends only on the order and the vectors, so the same inbox always groups the same way,
and new failures fold into the existing groups as they arrive. O(n * clusters): thousands
of failed messages take milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


def cluster(vectors: Vectors, threshold: float) -> list[list[int]]:
    """Groups of row indexes of ``vectors`` (L2-normalised rows), each in input order,
    largest group first (ties: the group that started first)."""
    groups: list[list[int]] = []
    sums: list[npt.NDArray[np.float64]] = []
    centroids = np.zeros((0, vectors.shape[1] if vectors.ndim == 2 else 0), dtype=np.float64)
    for index, vector in enumerate(vectors.astype(np.float64)):
        if groups:
            similarity = centroids @ vector
            best = int(np.argmax(similarity))
            if similarity[best] >= threshold:
                groups[best].append(index)
                sums[best] = sums[best] + vector
                centroids[best] = _normalised(sums[best])
                continue
        groups.append([index])
        sums.append(vector.copy())
        centroids = np.vstack([centroids, _normalised(vector)[None, :]])
    order = sorted(range(len(groups)), key=lambda g: (-len(groups[g]), groups[g][0]))
    return [groups[g] for g in order]


def centroid(vectors: Vectors, members: Sequence[int]) -> npt.NDArray[np.float32]:
    """The normalised mean of the member rows."""
    return _normalised(vectors[list(members)].astype(np.float64).sum(axis=0)).astype(np.float32)


def _normalised(vector: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector
