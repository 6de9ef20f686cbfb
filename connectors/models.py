"""Tables of the messaging channels: who is where, what came in, what must go out.

- ``channel_links``: a Telegram chat or a Slack DM / thread, and the conversation it is.
- ``channel_inbox``: every platform delivery, recorded before it is acknowledged; the
  unique ``(channel, delivery_id)`` is the de-duplication that survives a restart.
- ``channel_outbox``: every bot and agent message a platform must receive, sent and
  marked by whichever gateway replica claims it first.
- ``channel_cursors``: how far the outbound dispatcher has read the event log.
- ``channel_codes``: one-time codes that move a conversation from one channel to another.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models import Base, UTCDateTime, utcnow


class ChannelLinkRow(Base):
    __tablename__ = "channel_links"
    __table_args__ = (
        UniqueConstraint("channel", "address", name="uq_channel_links_address"),
        Index("ix_channel_links_conversation_id", "conversation_id", "channel"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))  # telegram | slack
    # where the customer is on that platform: "<chat id>" or "<team>:<channel>[:<thread ts>]"
    address: Mapped[str] = mapped_column(String(255))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    # what the platform needs to reach it: chat_id; channel and thread_ts
    target: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboxRow(Base):
    __tablename__ = "channel_inbox"
    __table_args__ = (
        UniqueConstraint("channel", "delivery_id", name="uq_channel_inbox_delivery"),
        Index("ix_channel_inbox_pending", "processed_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    delivery_id: Mapped[str] = mapped_column(String(128))  # update_id, event_id, trigger_id
    body: Mapped[dict[str, Any]] = mapped_column()  # the verified payload as received
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)


class OutboxRow(Base):
    __tablename__ = "channel_outbox"
    __table_args__ = (
        UniqueConstraint("key", name="uq_channel_outbox_key"),
        Index("ix_channel_outbox_pending", "done_at", "channel", "address", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(128))  # "message:<id>", "notice:<inbox id>"
    channel: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(255))  # messages to one address go in order
    target: Mapped[dict[str, Any]] = mapped_column()
    conversation_id: Mapped[str | None] = mapped_column(String(36))
    # text, buttons, sender, agent_name, message_id
    body: Mapped[dict[str, Any]] = mapped_column()
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)  # a long text goes in parts
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(Text)


class CursorRow(Base):
    __tablename__ = "channel_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)


class CodeRow(Base):
    __tablename__ = "channel_codes"

    # sha256 of the code; the code itself is only ever shown to the customer
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    to_channel: Mapped[str] = mapped_column(String(32))  # where it may be redeemed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
