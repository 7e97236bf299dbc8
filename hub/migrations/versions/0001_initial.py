"""Initial store schema: entities, external ids, blind indexes, change log, cursors, outbox,
dead letters, audit log, job runs, merges and key-rotation progress.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ID = sa.String(36)
_TS = sa.DateTime(timezone=True)
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "entities",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("provenance", sa.Text),
        sa.Column("pii", sa.Text),
        sa.Column("erased", sa.Boolean, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_entities_kind", "entities", ["kind"])
    op.create_table(
        "external_ids",
        sa.Column("system", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("external_id", sa.String(255), primary_key=True),
        sa.Column("entity_id", _ID, sa.ForeignKey("entities.id"), nullable=False),
        sa.Column("content_hash", sa.String(64)),
    )
    op.create_index("ix_external_ids_entity_id", "external_ids", ["entity_id"])
    op.create_table(
        "blind_index",
        sa.Column("entity_id", _ID, sa.ForeignKey("entities.id"), primary_key=True),
        sa.Column("field", sa.String(32), primary_key=True),
        sa.Column("hmac", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
    )
    op.create_index("ix_blind_index_hmac", "blind_index", ["hmac"])
    op.create_table(
        "change_log",
        sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("entity_id", _ID, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("op", sa.String(16), nullable=False),
        sa.Column("origin", sa.String(64)),
        sa.Column("at", _TS, nullable=False),
    )
    op.create_table(
        "sync_cursors",
        sa.Column("connector", sa.String(64), primary_key=True),
        sa.Column("stream", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("route", sa.String(64), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("entity_id", _ID, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", _TS),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_outbox_status_next", "outbox", ["status", "next_attempt_at"])
    op.create_table(
        "dead_letters",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("run_id", _ID),
        sa.Column("system", sa.String(64), nullable=False),
        sa.Column("stream", sa.String(64)),
        sa.Column("record_ref", sa.String(255)),
        sa.Column("error_code", sa.String(64), nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("payload", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_dead_letters_system_ref", "dead_letters", ["system", "record_ref"])
    op.create_table(
        "audit_log",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("entity_id", _ID),
        sa.Column("detail", sa.Text),
    )
    op.create_index("ix_audit_log_entity_id", "audit_log", ["entity_id"])
    op.create_table(
        "job_runs",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("finished_at", _TS),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counters", sa.Text),
    )
    op.create_table(
        "merges",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("survivor_id", _ID, sa.ForeignKey("entities.id"), nullable=False),
        sa.Column("system", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("before", sa.Text),
        sa.Column("incoming", sa.Text),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("undone_at", _TS),
        sa.Column("split_entity_id", _ID),
    )
    op.create_index("ix_merges_survivor_id", "merges", ["survivor_id"])
    op.create_table(
        "key_rotations",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("target_kid", sa.String(64), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("cursor", sa.String(64)),
        sa.Column("rotated", sa.Integer, nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("finished_at", _TS),
    )


def downgrade() -> None:
    for table in (
        "key_rotations",
        "merges",
        "job_runs",
        "audit_log",
        "dead_letters",
        "outbox",
        "sync_cursors",
        "change_log",
        "blind_index",
        "external_ids",
        "entities",
    ):
        op.drop_table(table)
