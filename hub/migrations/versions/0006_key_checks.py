"""``key_checks``: a key-check value per key the store was written with.

Why: a key ring that did not match the store was found only when a token failed to decrypt, after
a migration had re-encrypted records under the wrong keys (hub.core.store.keycheck). Stores written
before this revision have no values yet: they are checked by decrypting one stored token, and the
values are recorded at the next upgrade by a ring that passes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_checks",
        sa.Column("key_id", sa.String(64), primary_key=True),
        sa.Column("check_value", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("key_checks")
