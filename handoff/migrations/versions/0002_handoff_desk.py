"""handoff desk: agents, queues, handoff stays, the event log; routing columns on conversations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DEFAULT_QUEUES = [
    ("general", "General"),
    ("orders", "Orders and delivery"),
    ("billing", "Payments and refunds"),
    ("technical", "Products and technical help"),
]


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("skills", sa.JSON, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False, server_default="3"),
        sa.Column("presence", sa.String(16), nullable=False, server_default="away"),
        sa.Column("token_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    queues = op.create_table(
        "queues",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("title", sa.String(128), nullable=False),
    )
    op.bulk_insert(queues, [{"name": n, "title": t} for n, t in DEFAULT_QUEUES])
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("queue", sa.String(64), nullable=True))
        batch.add_column(sa.Column("priority", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("agent_id", sa.String(64), sa.ForeignKey("agents.id", name="fk_conv_agent"))
        )
        batch.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("identity", sa.JSON, nullable=True))
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "conversation_id",
            sa.String(36),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False, server_default="0"),
        sa.Column("packet", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent_id", sa.String(64), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_reply_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("resolution_note", sa.Text, nullable=True),
    )
    op.create_index("ix_handoffs_conversation_id", "handoffs", ["conversation_id"])
    sequence = op.create_table(
        "event_sequence",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )
    op.bulk_insert(sequence, [{"id": 1, "value": 0}])
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("conversation_id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_events_conversation_id_seq", "events", ["conversation_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_events_conversation_id_seq", table_name="events")
    op.drop_table("events")
    op.drop_table("event_sequence")
    op.drop_index("ix_handoffs_conversation_id", table_name="handoffs")
    op.drop_table("handoffs")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("identity")
        batch.drop_column("queued_at")
        batch.drop_column("agent_id")
        batch.drop_column("priority")
        batch.drop_column("queue")
    op.drop_table("queues")
    op.drop_table("agents")
