"""``ix_outbox_entity``: the outbox entries of one entity, found through an index.

Why: :meth:`hub.core.store.outbox.Outbox.due` takes an entry only when no older entry of the
same entity is pending (one entity's changes go out in order). Without an index on the entity that
test scanned the outbox once per candidate entry, so taking a pass of due entries was quadratic:
4.3 s for a migration's 5,000 queued deliveries, and hours at a million. The index makes each test
a lookup; a migration's queueing (:meth:`hub.core.migrate.ConnectorTarget.write`), which reads the
entries of a batch's entities, uses it too.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_entity", "outbox", ["entity_id", "target", "status"])


def downgrade() -> None:
    op.drop_index("ix_outbox_entity", table_name="outbox")
