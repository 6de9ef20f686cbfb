"""FAISS indexes over sentence embeddings: exact search for small collections, HNSW above.

Vectors are L2-normalised float32 rows, so the inner product is the cosine similarity and
every score lies in [-1, 1]. A vector's id is its row position in the matrix the index was
built from; the caller keeps the mapping from row to document.

Below ``EXACT_LIMIT`` vectors an exhaustive ``IndexFlatIP`` answers in about a millisecond
on one core and is always right, so there is nothing to tune and nothing to get wrong.
Above it an HNSW graph keeps single-query latency flat as the collection grows, at the cost
of a build of minutes at a million vectors and a recall a little under 1. The numbers behind
both choices come from ``python -m bench.vectors`` (see the comments on the constants).

FAISS releases the GIL while it searches, and searching an index concurrently is safe, so
callers can run ``search_vectors`` in a thread pool; ``prepare_for_search`` mutates the index
and belongs before the first search, not beside one.
"""

from __future__ import annotations

from collections.abc import Callable

import faiss
import numpy as np
import numpy.typing as npt

# Exact search up to this many vectors: where IndexFlatIP stops being comfortably fast (p99
# over ~1.5 ms) and HNSW starts paying for its build. Measured with `python -m bench.vectors`
# (2026-11-23, idle 2-core Intel Xeon VM, faiss 1.15.1; 384-d clustered synthetic vectors,
# one query at a time on one thread, 1000 queries). Exact single-query p50 / p99 in ms:
#      10k 0.57 / 0.68    20k 1.09 / 1.34    30k 1.90 / 2.11    50k 5.49 / 5.78
#     100k 12.1 / 12.8   300k 36.0 / 39.3     1M  117 / 127
# (past ~20k vectors, 30 MB, the scan no longer fits in cache and cost grows faster than n).
# HNSW at the same sizes: p99 0.4-0.9 ms, recall@10 0.97-0.99, build 0.8 s at 10k, 1.6 s
# at 20k, 14 s at 100k, 160 s at 1M.
EXACT_LIMIT: int = 20_000

# HNSW graph degree: 32 links per node (64 on the bottom layer). Against M=16 it reaches the
# same recall at half the efSearch, i.e. at lower latency (100k vectors: M=16 needs efSearch
# 64 for recall@10 0.956, M=32 efSearch 32 for 0.959), for twice the build time and
# +256 B/vector over the 1.5 kB vector itself (1M vectors: 1724 MB in RAM and on disk).
HNSW_M = 32
# Candidates kept while inserting. 64 builds 1M vectors in 160 s on 2 cores; 128 (tried with
# M=16 at 100k) more than tripled the build time for +0.02 recall, which a larger efSearch
# buys more cheaply.
HNSW_EF_CONSTRUCTION = 64
# Candidates kept while searching. At 1M vectors, one core (the bench's efSearch sweep):
#   efSearch  32: recall@10 0.893, p99 0.42 ms     64: 0.954, 0.60 ms     96: 0.978, 0.78 ms
#            128: 0.985, p99 0.95 ms              192: 0.991, 1.12 ms    256: 0.994, 1.30 ms
# 128 keeps a margin over the 0.95 target and stays 5x under the 5 ms p99 target. Not trusted
# from an index file (see prepare_for_search).
HNSW_EF_SEARCH = 128

# Vectors added per call while building, so that a long build can report progress.
_ADD_CHUNK = 50_000
# Normalised vectors have norm 1 up to float32 rounding; anything further off is a bug
# upstream (embeddings taken without normalize_embeddings, or a zero vector).
_NORM_TOLERANCE = 1e-3

KINDS = ("flat", "hnsw")


def index_kind_for(count: int) -> str:
    """``"flat"`` for up to ``EXACT_LIMIT`` vectors, ``"hnsw"`` above."""
    if count < 0:
        raise ValueError(f"a vector count cannot be negative, got {count}")
    return "flat" if count <= EXACT_LIMIT else "hnsw"


