"""indexes for the desk: waiting conversations by owner and queue, agents' load

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_conversations_owner_queue", "conversations", ["owner", "queue"])
    op.create_index("ix_conversations_agent_id_owner", "conversations", ["agent_id", "owner"])


def downgrade() -> None:
    op.drop_index("ix_conversations_agent_id_owner", table_name="conversations")
    op.drop_index("ix_conversations_owner_queue", table_name="conversations")
