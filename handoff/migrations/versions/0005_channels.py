"""messaging channels: links of Telegram chats and Slack threads to conversations, the inbox
that de-duplicates platform deliveries, the outbox of messages to send, the event-log
cursor of the outbound dispatcher, one-time codes to move between channels

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("address", sa.String(255), nullable=False),
        sa.Column(
            "conversation_id",
            sa.String(36),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("target", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("channel", "address", name="uq_channel_links_address"),
    )
    op.create_index(
        "ix_channel_links_conversation_id", "channel_links", ["conversation_id", "channel"]
    )
    op.create_table(
        "channel_inbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("delivery_id", sa.String(128), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.UniqueConstraint("channel", "delivery_id", name="uq_channel_inbox_delivery"),
    )
    op.create_index("ix_channel_inbox_pending", "channel_inbox", ["processed_at", "id"])
    op.create_table(
        "channel_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("address", sa.String(255), nullable=False),
        sa.Column("target", sa.JSON, nullable=False),
        sa.Column("conversation_id", sa.String(36), nullable=True),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("parts_sent", sa.Integer, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed", sa.Boolean, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.UniqueConstraint("key", name="uq_channel_outbox_key"),
    )
    op.create_index(
        "ix_channel_outbox_pending", "channel_outbox", ["done_at", "channel", "address", "id"]
    )
    op.create_table(
        "channel_cursors",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
    )
    op.create_table(
        "channel_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column(
            "conversation_id",
            sa.String(36),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("to_channel", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_channel_codes_conversation_id", "channel_codes", ["conversation_id"])


def downgrade() -> None:
    op.drop_table("channel_codes")
    op.drop_table("channel_cursors")
    op.drop_table("channel_outbox")
    op.drop_table("channel_inbox")
    op.drop_table("channel_links")
