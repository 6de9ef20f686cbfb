"""Which customer messages the bot failed on (pure, table-testable).

A message fails when the NLU fell back or was unsure, when it is the message a handoff
trigger fired on, or when the customer turned down the knowledge answer the bot gave to it.
Button clicks (a payload such as "/deny") are the customer choosing, not writing: never
failures.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from handoff.records import Message, Sender


class Source(StrEnum):
    """Why a message is in the review inbox; also the name of its YAML file."""

    HANDOFF = "handoff"  # a handoff trigger fired on it
    REJECTED_ANSWER = "rejected_answer"  # the customer said the answer did not help
    FALLBACK = "fallback"  # the NLU fell back (nlu_fallback)
    LOW_CONFIDENCE = "low_confidence"  # recognised, but below the confidence floor


FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True, slots=True)
class Failure:
    message: Message
    source: Source


def failures(
    transcript: Sequence[Message],
    *,
    low_confidence: float,
    rejection_intents: Sequence[str] = ("deny",),
) -> list[Failure]:
    """The failed customer messages of one conversation, oldest first, each once with its
    strongest reason (handoff, then rejected answer, then fallback, then low confidence)."""
    customer = [m for m in transcript if m.sender is Sender.CUSTOMER]
    answered_with_article = {
        m.reply_to_id for m in transcript if m.sender is Sender.BOT and "article" in m.meta
    }
    rejected: set[int] = set()
    for before, after in itertools.pairwise(customer):
        intent = after.nlu.intent if after.nlu is not None else None
        if before.id in answered_with_article and intent in rejection_intents:
            rejected.add(before.id)
    found: list[Failure] = []
    for message in customer:
        if message.meta.get("payload"):
            continue
        source = _source(message, message.id in rejected, low_confidence)
        if source is not None:
            found.append(Failure(message, source))
    return found


def _source(message: Message, rejected: bool, low_confidence: float) -> Source | None:
    if message.meta.get("trigger"):
        return Source.HANDOFF
    if rejected:
        return Source.REJECTED_ANSWER
    if message.nlu is None:
        return None  # never understood by the bot (an agent owned it): nothing to learn
    if message.nlu.intent == FALLBACK_INTENT:
        return Source.FALLBACK
    if message.nlu.confidence is not None and message.nlu.confidence < low_confidence:
        return Source.LOW_CONFIDENCE
    return None
