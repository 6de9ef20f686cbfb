"""Escalation triggers the gateway checks after every bot turn (pure, table-testable).

The customer asking for a human is decided in the bot's own actions; the triggers here look
at the conversation since the bot last took (or took back) it: the NLU trail and sentiment of
the customer's messages, and how the customer answered the knowledge articles the bot showed.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from handoff.packet import is_fallback
from handoff.records import Message, Sender
from handoff.settings import HandoffSettings


class Reason(StrEnum):
    """Handoff reasons, recorded on the conversation and in the packet."""

    CUSTOMER_REQUEST = "customer_request"
    LOW_CONFIDENCE = "low_confidence"
    KNOWLEDGE_REJECTED = "knowledge_rejected"
    NEGATIVE_SENTIMENT = "negative_sentiment"
    # an always-human intent hands off with its own name as the reason ("legal_request", say)


def evaluate(stretch: Sequence[Message], settings: HandoffSettings) -> str | None:
    """The reason to hand off after the latest customer turn, or None.

    ``stretch`` is the conversation since the bot last took it, oldest first: the customer's
    messages with their NLU and ``meta["sentiment"]``, the bot's replies with
    ``meta["article"]`` where they showed a knowledge article.
    """
    turns = [m for m in stretch if m.sender is Sender.CUSTOMER]
    if not turns:
        return None
    last = turns[-1]
    if last.nlu is not None and last.nlu.intent in settings.always_human_intents:
        return str(last.nlu.intent)
    if rejected_articles(stretch, settings) >= settings.knowledge_rejections:
        return Reason.KNOWLEDGE_REJECTED.value
    recent = turns[-settings.low_confidence_turns :]
    if len(recent) == settings.low_confidence_turns and all(
        is_fallback(m, settings.low_confidence_threshold) for m in recent
    ):
        return Reason.LOW_CONFIDENCE.value
    scores = [
        m.meta["sentiment"]
        for m in turns[-settings.sentiment_turns :]
        if m.meta.get("sentiment") is not None  # None: not measured in that language
    ]
    if (
        len(scores) == settings.sentiment_turns
        and sum(scores) / len(scores) <= settings.sentiment_threshold
    ):
        return Reason.NEGATIVE_SENTIMENT.value
    return None


def rejected_articles(stretch: Sequence[Message], settings: HandoffSettings) -> int:
    """How many knowledge answers the customer turned down: a customer message whose intent
    is a rejection (``deny``, a "not helpful" button…) right after an article was shown."""
    rejected = 0
    shown = False
    for message in stretch:
        if message.sender is Sender.BOT:
            shown = shown or "article" in message.meta
        elif message.sender is Sender.CUSTOMER:
            intent = message.nlu.intent if message.nlu is not None else None
            if shown and intent in settings.knowledge_rejection_intents:
                rejected += 1
            shown = False
    return rejected
