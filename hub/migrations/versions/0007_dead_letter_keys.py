"""``dead_letter_keys``: keyed hashes of what each dead letter's payload names.

Why: an erasure found a person's dead letters by external id only, so a migration's letters (named
``<file>:<row>``) and rows held back under another id kept the person's raw values. Letters written
before this revision have no keys: an erasure still finds them by external id only.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dead_letter_keys",
        sa.Column("letter_id", sa.String(36), sa.ForeignKey("dead_letters.id"), primary_key=True),
        sa.Column("field", sa.String(32), primary_key=True),
        sa.Column("hmac", sa.BigInteger, primary_key=True),
    )
    op.create_index("ix_dead_letter_keys_hmac", "dead_letter_keys", ["hmac"])


def downgrade() -> None:
    op.drop_index("ix_dead_letter_keys_hmac", "dead_letter_keys")
    op.drop_table("dead_letter_keys")
