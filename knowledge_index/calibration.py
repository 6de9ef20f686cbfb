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

from knowledge_index.search import KnowledgeIndex


def top_scores(
    index: KnowledgeIndex, texts: Sequence[str], language: str | None = None
) -> list[float]:
    """The best hit's score per text (among ``language``'s articles when given); a text
    with no hit scores -1."""
    scores = []
    for text in texts:
        hits = index.search(text, k=1, language=language)
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
) -> dict[str, Any]:
    """The threshold for questions in ``language`` (searched among its articles), or for
    the whole help centre."""
    return choose_threshold(
        top_scores(index, answerable, language), top_scores(index, unanswerable, language)
    )
