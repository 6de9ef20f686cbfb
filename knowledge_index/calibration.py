"""The answer threshold, calibrated on data: the score that best separates questions the help
centre answers from messages it should not answer.

Answerable examples are customer questions the bot routes to the knowledge base (the NLU
examples of those intents); unanswerable ones are out-of-scope and small-talk examples.
The threshold maximises Youden's J (true-positive rate minus false-positive rate) over both
score distributions, and the manifest keeps the counts and rates it was chosen with.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from knowledge_index.embedder import Encoded
from knowledge_index.search import WORD, KnowledgeIndex, weights_for


def top_scores(
    index: KnowledgeIndex,
    texts: Sequence[str],
    language: str | None = None,
    encodings: dict[str, Encoded] | None = None,
) -> list[float]:
    """The best hit's score per text (among ``language``'s articles when given), as
    ``index.search`` scores it; a text with no hit scores -1. The queries are encoded in
    batches, and kept in ``encodings`` for the next call over the same texts."""
    encodings = {} if encodings is None else encodings
    languages = None if language is None else {language}
    queries = [index.corrected(text, language) for text in texts]
    searchable = [bool(WORD.search(query)) and bool(index.chunks) for query in queries]
    if languages is not None and not index.languages & languages:
        searchable = [False] * len(queries)
    if weights_for(language).dense:
        wanted = {query for query, ok in zip(queries, searchable, strict=True) if ok}
        missing = sorted(wanted - set(encodings))
        encodings.update(zip(missing, index.encode_queries(missing), strict=True))
    scores = []
    for query, ok in zip(queries, searchable, strict=True):
        hits = (
            index.search_encoded(query, encodings.get(query), k=1, languages=languages)
            if ok
            else []
        )
        scores.append(hits[0].score if hits else -1.0)
    return scores


def choose_threshold(answerable: Sequence[float], unanswerable: Sequence[float]) -> dict[str, Any]:
    """The threshold with the best J; ties go to the higher threshold (fewer wrong answers)."""
    if not answerable or not unanswerable:
        raise ValueError("calibration needs answerable and unanswerable examples")
    positives = np.sort(np.asarray(answerable, dtype=np.float64))
    negatives = np.sort(np.asarray(unanswerable, dtype=np.float64))
    values = np.unique(np.concatenate([positives, negatives]))
    # candidate thresholds halfway between neighbouring observed scores
    cuts = np.concatenate([[values[0] - 1e-6], (values[:-1] + values[1:]) / 2, [values[-1] + 1e-6]])
    tpr = 1 - np.searchsorted(positives, cuts, side="left") / len(positives)
    fpr = 1 - np.searchsorted(negatives, cuts, side="left") / len(negatives)
    j = tpr - fpr
    best = int(np.flatnonzero(j == j.max())[-1])
    return {
        "threshold": round(float(cuts[best]), 4),
        "method": "youden_j",
        "answerable": len(positives),
        "unanswerable": len(negatives),
        "true_positive_rate": round(float(tpr[best]), 4),
        "false_positive_rate": round(float(fpr[best]), 4),
    }


def calibrate(
    index: KnowledgeIndex,
    answerable: Sequence[str],
    unanswerable: Sequence[str],
    language: str | None = None,
    encodings: dict[str, Encoded] | None = None,
) -> dict[str, Any]:
    """The threshold for questions in ``language`` (searched among its articles), or for
    the whole help centre. ``encodings``: queries already encoded (shared between calls)."""
    return choose_threshold(
        top_scores(index, answerable, language, encodings),
        top_scores(index, unanswerable, language, encodings),
    )
