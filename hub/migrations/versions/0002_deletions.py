"""Deletions: ``entities.deleted_at`` and the ``pass_seen`` ids of full-refresh passes.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entities") as batch:
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True)))
    op.create_table(
        "pass_seen",
        sa.Column("pass_id", sa.String(64), primary_key=True),
        sa.Column("external_id", sa.String(255), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("pass_seen")
    with op.batch_alter_table("entities") as batch:
        batch.drop_column("deleted_at")
