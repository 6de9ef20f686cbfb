"""agent console: users and sessions, internal notes, AI suggestions and their outcomes, the
memory of past agent replies, and the contact columns that find a customer's earlier
conversations

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "console_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column(
            "user_id", sa.String(64), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_console_sessions_user_id", "console_sessions", ["user_id"])
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "conversation_id",
            sa.String(36),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("author_id", sa.String(64), nullable=False),
        sa.Column("author_name", sa.String(128), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_notes_conversation_id", "notes", ["conversation_id"])
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "conversation_id",
            sa.String(36),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("message_id", sa.Integer, sa.ForeignKey("messages.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("source", sa.JSON, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("reply_id", sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_suggestions_conversation_id_id", "suggestions", ["conversation_id", "id"])
    op.create_table(
        "reply_memory",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(36), nullable=False),
        sa.Column("customer_text", sa.Text, nullable=False),
        sa.Column("reply_text", sa.Text, nullable=False),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reply_memory_conversation_id", "reply_memory", ["conversation_id"])
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("contact_email", sa.String(320), nullable=True))
        batch.add_column(sa.Column("contact_phone", sa.String(32), nullable=True))
    op.create_index("ix_conversations_contact_email", "conversations", ["contact_email"])
    op.create_index("ix_conversations_contact_phone", "conversations", ["contact_phone"])


def downgrade() -> None:
    op.drop_index("ix_conversations_contact_phone", table_name="conversations")
    op.drop_index("ix_conversations_contact_email", table_name="conversations")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("contact_phone")
        batch.drop_column("contact_email")
    op.drop_table("reply_memory")
    op.drop_table("suggestions")
    op.drop_table("notes")
    op.drop_table("console_sessions")
    op.drop_table("users")
