"""Which customer messages the bot failed on (pure, table-testable).

A message fails when the NLU fell back or was unsure, when it is the message a handoff
trigger fired on, when the customer turned down the knowledge answer the bot gave to it, when
the bot declined it as out of scope (the knowledge owners decide whether it really was), or
when it is in a language the assistant does not serve.
Button clicks (a payload such as "/deny") are the customer choosing, not writing: never
failures.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.models import ConversationRow
from handoff.records import Message, Sender


class Source(StrEnum):
    """Why a message is in the review inbox; also the name of its YAML file."""

    HANDOFF = "handoff"  # a handoff trigger fired on it
    REJECTED_ANSWER = "rejected_answer"  # the customer said the answer did not help
    FALLBACK = "fallback"  # the NLU fell back (nlu_fallback)
    LOW_CONFIDENCE = "low_confidence"  # recognised, but below the confidence floor
    DECLINED = "declined"  # read as out of scope: "I can't help with that"
    LANGUAGE = "language"  # written in a language the assistant does not serve


FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True, slots=True)
class Failure:
    message: Message
    source: Source


async def conversation_languages(
    session: AsyncSession, conversation_ids: Iterable[str]
) -> dict[str, str | None]:
    """Each conversation's language (None while unknown)."""
    ids = sorted(set(conversation_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(ConversationRow.id, ConversationRow.language).where(ConversationRow.id.in_(ids))
    )
    return {row.id: row.language for row in rows}


def is_served(language: str | None, languages: Collection[str]) -> bool:
    """Whether a conversation's language is one the assistant serves (unknown: yes)."""
    return language is None or not languages or language in languages


def failures(
    transcript: Sequence[Message],
    *,
    low_confidence: float,
    rejection_intents: Sequence[str] = ("deny",),
    declined_intents: Collection[str] = (),
    served: bool = True,
) -> list[Failure]:
    """The failed customer messages of one conversation, oldest first, each once with its
    strongest reason (handoff, then rejected answer, then an unserved language, then
    fallback, declined as out of scope, low confidence). ``served`` is False for a
    conversation in a language the assistant does not serve."""
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
        source = _source(message, message.id in rejected, low_confidence, declined_intents)
        if source is None and not served and message.nlu is not None:
            source = Source.LANGUAGE
        elif not served and source in (Source.FALLBACK, Source.DECLINED, Source.LOW_CONFIDENCE):
            source = Source.LANGUAGE
        if source is not None:
            found.append(Failure(message, source))
    return found


def _source(
    message: Message, rejected: bool, low_confidence: float, declined: Collection[str]
) -> Source | None:
    if message.meta.get("trigger"):
        return Source.HANDOFF
    if rejected:
        return Source.REJECTED_ANSWER
    if message.nlu is None:
        return None  # never understood by the bot (an agent owned it): nothing to learn
    if message.nlu.intent == FALLBACK_INTENT:
        return Source.FALLBACK
    if message.nlu.intent in declined:
        return Source.DECLINED
    if message.nlu.confidence is not None and message.nlu.confidence < low_confidence:
        return Source.LOW_CONFIDENCE
    return None
