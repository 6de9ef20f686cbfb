"""Does an agent ask the customer for something the bot had already gathered?

A rule-based detector: a sentence that is a request (a question mark, or a request phrase
such as "could you", "please confirm", "let me know") and names an identity field ("your
email", "the order number", "what's your name"). Statements that merely mention a field
("I have your email", "your order 12345 is on its way") are not requests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from handoff.records import Identity

_FIELDS = {
    "name": r"(?:full\s+|first\s+|last\s+)?name",
    "email": r"e-?mail(?:\s+address)?",
    "order_number": r"order\s*(?:number|no\.?|#|id|reference|ref)",
    "phone": r"(?:phone|mobile|telephone|cell)(?:\s+number)?|phone\s*no\.?",
}
_MENTION = {
    field: re.compile(rf"\b(?:your|the|an?|which|what(?:'s|\s+is|\s+was)?)\s+(?:{words})\b", re.I)
    for field, words in _FIELDS.items()
}
_REQUEST = re.compile(
    r"\b(?:could|can|would|will)\s+you\b|\bplease\b|\bmay\s+i\s+(?:have|get|ask)\b"
    r"|\blet\s+me\s+know\b|\btell\s+me\b|\bsend\s+me\b|\bi(?:'ll|\s+will)?\s+need\b"
    r"|\bi\s+need\b|\bconfirm\b|\bprovide\b|\bshare\b|\bwhat(?:'s|\s+is|\s+was)\b",
    re.I,
)
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


def asked_fields(text: str) -> set[str]:
    """The identity fields ``text`` asks the customer for."""
    asked: set[str] = set()
    for sentence in _SENTENCES.split(text):
        if not sentence.strip():
            continue
        if not (sentence.rstrip().endswith("?") or _REQUEST.search(sentence)):
            continue
        asked |= {field for field, pattern in _MENTION.items() if pattern.search(sentence)}
    return asked


def reasked(identity: Identity, agent_texts: Iterable[str]) -> set[str]:
    """The fields the agent asked for although ``identity`` (what the agent was handed)
    already had them. An order number of "none" counts as known: the customer said so."""
    known = {field for field, value in identity.items() if value}
    return {field for text in agent_texts for field in asked_fields(text)} & known
