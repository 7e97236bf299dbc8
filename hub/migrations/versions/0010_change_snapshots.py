"""``change_log.data`` and ``change_log.pii``: each change carries the entity as it was at that version.

Why: the change feed (``GET /v1/changes``) promises a consumer the entity state at each version, in
order, so it can follow the hub by remembering one sequence number; ``entities`` holds only the
latest version. ``data`` is the non-PII JSON, ``pii`` the same AES-GCM tokens as ``entities.pii``
(erasure blanks them, key rotation re-encrypts them). Changes written before this revision have
neither; the feed serves the current state for them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("change_log") as batch:
        batch.add_column(sa.Column("data", sa.Text))
        batch.add_column(sa.Column("pii", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("change_log") as batch:
        batch.drop_column("pii")
        batch.drop_column("data")
