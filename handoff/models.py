"""SQLAlchemy tables of the conversation record (the schema itself lives in migrations)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every engine (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class ConversationRow(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        # the queue views and the desk's routing read conversations by owner and queue,
        # an agent's load counts the conversations assigned to them
        Index("ix_conversations_owner_queue", "owner", "queue"),
        Index("ix_conversations_agent_id_owner", "agent_id", "owner"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    # sha256 of the customer's bearer token; the token itself is never stored
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    owner: Mapped[str] = mapped_column(String(16), default="bot")
    handoff_reason: Mapped[str | None] = mapped_column(String(64))
    # while queued or assigned: which queue, how urgent, which agent
    queue: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"))
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # what the bot (or an agent) learned of the customer: name, email, order_number, phone
    identity: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # normalised from the identity, to find the customer's other conversations on any channel
    contact_email: Mapped[str | None] = mapped_column(String(320), index=True)
    contact_phone: Mapped[str | None] = mapped_column(String(32), index=True)
    # two-letter code (handoff.language): from a channel hint or detected; None while unknown
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # set when the customer's data was erased (handoff.privacy): the row stays, anonymised,
    # for the figures
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MessageRow(Base):
    __tablename__ = "messages"
    __table_args__ = (
        # a redelivered customer message (same client id) is stored once
        UniqueConstraint("conversation_id", "client_id", name="uq_messages_client_id"),
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any] | None] = mapped_column(JSON)
    client_id: Mapped[str | None] = mapped_column(String(64))
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    intent: Mapped[str | None] = mapped_column(String(128))
    confidence: Mapped[float | None] = mapped_column(Float)
    entities: Mapped[list[Any] | None] = mapped_column(JSON)
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgentRow(Base):
    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    skills: Mapped[list[Any]] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=3)
    # languages the agent speaks; empty: any
    languages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    presence: Mapped[str] = mapped_column(String(16), default="away")
    # sha256 of the agent's API token
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QueueRow(Base):
    __tablename__ = "queues"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(128))


class HandoffRow(Base):
    """One stay with the humans: from the handoff until resolved, handed back or abandoned."""

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_conversation_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    packet: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    agent_id: Mapped[str | None] = mapped_column(String(64))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))  # resolved | handed_back | abandoned
    resolution_note: Mapped[str | None] = mapped_column(Text)


class EventSequenceRow(Base):
    """A single counter row: taking the next number locks it until commit, so events
    become visible in sequence order and a reader resuming "after N" never skips one."""

    __tablename__ = "event_sequence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_conversation_id_seq", "conversation_id", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    conversation_id: Mapped[str] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserRow(Base):
    """Someone who signs in to the console: an agent, a supervisor or a knowledge owner."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(256))  # argon2id, with its parameters
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsoleSessionRow(Base):
    __tablename__ = "console_sessions"

    # sha256 of the session cookie's value; the value itself is never stored
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NoteRow(Base):
    """An agent's internal note on a conversation: never shown to the customer."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[str] = mapped_column(String(64))
    author_name: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SuggestionRow(Base):
    """A reply the AI proposed to the agent for one customer message, and what became of it."""

    __tablename__ = "suggestions"
    __table_args__ = (Index("ix_suggestions_conversation_id_id", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    kind: Mapped[str] = mapped_column(String(16))  # knowledge | bot | memory
    text: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    source: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outcome: Mapped[str | None] = mapped_column(String(16))  # used | edited | ignored
    reply_id: Mapped[int | None] = mapped_column(Integer)  # the agent message that used it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReplyMemoryRow(Base):
    """What an agent answered to what a customer said, in a resolved conversation; the AI
    suggests it again for similar messages."""

    __tablename__ = "reply_memory"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(36), index=True)
    customer_text: Mapped[str] = mapped_column(Text)
    reply_text: Mapped[str] = mapped_column(Text)
    model: Mapped[str] = mapped_column(String(128))  # the embedder that made `vector`
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, normalised
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ErasureRow(Base):
    """That a person's data was erased (or a retention run deleted old conversations):
    what was asked, by whom, when, and how many items of each kind went; never what."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # request | retention
    # what identified the person: email | phone | conversation | channel_user; None: retention
    subject_kind: Mapped[str | None] = mapped_column(String(16))
    # sha256 of the normalised identifier, to recognise the same request; never the identifier
    subject_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    requested_by: Mapped[str] = mapped_column(String(128))  # a console user, "cli:<login>"
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)  # item kind -> how many erased
