"""Customer sentiment, locally (VADER's lexicon ships with its package; no network)."""

from __future__ import annotations

from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def sentiment(text: str) -> float:
    """VADER's compound score: -1 (very negative) .. +1 (very positive)."""
    return float(_analyzer().polarity_scores(text)["compound"])
