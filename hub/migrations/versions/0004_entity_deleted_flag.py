"""``external_ids.entity_deleted``: each entity's deleted marker, copied onto its external ids.

Why: an unchanged re-upsert is then decided from ``external_ids`` alone, with no join to
``entities`` (see :func:`hub.core.store.bulk.by_external_id`). The copy is filled in here for the
entities already marked deleted; from now on the store keeps it (:func:`hub.core.store.bulk.refresh_deleted_flags`).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("external_ids") as batch:
        batch.add_column(sa.Column("entity_deleted", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute(
        "UPDATE external_ids SET entity_deleted = TRUE"
        " WHERE entity_id IN (SELECT id FROM entities WHERE deleted_at IS NOT NULL)"
    )


def downgrade() -> None:
    with op.batch_alter_table("external_ids") as batch:
        batch.drop_column("entity_deleted")
