"""Sentiment in each served language, and "not measured" where Baton has no lexicon."""

from __future__ import annotations

import pytest

from handoff.sentiment import sentiment

# (language, an upset customer, a pleased one, a neutral question)
SENTENCES = [
    ("en", "This is terrible, I am so angry!", "Thanks a lot, that was great", "where is my order"),
    ("nb", "Dette er helt forferdelig, jeg er så sint!", "Tusen takk, det var kjempebra",
     "hvor er pakken min"),
    ("sv", "Jag är väldigt besviken, det här är hemskt", "Tack så mycket, toppen!",
     "när kommer min beställning"),
    ("fi", "Tämä on ihan kamalaa, olen todella vihainen", "Kiitos, tosi hyvä palvelu",
     "missä tilaukseni on"),
    ("pl", "Jestem bardzo wkurzony, to skandal", "Dziękuję, wszystko super",
     "gdzie jest moje zamówienie"),
]  # fmt: skip


@pytest.mark.parametrize(("language", "upset", "pleased", "neutral"), SENTENCES)
def test_each_language_reads_upset_pleased_and_neutral(
    language: str, upset: str, pleased: str, neutral: str
) -> None:
    assert (sentiment(upset, language) or 0) <= -0.5
    assert (sentiment(pleased, language) or 0) >= 0.5
    assert abs(sentiment(neutral, language) or 0) < 0.2


@pytest.mark.parametrize(
    ("language", "negated"),
    [("nb", "det er ikke bra"), ("sv", "det är inte bra"), ("fi", "en ole tyytyväinen"),
     ("pl", "nie jestem zadowolony")],
)  # fmt: skip
def test_a_negation_turns_praise_around(language: str, negated: str) -> None:
    assert (sentiment(negated, language) or 0) < 0


def test_a_language_without_a_lexicon_is_not_measured() -> None:
    # never VADER's English reading of German
    assert sentiment("Das ist schrecklich, ich bin wütend", "de") is None
    assert sentiment("this is terrible", None) is not None  # unknown yet: read as English


def test_an_inflected_word_is_not_mistaken_for_a_short_entry() -> None:
    # "lei" (fed up) must not match "leilighet" (flat) or "leie" (rent)
    assert sentiment("jeg vil leie en leilighet", "nb") == 0.0
