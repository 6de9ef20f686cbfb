from __future__ import annotations

import pytest

from baton_actions.parsing import (
    OrderNumberReading,
    first_name,
    parse_email,
    parse_name,
    read_order_number,
)


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("anna.schmidt@gmail.com", "anna.schmidt@gmail.com"),
        ("my email is Tom.B+shop@mail.example.co.uk.", "Tom.B+shop@mail.example.co.uk"),
        ("maria at gmail", None),
        ("maria@gmail", None),
        ("", None),
    ],
)
def test_email_is_found_inside_a_sentence_or_not_at_all(text: str, email: str | None) -> None:
    assert parse_email(text) == email


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("12345", OrderNumberReading(number="12345")),
        ("order #4829301 please", OrderNumberReading(number="4829301")),
        ("no, it's 55012", OrderNumberReading(number="55012")),
        ("1234", OrderNumberReading(wrong_length="1234")),
        ("123456789", OrderNumberReading(wrong_length="123456789")),
        ("0612 345678", OrderNumberReading(wrong_length="0612345678")),  # a phone number
        ("+44 7700 900123", OrderNumberReading(wrong_length="447700900123")),
        ("I don't have one", OrderNumberReading(declined=True)),
        ("skip", OrderNumberReading(declined=True)),
        ("no", OrderNumberReading(declined=True)),
        ("I can't find it", OrderNumberReading(declined=True)),
        ("it's on the fridge", OrderNumberReading()),
    ],
)
def test_order_number_reading(text: str, reading: OrderNumberReading) -> None:
    assert read_order_number(text) == reading


def test_a_denial_intent_declines_even_without_the_usual_words() -> None:
    assert read_order_number("/deny", said_no=True) == OrderNumberReading(declined=True)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Anna", "Anna"),
        ("my name is Jean-Luc Moreau", "Jean-Luc Moreau"),
        ("hi, I'm Priya Sharma.", "Priya Sharma"),
        ("Siobhán O'Connor here", "Siobhán O'Connor"),
        ("zoë van der berg", "Zoë Van Der Berg"),
        ("", None),
        ("   ", None),
        ("12345", None),
        ("R2D2", None),
        ("anna@example.com", None),
        ("I want to talk to a human", None),
        ("what is your returns policy?", None),
        ("Anna Maria Luisa Grace Smith", None),
    ],
)
def test_name_accepts_names_and_rejects_empty_digits_and_sentences(
    text: str, name: str | None
) -> None:
    assert parse_name(text) == name


def test_first_name_is_the_first_word() -> None:
    assert first_name("Jean-Luc Moreau") == "Jean-Luc"
    assert first_name(None) is None
