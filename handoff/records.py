"""The conversation record as plain values, independent of the database layer."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from typing_extensions import TypedDict  # pydantic needs it on Python 3.11

from handoff.ownership import Owner


class Sender(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"


class Button(TypedDict):
    title: str  # what the customer sees
    payload: str  # what is sent to the bot when clicked, e.g. "/check_balance"


class Entity(TypedDict, total=False):
    entity: str  # entity type, e.g. "order_number"
    value: Any  # normalised value
    start: int  # character offsets in the message text
    end: int
    extractor: str  # the NLU component that found it


@dataclass(frozen=True, slots=True)
class Nlu:
    """What the bot understood of one customer message."""

    intent: str | None
    confidence: float | None
    entities: list[Entity] = field(default_factory=list)


class Identity(TypedDict, total=False):
    """Who the customer is: Baton's fields, and the assistant's custom ones (``baton.yml``
    ``identity.slots`` keys with a label, e.g. ``customer_number``) under their own keys."""

    name: str  # the customer's name as they gave it
    email: str
    order_number: str  # "none" when the customer said they have none
    phone: str


IDENTITY_FIELDS = ("name", "email", "order_number", "phone")
# a custom field's key, as baton.yml may name it; at most so many, each at most so long
CUSTOM_FIELD = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_CUSTOM_FIELDS = 16
MAX_VALUE_CHARS = 320  # an email address may be 320 characters


def as_identity(data: Mapping[str, Any] | None) -> Identity:
    """The identity fields of ``data`` that have a value, as strings: Baton's fields and up
    to ``MAX_CUSTOM_FIELDS`` custom ones (other keys, and empty values, are dropped)."""
    identity: dict[str, str] = {}
    custom = 0
    for key, value in (data or {}).items():
        text = " ".join(str(value).split())[:MAX_VALUE_CHARS] if value is not None else ""
        if not text or not isinstance(key, str):
            continue
        if key in IDENTITY_FIELDS:
            identity[key] = text
        elif CUSTOM_FIELD.match(key) and custom < MAX_CUSTOM_FIELDS:
            identity[key] = text
            custom += 1
    return cast(Identity, identity)


def contact_columns(identity: Identity) -> dict[str, str | None]:
    """The identity's email and phone, normalised, as stored to find the customer's other
    conversations (on any channel)."""
    email = (identity.get("email") or "").strip().lower() or None
    digits = "".join(ch for ch in identity.get("phone") or "" if ch.isdigit())
    return {"contact_email": email, "contact_phone": digits[-15:] or None}


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    channel: str
    owner: Owner
    handoff_reason: str | None
    created_at: datetime
    updated_at: datetime
    queue: str | None = None
    priority: int = 0
    agent_id: str | None = None
    queued_at: datetime | None = None
    identity: Identity = field(default_factory=lambda: as_identity(None))
    language: str | None = None  # two-letter code; None while unknown


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    conversation_id: str
    channel: str
    sender: Sender
    text: str
    created_at: datetime
    buttons: list[Button] = field(default_factory=list)
    client_id: str | None = None
    reply_to_id: int | None = None
    nlu: Nlu | None = None
    meta: dict[str, Any] = field(default_factory=dict)


class Presence(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"  # signed in, takes no new conversations
    AWAY = "away"


@dataclass(frozen=True, slots=True)
class Agent:
    id: str
    name: str
    skills: list[str]  # queue names this agent serves
    capacity: int  # most conversations at once
    presence: Presence
    load: int = 0  # conversations assigned now
    languages: list[str] = field(default_factory=list)  # spoken; empty: any

    def speaks(self, language: str | None) -> bool:
        """Whether this agent may take a conversation in ``language`` (None: unknown)."""
        return not self.languages or language is None or language in self.languages


@dataclass(frozen=True, slots=True)
class Waiting:
    """A conversation in a queue, as the queue view shows it."""

    conversation_id: str
    queue: str
    priority: int
    queued_at: datetime
    reason: str | None
    channel: str
    position: int  # 1 = next to be served in its queue
    language: str | None = None  # the conversation's language, None while unknown
    # why no agent has been given it, when the desk's last push found nobody who could
    # take it: e.g. "no agent speaking pl is available"
    waiting_for: str | None = None
