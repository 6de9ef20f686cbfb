"""Cutting a long text into the pieces a platform accepts, at the most natural break."""

from __future__ import annotations

from collections.abc import Callable


def utf16_length(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji can count two)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Pieces of at most ``limit`` (as ``measure`` counts), cut after a paragraph, else a
    line, else a sentence, else a space, else anywhere; nothing is dropped or reordered
    and joining the pieces gives back the text (the whitespace at a cut stays with the
    piece before it, trimmed when sent)."""
    if limit <= 0:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text
    while measure(rest) > limit:
        window = _longest_prefix(rest, limit, measure)
        cut = _best_cut(window)
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _longest_prefix(text: str, limit: int, measure: Callable[[str], int]) -> str:
    low, high = 1, min(len(text), limit)
    while low < high:  # the longest prefix that fits (measure grows with length)
        middle = (low + high + 1) // 2
        if measure(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    if low < len(text) and "\ud800" <= text[low - 1] <= "\udbff":
        low -= 1  # never split a surrogate pair
    return text[:low]


def _best_cut(window: str) -> int:
    for separator in ("\n\n", "\n", ". ", " "):
        at = window.rfind(separator)
        if at > len(window) // 3:  # a break too early makes many tiny pieces
            return at + len(separator)
    return len(window)
