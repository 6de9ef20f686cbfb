"""Escalation triggers the gateway checks after every bot turn (pure, table-testable).

The customer asking for a human and a rejected knowledge answer are decided in the bot's
own actions; the triggers here look at the NLU trail and sentiment of the customer's
messages since the bot last took (or took back) the conversation.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from handoff.packet import is_fallback
from handoff.records import Message
from handoff.settings import HandoffSettings


class Reason(StrEnum):
    """Handoff reasons, recorded on the conversation and in the packet."""

    CUSTOMER_REQUEST = "customer_request"
    LOW_CONFIDENCE = "low_confidence"
    KNOWLEDGE_REJECTED = "knowledge_rejected"
    NEGATIVE_SENTIMENT = "negative_sentiment"
    # an always-human intent hands off with the intent's own name as the reason (e.g. "complaint")


def evaluate(turns: Sequence[Message], settings: HandoffSettings) -> str | None:
    """The reason to hand off after the latest customer turn, or None.

    ``turns`` are the customer's messages since the bot last took the conversation,
    oldest first, with their NLU and ``meta["sentiment"]``.
    """
    if not turns:
        return None
    last = turns[-1]
    if last.nlu is not None and last.nlu.intent in settings.always_human_intents:
        return str(last.nlu.intent)
    recent = turns[-settings.low_confidence_turns :]
    if len(recent) == settings.low_confidence_turns and all(
        is_fallback(m, settings.low_confidence_threshold) for m in recent
    ):
        return Reason.LOW_CONFIDENCE.value
    scores = [
        m.meta["sentiment"] for m in turns[-settings.sentiment_turns :] if "sentiment" in m.meta
    ]
    if (
        len(scores) == settings.sentiment_turns
        and sum(scores) / len(scores) <= settings.sentiment_threshold
    ):
        return Reason.NEGATIVE_SENTIMENT.value
    return None
