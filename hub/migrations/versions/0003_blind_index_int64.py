"""Blind indexes as 64-bit integers: ``blind_index.hmac`` keeps the HMAC's first 8 bytes, signed.

Why: see :meth:`hub.core.crypto.KeyRing.blind_index` (the hex index outgrew the page cache). Stored
indexes are converted in place by :func:`hub.core.crypto.blind_index_from_hex`, so people indexed
before the upgrade are still found; no key is needed.

The downgrade cannot give the full HMACs back, and the code of revision 0002 would match none of
the shortened ones: it refuses to run while the table holds rows (restore a backup instead).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.core.crypto import blind_index_from_hex
from hub.core.errors import StoreError

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE blind_index ALTER COLUMN hmac TYPE bigint USING ('x' || substr(hmac, 1, 16))::bit(64)::bigint"
        )
        return
    # SQLite: convert the values with the same function the code uses, then retype the column (the
    # batch copy casts the decimal text to INTEGER).
    bind.connection.driver_connection.create_function("hub_blind_index_from_hex", 1, blind_index_from_hex, deterministic=True)
    op.execute("UPDATE blind_index SET hmac = hub_blind_index_from_hex(hmac)")
    with op.batch_alter_table("blind_index") as batch:
        batch.alter_column("hmac", type_=sa.BigInteger, existing_type=sa.String(64), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().execute(sa.text("SELECT 1 FROM blind_index LIMIT 1")).first() is not None:
        raise StoreError(
            "blind indexes are 64-bit since revision 0003 and the full HMACs cannot be recovered: "
            "restore a backup taken before the upgrade instead of downgrading"
        )
    with op.batch_alter_table("blind_index") as batch:
        batch.alter_column("hmac", type_=sa.String(64), existing_type=sa.BigInteger, existing_nullable=False)
