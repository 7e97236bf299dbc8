"""``webhook_receipts`` and ``external_ids.remote_updated_at``: replayed and older webhooks are refused.

Why: the same signed webhook sent twice was stored twice, and an older version of a record (a
replayed ``offer_updated``) overwrote a newer one. A receipt per delivery id refuses the repeat
(hub.core.store.receipts); the source's updated_at kept with each external id refuses the older
version (hub.core.store.upsert). Rows written before this revision have no updated_at: the first
version stored after it sets one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_receipts",
        sa.Column("connector", sa.String(64), primary_key=True),
        sa.Column("delivery_id", sa.String(255), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("external_ids") as batch:
        batch.add_column(sa.Column("remote_updated_at", sa.BigInteger))


def downgrade() -> None:
    with op.batch_alter_table("external_ids") as batch:
        batch.drop_column("remote_updated_at")
    op.drop_table("webhook_receipts")
