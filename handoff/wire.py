"""JSON shapes of the conversation record, shared by every API, socket and event."""

from __future__ import annotations

from typing import Any

from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

from handoff.records import Button, Conversation, Entity, Message


class NluOut(TypedDict):
    intent: str | None  # the intent Rasa recognised
    confidence: float | None  # its confidence, 0..1
    entities: list[Entity]  # entities extracted from the text


class MessageOut(TypedDict):
    id: int  # store id, increasing within a conversation
    sender: str  # "customer" | "bot" | "agent"
    channel: str  # the channel it arrived on or was sent to
    text: str
    buttons: list[Button]  # quick replies offered with a bot message
    created_at: str  # ISO-8601, UTC
    client_id: str | None  # the id the customer's client gave it, for de-duplication
    agent_name: str | None  # who wrote an agent message
    nlu: NluOut | None  # only on customer messages the bot has seen
    article: dict[str, Any] | None  # a help-centre answer's source: id, title, url, score
    sentiment: float | None  # customer messages: -1 (negative) .. +1; None: not measured


def message_out(message: Message) -> MessageOut:
    nlu: NluOut | None = None
    if message.nlu is not None:
        nlu = {
            "intent": message.nlu.intent,
            "confidence": message.nlu.confidence,
            "entities": list(message.nlu.entities),
        }
    return {
        "id": message.id,
        "sender": message.sender.value,
        "channel": message.channel,
        "text": message.text,
        "buttons": list(message.buttons),
        "created_at": message.created_at.isoformat(),
        "client_id": message.client_id,
        "agent_name": message.meta.get("agent_name"),
        "nlu": nlu,
        "article": message.meta.get("article"),
        "sentiment": message.meta.get("sentiment"),
    }


def owner_data(conversation: Conversation, agent_name: str | None = None) -> dict[str, Any]:
    return {
        "owner": conversation.owner.value,
        "queue": conversation.queue,
        "agent_id": conversation.agent_id,
        "agent_name": agent_name,
        "reason": conversation.handoff_reason,
    }
