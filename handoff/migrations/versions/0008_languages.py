"""languages: the language a conversation is in, the languages an agent speaks

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        # None until a channel hint or the customer's first messages say it
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))
    with op.batch_alter_table("agents") as batch:
        # empty: the agent takes conversations in any language
        batch.add_column(
            sa.Column("languages", sa.JSON, nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("languages")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("language")
