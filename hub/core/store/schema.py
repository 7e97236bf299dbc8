"""The store's tables (SQLAlchemy Core) and the engine set-up shared by SQLite and PostgreSQL.

PII never appears in a column in plaintext: ``entities.pii``, ``dead_letters.payload`` and the merge
snapshots hold only AES-GCM tokens (see :mod:`hub.core.crypto`); ``blind_index.hmac`` and
``dead_letter_keys.hmac`` hold keyed hashes (their first 64 bits, as integers).
JSON documents are stored as text we serialize ourselves (one ``json.dumps`` per row, no per-row type
processors), which is also what keeps the bulk paths fast. The Alembic migrations in
``hub/migrations`` create exactly these tables; a test compares the two.

Example:
    >>> sorted(t for t in metadata.tables)[:3]
    ['api_tokens', 'audit_log', 'blind_index']
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

__all__ = [
    "metadata",
    "entities",
    "external_ids",
    "blind_index",
    "change_log",
    "pass_seen",
    "sync_cursors",
    "outbox",
    "dead_letters",
    "dead_letter_keys",
    "audit_log",
    "job_runs",
    "merges",
    "key_rotations",
    "key_checks",
    "webhook_receipts",
    "api_tokens",
    "create_engine",
    "new_id",
    "as_utc",
]

metadata = sa.MetaData()

_ID = sa.String(36)
_TS = sa.DateTime(timezone=True)
#: 64-bit on PostgreSQL; INTEGER PRIMARY KEY (the rowid, auto-increasing) on SQLite.
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

entities = sa.Table(
    "entities",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("data", sa.Text, nullable=False),  # JSON of the non-PII fields
    sa.Column("provenance", sa.Text),  # JSON
    sa.Column("pii", sa.Text),  # JSON {field: token}
    sa.Column("erased", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("updated_at", _TS, nullable=False),
    sa.Column("deleted_at", _TS),  # set when a source says the record was deleted; NULL = live
)

external_ids = sa.Table(
    "external_ids",
    metadata,
    sa.Column("system", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("external_id", sa.String(255), primary_key=True),
    sa.Column("entity_id", _ID, sa.ForeignKey("entities.id"), nullable=False, index=True),
    sa.Column("content_hash", sa.String(64)),  # last content this source sent: decides no-op upserts
    # entities.deleted_at IS NOT NULL of the entity, copied here (bulk.refresh_deleted_flags) so that
    # an unchanged re-upsert is decided from this table alone, without a join to entities
    sa.Column("entity_deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    # the source's own updated_at of the last version it sent (Entity.remote_updated_at), microseconds
    # since the Unix epoch (UTC), when it sends one: an older version is refused as stale (store.upsert)
    sa.Column("remote_updated_at", sa.BigInteger),
)

blind_index = sa.Table(
    "blind_index",
    metadata,
    sa.Column("entity_id", _ID, sa.ForeignKey("entities.id"), primary_key=True),
    sa.Column("field", sa.String(32), primary_key=True),
    sa.Column("hmac", sa.BigInteger, primary_key=True),  # 64 bits of the HMAC (KeyRing.blind_index)
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Index("ix_blind_index_hmac", "hmac"),
)

change_log = sa.Table(
    "change_log",
    metadata,
    sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
    sa.Column("entity_id", _ID, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("op", sa.String(16), nullable=False),
    sa.Column("origin", sa.String(64)),
    sa.Column("at", _TS, nullable=False),
    sa.Column("data", sa.Text),  # JSON of the non-PII fields at this version (the change feed's state)
    sa.Column("pii", sa.Text),  # JSON {field: token} at this version; blanked by erasure
)

#: External ids a full-refresh pass has listed so far, committed with each page (see
#: :meth:`hub.core.store.Store.mark_missing_deleted`); a pass's rows are dropped when it ends.
pass_seen = sa.Table(
    "pass_seen",
    metadata,
    sa.Column("pass_id", sa.String(64), primary_key=True),
    sa.Column("external_id", sa.String(255), primary_key=True),
)

sync_cursors = sa.Table(
    "sync_cursors",
    metadata,
    sa.Column("connector", sa.String(64), primary_key=True),
    sa.Column("stream", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text),
    sa.Column("updated_at", _TS, nullable=False),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
    sa.Column("route", sa.String(64), nullable=False),
    sa.Column("target", sa.String(64), nullable=False),
    sa.Column("entity_id", _ID, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", _TS),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", _TS, nullable=False),
    sa.Index("ix_outbox_status_next", "status", "next_attempt_at"),
    sa.Index("ix_outbox_entity", "entity_id", "target", "status"),  # Outbox.due: an older entry pending?
)

dead_letters = sa.Table(
    "dead_letters",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("run_id", _ID),
    sa.Column("system", sa.String(64), nullable=False),
    sa.Column("stream", sa.String(64)),
    sa.Column("record_ref", sa.String(255)),
    sa.Column("error_code", sa.String(64), nullable=False),
    sa.Column("error", sa.Text, nullable=False),  # JSON, values already masked
    sa.Column("payload", sa.Text),  # token
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", _TS, nullable=False),
    sa.Index("ix_dead_letters_system_ref", "system", "record_ref"),
)

#: What a dead letter's payload names, as keyed hashes (never the values): blind indexes of the PII it
#: holds (``field`` as in ``blind_index``) and of the records it links (``link``), so an erasure finds
#: every payload that holds a person however the letter is named (hub.core.letter_keys).
dead_letter_keys = sa.Table(
    "dead_letter_keys",
    metadata,
    sa.Column("letter_id", _ID, sa.ForeignKey("dead_letters.id"), primary_key=True),
    sa.Column("field", sa.String(32), primary_key=True),
    sa.Column("hmac", sa.BigInteger, primary_key=True),
    sa.Index("ix_dead_letter_keys_hmac", "hmac"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
    sa.Column("at", _TS, nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("entity_id", _ID, index=True),
    sa.Column("detail", sa.Text),  # JSON without PII
)

job_runs = sa.Table(
    "job_runs",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("started_at", _TS, nullable=False),
    sa.Column("finished_at", _TS),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("counters", sa.Text),  # JSON
)

merges = sa.Table(
    "merges",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("survivor_id", _ID, sa.ForeignKey("entities.id"), nullable=False, index=True),
    sa.Column("system", sa.String(64), nullable=False),
    sa.Column("external_id", sa.String(255), nullable=False),
    sa.Column("rule", sa.String(32), nullable=False),
    sa.Column("before", sa.Text),  # token: the survivor before the merge
    sa.Column("incoming", sa.Text),  # token: the record that was merged in
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("undone_at", _TS),
    sa.Column("split_entity_id", _ID),
)

key_rotations = sa.Table(
    "key_rotations",
    metadata,
    sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
    sa.Column("target_kid", sa.String(64), nullable=False),
    sa.Column("stage", sa.String(32), nullable=False),  # the table being rotated, or "done"
    sa.Column("cursor", sa.String(64)),  # last primary key done in that table
    sa.Column("rotated", sa.Integer, nullable=False, default=0),
    sa.Column("started_at", _TS, nullable=False),
    sa.Column("updated_at", _TS, nullable=False),
    sa.Column("finished_at", _TS),
)


#: One key-check value per key the store was written with (``index`` for the blind-index key):
#: a keyed digest that proves a ring holds the same key without revealing it (hub.core.store.keycheck).
key_checks = sa.Table(
    "key_checks",
    metadata,
    sa.Column("key_id", sa.String(64), primary_key=True),
    sa.Column("check_value", sa.String(64), nullable=False),
    sa.Column("recorded_at", _TS, nullable=False),
)


#: The delivery ids of the webhooks stored, per connector (hub.core.store.receipts): a repeat is refused.
webhook_receipts = sa.Table(
    "webhook_receipts",
    metadata,
    sa.Column("connector", sa.String(64), primary_key=True),
    sa.Column("delivery_id", sa.String(255), primary_key=True),
    sa.Column("received_at", _TS, nullable=False),
)


#: The HTTP service's bearer tokens (hub.core.access): only the SHA-256 of a token is kept; ``scope`` is
#: JSON (departments, interviewer, kinds, subject, permissions), never PII.
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("created_by", sa.String(128), nullable=False),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("expires_at", _TS, nullable=False),
    sa.Column("revoked_at", _TS),
    sa.Column("last_used_at", _TS),
)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """A timestamp column's value as an aware UTC datetime: the store writes UTC, and SQLite gives it
    back without its offset (PostgreSQL's ``timestamptz`` keeps it).

    Example:
        >>> as_utc(dt.datetime(2026, 12, 6, 8, 0)).isoformat()
        '2026-12-06T08:00:00+00:00'
    """
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def new_id() -> str:
    """A time-ordered UUID (version 7 layout): new rows land at the end of every id index.

    Random UUIDv4 keys scatter inserts over the whole B-tree; at 100k+ rows that makes SQLite's page
    cache thrash and the load slow down as the table grows.

    Example:
        >>> a, b = new_id(), new_id()
        >>> a < b and len(a) == 36
        True
    """
    global _last
    millis = time.time_ns() // 1_000_000
    millis, seq = (millis, 0) if millis > _last[0] else (_last[0], _last[1] + 1)
    _last = (millis, seq)
    # 48 bits ms | 4 bits version 7 | 12 bits seq high | 2 bits variant | 30 bits seq low | 32 random bits
    value = millis << 80 | 7 << 76 | (seq >> 30 & 0xFFF) << 64 | 2 << 62 | (seq & 0x3FFFFFFF) << 32
    text = f"{value | int.from_bytes(os.urandom(4), 'big'):032x}"  # what str(uuid.UUID(int=...)) gives, 3x faster
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_last = (0, 0)


def create_engine(url: str, **kwargs: Any) -> sa.Engine:
    """An engine for ``url``; on SQLite: WAL, synchronous=NORMAL, foreign keys, a busy timeout, a 64 MiB cache.

    SQLite write transactions start with ``BEGIN IMMEDIATE`` so two writers queue on the busy timeout
    instead of failing when a read lock is upgraded; connections opened with the execution option
    ``hub_read=True`` start a plain deferred ``BEGIN`` and never block writers (WAL).
    """
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (pysqlite's is unreliable)
        cursor = dbapi_connection.cursor()
        # wal_autocheckpoint: checkpoint every ~200 MB of WAL instead of SQLite's 4 MB. Batches rewrite
        # the same index pages again and again; fewer checkpoints copy and fsync them fewer times.
        # Going from ~40 to ~200 MB took the commits of a first load from 40 to 29 µs a record at
        # 100k records and from 94 to 60 µs at 1M. The WAL file keeps its largest size on disk
        # (up to ~200 MB next to the database); memory does not grow with it. cache_size: 16 MB of
        # page cache per connection; 64 MB let a 1M-row migration's memory climb to 265 MB, and did
        # not speed up a 1M-record load.
        pragmas = (
            "journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000", "cache_size=-16384",
            "wal_autocheckpoint=50000",
        )
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        read_only = connection.get_execution_options().get("hub_read", False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