def build_vector_index(
    vectors: npt.NDArray[np.float32],
    kind: str = "auto",
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> faiss.Index:
    """An inner-product index over ``vectors`` (n, d), ready to search; ids are rows 0..n-1.

    ``kind`` is ``"auto"`` (``index_kind_for(n)``), ``"flat"`` or ``"hnsw"``. The vectors must
    be float32 and L2-normalised; anything else raises ``ValueError``. ``on_progress(added,
    total)`` is called after each chunk, since an HNSW build of a million vectors takes
    minutes.
    """
    matrix = _as_matrix(vectors, "vectors")
    norms = np.linalg.norm(matrix, axis=1)
    off = np.flatnonzero(~(np.abs(norms - 1.0) <= _NORM_TOLERANCE))  # NaN counts as off
    if off.size:
        raise ValueError(
            f"vectors must be L2-normalised; {off.size} of {len(matrix)} rows are not "
            f"(row {off[0]} has norm {norms[off[0]]:.4g})"
        )
    count, dimension = matrix.shape
    chosen = index_kind_for(count) if kind == "auto" else kind
    index: faiss.Index
    if chosen == "flat":
        index = faiss.IndexFlatIP(dimension)
    elif chosen == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    else:
        raise ValueError(f"unknown index kind {kind!r}; expected 'auto' or one of {KINDS}")
    for start in range(0, count, _ADD_CHUNK):
        index.add(matrix[start : start + _ADD_CHUNK])
        if on_progress is not None:
            on_progress(min(start + _ADD_CHUNK, count), count)
    prepare_for_search(index)
    return index


def prepare_for_search(index: faiss.Index) -> None:
    """Set search-time parameters from this module's constants.

    Call after ``faiss.read_index``: an index file keeps the efSearch it was written with,
    and the tuning here should win over whatever an older build wrote.
    """
    hnsw = _hnsw_of(index)
    if hnsw is not None:
        hnsw.efSearch = HNSW_EF_SEARCH


def search_vectors(
    index: faiss.Index,
    queries: npt.NDArray[np.float32],
    k: int,
    among: npt.NDArray[np.int64] | None = None,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """The ``k`` best rows per query: scores (nq, k) best first, and their ids (nq, k).
    With ``among``, only those rows are searched (FAISS's id selector: the help centre's
    chunks in one language).

    ``k`` is clipped to the number of vectors in the index, so both arrays may be narrower
    than asked. An approximate index can still return fewer than ``k`` hits for a query; the
    missing places hold id -1 (and score -inf or a large negative number), as FAISS does.
    """
    matrix = _as_matrix(queries, "queries")
    if matrix.shape[1] != index.d:
        raise ValueError(f"queries have {matrix.shape[1]} dimensions, the index has {index.d}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    width = min(k, int(index.ntotal) if among is None else len(among))
    if width == 0:
        return np.empty((len(matrix), 0), np.float32), np.empty((len(matrix), 0), np.int64)
    if among is None:
        scores, ids = index.search(matrix, width)
        return scores, ids
    # kept in a local while FAISS searches: the parameters hold only a C++ pointer to it
    selector = faiss.IDSelectorBatch(np.ascontiguousarray(among, dtype=np.int64))
    hnsw = _hnsw_of(index)
    params: faiss.SearchParameters
    if hnsw is not None:  # an HNSW index accepts only its own parameters, efSearch included
        hnsw_params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]  # no stub
        hnsw_params.efSearch = hnsw.efSearch
        params = hnsw_params
    else:
        params = faiss.SearchParameters()
    params.sel = selector
    scores, ids = index.search(matrix, width, params=params)
    return scores, ids


def kind_of(index: faiss.Index) -> str:
    """``"flat"`` or ``"hnsw"`` for the indexes this module builds, else the FAISS class name."""
    if isinstance(index, faiss.IndexHNSWFlat):
        return "hnsw"
    if isinstance(index, faiss.IndexFlat):
        return "flat"
    return type(index).__name__


def _hnsw_of(index: faiss.Index) -> faiss.HNSW | None:
    return index.hnsw if isinstance(index, faiss.IndexHNSW) else None


def _as_matrix(array: npt.NDArray[np.float32], what: str) -> npt.NDArray[np.float32]:
    """``array`` as a C-contiguous float32 (n, d) matrix with n, d >= 1, or ValueError."""
    if not isinstance(array, np.ndarray):
        raise ValueError(f"{what} must be a numpy array, got {type(array).__name__}")
    if array.dtype != np.float32:
        raise ValueError(f"{what} must be float32, got {array.dtype}")
    if array.ndim != 2:
        raise ValueError(f"{what} must be a 2-d (count, dimension) array, got shape {array.shape}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{what} is empty (shape {array.shape})")
    return np.ascontiguousarray(array)
