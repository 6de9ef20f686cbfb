"""Identity details in free text, found by a blank spaCy English pipeline and token rules.

Rasa's entity extractors learn from examples and miss details said in passing ("it's for
maria.lopez@mail.com, order 12345 — I'm Maria Lopez"). Before the bot asks for a detail, it
looks for it in everything the customer already wrote, so nobody is asked twice. spaCy
supplies the tokenizer and token attributes (``like_email``, digit shapes, casing); the
patterns below say what a name, an email, an order number and a phone number look like.
What is found is still validated by the rules in ``actions.parsing`` before it fills a slot.

No trained model is needed (none can be downloaded here): ``spacy.blank("en")`` with an
``entity_ruler`` is deterministic and loads in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

import spacy
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.util import filter_spans

EMAIL: Final = "EMAIL"
ORDER_NUMBER: Final = "ORDER_NUMBER"
PHONE: Final = "PHONE"
PERSON: Final = "PERSON"

_DIGITS_5_TO_8: Final = r"^\d{5,8}$"
# a phone number written as one token: 9 to 15 digits, maybe after a +
_PHONE_TOKEN: Final = r"^\+?\d{9,15}$"
_PHONE_LEAD: Final = r"^\+?\d{1,4}$"
_DIGIT_GROUP: Final = r"^\d{2,8}$"
_SEPARATOR: Final[dict[str, Any]] = {"ORTH": {"IN": ["-", "."]}, "OP": "?"}
_PHONE_DIGITS: Final = range(9, 16)  # what a written phone number must add up to


def _phone_patterns() -> list[dict[str, Any]]:
    """ "+49 151 2345 6789", "0612-345678", "(030) 1234567": a lead group (maybe in
    parentheses) and one to four more digit groups, maybe joined by - or ."""
    patterns: list[dict[str, Any]] = [
        {"label": PHONE, "pattern": [{"TEXT": {"REGEX": _PHONE_TOKEN}}]}
    ]
    leads: list[list[dict[str, Any]]] = [
        [{"TEXT": {"REGEX": _PHONE_LEAD}}],
        [{"ORTH": "("}, {"TEXT": {"REGEX": _PHONE_LEAD}}, {"ORTH": ")"}],
    ]
    for lead in leads:
        for groups in range(1, 5):
            pattern = list(lead)
            for _ in range(groups):
                pattern += [_SEPARATOR, {"TEXT": {"REGEX": _DIGIT_GROUP}}]
            patterns.append({"label": PHONE, "pattern": pattern})
    return patterns


_ENTITY_PATTERNS: Final = [
    {"label": EMAIL, "pattern": [{"LIKE_EMAIL": True}]},
    {"label": ORDER_NUMBER, "pattern": [{"TEXT": {"REGEX": _DIGITS_5_TO_8}}]},
    *_phone_patterns(),
]

# How people introduce themselves; the name is the capitalised words that follow.
_INTRODUCTIONS: Final[list[list[dict[str, Any]]]] = [
    [{"LOWER": "my"}, {"LOWER": "name"}, {"LOWER": {"IN": ["is", "'s"]}}],
    [{"LOWER": "name"}, {"ORTH": ":"}],
    [{"LOWER": "i"}, {"LOWER": {"IN": ["am", "'m"]}}],
    [{"LOWER": "im"}],
    [{"LOWER": "this"}, {"LOWER": "is"}],
    [{"LOWER": "call"}, {"LOWER": "me"}],
]
_NAME_PARTICLES: Final = frozenset({"de", "van", "von", "der", "da", "di", "la", "le", "del"})
_MAX_NAME_TOKENS: Final = 4


@dataclass(frozen=True, slots=True)
class Found:
    """Details found in one text; each the first occurrence, or None."""

    name: str | None = None
    email: str | None = None
    order_number: str | None = None
    phone: str | None = None


@cache
def pipeline() -> tuple[Language, Matcher]:
    """The shared blank English pipeline with its entity rules, and the introduction matcher."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    ruler.add_patterns(_ENTITY_PATTERNS)  # type: ignore[attr-defined]
    introductions = Matcher(nlp.vocab)
    introductions.add("INTRO", _INTRODUCTIONS)
    return nlp, introductions


def find_identity(text: str) -> Found:
    """The name, email, order number and phone number written in `text`, where present."""
    nlp, introductions = pipeline()
    doc = nlp(text)
    first: dict[str, str] = {}
    for span in doc.ents:  # the ruler keeps the longest match: a phone is never an order
        if span.label_ == PHONE and sum(c.isdigit() for c in span.text) not in _PHONE_DIGITS:
            continue  # a date or a price, not a phone number
        first.setdefault(span.label_, span.text)
    return Found(
        name=_introduced_name(doc, introductions),
        email=first.get(EMAIL),
        order_number=first.get(ORDER_NUMBER),
        phone=first.get(PHONE),
    )


def find_in_messages(texts: Iterable[str]) -> Found:
    """Details across several messages, the most recent mention of each winning."""
    found: dict[str, str | None] = {
        "name": None,
        "email": None,
        "order_number": None,
        "phone": None,
    }
    for text in texts:
        latest = find_identity(text)
        for key in found:
            value = getattr(latest, key)
            if value is not None:
                found[key] = value
    return Found(**found)


def _introduced_name(doc: spacy.tokens.Doc, introductions: Matcher) -> str | None:
    """The capitalised words after "my name is", "I'm", "call me"…, or None."""
    spans = filter_spans([doc[start:end] for _, start, end in introductions(doc)])
    for intro in spans:
        words: list[str] = []
        for token in doc[intro.end : intro.end + _MAX_NAME_TOKENS]:
            if token.is_alpha and (token.is_title or (words and token.lower_ in _NAME_PARTICLES)):
                words.append(token.text)
            elif token.text in ("-", "'") and words:
                words.append(token.text)
            else:
                break
        while words and (words[-1] in ("-", "'") or words[-1].lower() in _NAME_PARTICLES):
            words.pop()
        if words:
            return "".join(
                w if i == 0 or w in ("-", "'") or words[i - 1] in ("-", "'") else f" {w}"
                for i, w in enumerate(words)
            )
    return None
