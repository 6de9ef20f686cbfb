"""The conversation record as the figures read it: plain values, no database.

The loader (``analytics.queries``) builds these from the store; tests build them by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from handoff.records import Identity, Sender


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of a conversation, reduced to what the figures need."""

    id: int
    sender: Sender
    at: datetime
    intent: str | None = None  # customer messages the bot (or AI assist) understood
    text: str = ""  # agent messages only (the re-ask detector reads them)
    reply_to_id: int | None = None  # bot replies: the customer message they answer
    article: bool = False  # a bot knowledge answer (it carries its help-centre source)
    survey_answer: bool = False  # a customer message that answered a survey question
    survey_question: bool = False  # a bot message that asked one


@dataclass(frozen=True, slots=True)
class Stay:
    """One handoff: from the bot's request to the end of the humans' stay."""

    id: int
    reason: str
    queue: str
    created_at: datetime
    identity: Identity = field(default_factory=lambda: Identity())  # known when handed over
    agent_id: str | None = None
    assigned_at: datetime | None = None
    first_reply_at: datetime | None = None
    ended_at: datetime | None = None
    outcome: str | None = None  # resolved | handed_back


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    kind: str  # csat | effort
    after: str  # bot | agent
    sent_at: datetime
    score: int | None = None  # 1-5; None while unanswered or skipped
    answered_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    id: str
    channel: str
    created_at: datetime
    # how the customer can be recognised elsewhere: "email:…", "phone:…" (normalised)
    contacts: frozenset[str] = frozenset()
    turns: tuple[Turn, ...] = ()  # oldest first
    stays: tuple[Stay, ...] = ()  # oldest first
    surveys: tuple[SurveyAnswer, ...] = ()
    language: str | None = None  # the conversation's language (two letters), None: unknown


@dataclass(frozen=True, slots=True)
class Contact:
    """A conversation's first customer message, for finding re-contacts of other ones."""

    conversation_id: str
    contacts: frozenset[str]
    at: datetime


def contact_keys(email: str | None, phone: str | None) -> frozenset[str]:
    """Normalised keys a customer can be recognised by on any channel."""
    keys = set()
    if email and email.strip():
        keys.add(f"email:{email.strip().lower()}")
    digits = "".join(ch for ch in phone or "" if ch.isdigit())[-15:]
    if len(digits) >= 6:
        keys.add(f"phone:{digits}")
    return frozenset(keys)
