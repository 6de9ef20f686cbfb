"""Cutting long texts for platforms: at natural breaks, nothing lost, within the limit."""

from __future__ import annotations

import pytest

from connectors.splitting import split_text, utf16_length


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, ["short"]),
        ("", 10, [""]),
        ("first paragraph.\n\nsecond one here", 20, ["first paragraph.\n\n", "second one here"]),
        ("line one\nline two\nline three", 19, ["line one\nline two\n", "line three"]),
        ("One sentence. Another sentence.", 20, ["One sentence. ", "Another sentence."]),
        ("aaaaaaaaaaaaaaaaaaaa", 8, ["aaaaaaaa", "aaaaaaaa", "aaaa"]),
    ],
)
def test_split_prefers_paragraphs_then_lines_then_sentences_then_spaces(
    text: str, limit: int, expected: list[str]
) -> None:
    assert split_text(text, limit) == expected


def test_every_piece_fits_and_joining_gives_the_text_back() -> None:
    text = ("Voltify ships worldwide. " * 400 + "\n\n") * 3
    pieces = split_text(text, 4096)
    assert "".join(pieces) == text
    assert all(0 < len(p) <= 4096 for p in pieces)


def test_telegram_length_counts_utf16_code_units() -> None:
    assert utf16_length("abc") == 3
    assert utf16_length("\U0001f642") == 2  # outside the BMP: a surrogate pair
    pieces = split_text("\U0001f642" * 3000, 4096, utf16_length)
    assert [utf16_length(p) for p in pieces] == [4096, 1904]


def test_a_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        split_text("x", 0)
