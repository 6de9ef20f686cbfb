"""The handoff packet: everything an agent needs, so the customer never repeats themselves."""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

from handoff.records import Conversation, Identity, Message, Sender
from handoff.wire import MessageOut, NluOut, message_out


class TurnOut(TypedDict):
    message_id: int
    text: str
    nlu: NluOut | None
    fallback: bool  # the bot did not understand this turn


class ArticleOut(TypedDict):
    article_id: str
    title: str
    url: str | None
    score: float | None


class Packet(TypedDict):
    conversation_id: str
    channel: str
    channels: list[str]  # every channel the conversation used
    reason: str
    queue: str
    priority: int
    identity: Identity
    summary: str
    nlu_trail: list[TurnOut]
    articles: list[ArticleOut]
    transcript: list[MessageOut]


def is_fallback(message: Message, threshold: float) -> bool:
    if message.nlu is None:
        return False
    if message.nlu.intent == "nlu_fallback":
        return True
    return message.nlu.confidence is not None and message.nlu.confidence < threshold


def summarise(
    messages: Sequence[Message],
    identity: Identity,
    max_chars: int = 280,
    *,
    topicless: AbstractSet[str] = frozenset(),
) -> str:
    """What the customer wants, extractively: their most telling messages, newest last.

    A message counts if the bot recognised a request in it (not small talk) or did not
    understand it at all; longer messages first when there are too many.
    """
    customer = [m for m in messages if m.sender is Sender.CUSTOMER and not m.meta.get("payload")]
    telling = [
        m for m in customer if m.nlu is None or (m.nlu.intent or "nlu_fallback") not in topicless
    ] or customer
    chosen: list[Message] = []
    used = 0
    for message in sorted(telling, key=lambda m: len(m.text), reverse=True):
        text = _one_line(message.text)
        if used + len(text) > max_chars and chosen:
            continue
        chosen.append(message)
        used += len(text) + 3
    parts = [_one_line(m.text) for m in sorted(chosen, key=lambda m: m.id)]
    summary = " / ".join(parts)[:max_chars]
    order = identity.get("order_number")
    if order and order != "none" and order not in summary:
        summary += f" (order {order})"
    return summary


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def articles_shown(messages: Sequence[Message]) -> list[ArticleOut]:
    """Knowledge articles the bot answered with (recorded in bot messages' meta)."""
    seen: dict[str, ArticleOut] = {}
    for message in messages:
        article: Any = message.meta.get("article")
        if message.sender is Sender.BOT and isinstance(article, dict) and article.get("id"):
            seen[str(article["id"])] = {
                "article_id": str(article["id"]),
                "title": str(article.get("title", "")),
                "url": article.get("url"),
                "score": article.get("score"),
            }
    return list(seen.values())


def build_packet(
    conversation: Conversation,
    messages: Sequence[Message],
    *,
    reason: str,
    queue: str,
    priority: int,
    identity: Identity,
    low_confidence_threshold: float,
    topicless: AbstractSet[str] = frozenset(),
) -> Packet:
    """``topicless``: the assistant's intents that carry no request of their own (greetings,
    answers to the bot's questions), which never make the summary."""
    trail: list[TurnOut] = []
    for m in messages:
        if m.sender is not Sender.CUSTOMER:
            continue
        out = message_out(m)
        trail.append(
            {
                "message_id": m.id,
                "text": m.text,
                "nlu": out["nlu"],
                "fallback": is_fallback(m, low_confidence_threshold),
            }
        )
    return {
        "conversation_id": conversation.id,
        "channel": conversation.channel,
        "channels": sorted({m.channel for m in messages} | {conversation.channel}),
        "reason": reason,
        "queue": queue,
        "priority": priority,
        "identity": identity,
        "summary": summarise(messages, identity, topicless=topicless),
        "nlu_trail": trail,
        "articles": articles_shown(messages),
        "transcript": [message_out(m) for m in messages],
    }
