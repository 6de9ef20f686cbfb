"""The speller: which words it corrects, to what, and which it leaves as typed."""

from __future__ import annotations

import pytest

from knowledge_index.spelling import Speller, skeleton, word_counts

HELP_CENTRE = word_counts([
    "Trello boards and cards: add a recipient to a card, move a card between boards.",
    "Gmail filters: archive every mail from a sender. Hangouts notifications.",
])  # fmt: skip


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(HELP_CENTRE, also_known={"favorite"})


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("how do I add a recepient", "how do I add a recipient"),  # English and help centre
        ("my callendar is empty", "my calendar is empty"),  # English only
        ("move a card on my trelo board", "move a card on my trello board"),  # help centre only
        ("the adress is wrong", "the address is wrong"),  # a letter doubled or not
        ("Recieve notifications", "Receive notifications"),  # capital kept
        ("mute hangousts please", "mute hangouts please"),
    ],
)
def test_unknown_words_are_corrected(speller: Speller, typed: str, meant: str) -> None:
    assert speller.correct(typed) == meant


@pytest.mark.parametrize(
    "typed",
    [
        "where is my parcel?",  # nothing to correct
        "unarchive the mails I archived",  # a known word with a prefix
        "sort them descendingly",  # with an ending
        "it doesnt work and I dont know why",  # apostrophe dropped
        "it happens everytime",  # two common words run together
        "my favorite board",  # the model's own vocabulary
        "the GHO app and fb",  # acronyms and words under four letters
        "wo ist meine Bestellung geblieben",  # mostly unknown: not English, left alone
    ],
)
def test_known_words_and_foreign_questions_are_left_as_typed(speller: Speller, typed: str) -> None:
    assert speller.correct(typed) == typed


def test_a_word_with_nothing_near_it_is_kept(speller: Speller) -> None:
    assert speller.correct("please check the qwxzvbk setting") == "please check the qwxzvbk setting"


def test_word_counts_and_skeletons() -> None:
    assert word_counts(["Card, card; CARD 42 cards"]) == {"card": 3, "cards": 1}
    assert skeleton("adress") == skeleton("address") == "adres"
