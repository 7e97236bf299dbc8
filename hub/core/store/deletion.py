"""Entities a source deleted: marked, never removed, and never silently kept as live.

A deleted entity keeps its row, data and external ids, with ``deleted_at`` set: feeds and audits
still resolve it, and ``Store.get`` still returns it (ask ``Store.deleted_at``). Marking is a new
version with one ``delete`` change-log entry, listeners told as for an update; marking an entity
already deleted does nothing. A later upsert from its source un-deletes it (a new version, op
``update``), even if the content is what was stored before. The marker is on the entity: for one
merged from several systems, the latest word wins (one system's deletion marks it, another system
listing it again un-deletes it).

Example:
    >>> from hub.core.crypto import KeyRing
    >>> from hub.core.store.codec import EntityCodec
    >>> from hub.core.store.database import Database
    >>> from hub.core.store.writes import EntityWriter
    >>> db = Database.open("sqlite://"); db.upgrade()
    >>> deletions = Deletions(EntityWriter(db, EntityCodec(KeyRing.generate())))
    >>> with db.transaction() as tx:
    ...     deletions.mark_deleted(tx, "ats", "candidate", ["never-synced"])
    0
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from hub.core.chunks import chunks
from hub.core.store import bulk
from hub.core.store import schema as t
from hub.core.store.writes import EntityWriter

__all__ = ["Deletions"]

#: Live entities of one (system, kind) whose external id the pass did not list; primary-key lookups only.
_NOT_SEEN = (
    "SELECT e.id, e.version FROM external_ids x JOIN entities e ON e.id = x.entity_id"
    " WHERE x.system = ? AND x.kind = ? AND e.deleted_at IS NULL"
    " AND NOT EXISTS (SELECT 1 FROM pass_seen s WHERE s.pass_id = ? AND s.external_id = x.external_id)"
)
_SEEN = "INSERT INTO pass_seen (pass_id, external_id) VALUES (?, ?) ON CONFLICT DO NOTHING"


class Deletions:
    """Marks entities deleted — by a source's tombstones or by a full refresh that no longer lists them."""

    def __init__(self, writer: EntityWriter) -> None:
        self._writer = writer

    def mark_deleted(
        self, tx: sa.Connection, system: str, kind: str, external_ids: Sequence[str], *, origin: str | None = None
    ) -> int:
        """Mark deleted the live entities ``system`` knows as ``external_ids``; returns how many were marked.

        Ids the store never saw are ignored (a tombstone may name a record deleted before we synced it).
        """
        live: dict[str, int] = {}
        for chunk in chunks(sorted(set(external_ids))):
            for _, entity_id, _, version, _, deleted in bulk.by_external_id(tx, system, kind, chunk):
                if not deleted:
                    live[entity_id] = version
        return self._writer.mark_deleted(tx, kind, live, origin or system)

    def record_seen(self, tx: sa.Connection, pass_id: str, external_ids: Sequence[str]) -> None:
        """Remember, in ``tx``, that the full-refresh pass ``pass_id`` listed ``external_ids``.

        Kept in the database (table ``pass_seen``) and committed with each page, so a pass that is
        killed and resumed still knows everything it listed, without carrying the ids in its cursor.
        """
        bulk.execute_many(tx, _SEEN, [(pass_id, external_id) for external_id in dict.fromkeys(external_ids)])

    def mark_missing_deleted(
        self, tx: sa.Connection, system: str, kind: str, pass_id: str, *, origin: str | None = None
    ) -> int:
        """End the full-refresh pass ``pass_id``: mark deleted every live entity of ``system`` and ``kind``
        that the pass did not list (:meth:`record_seen`), then forget the pass. Returns how many were marked.

        One anti-join on primary keys, whatever the number of ids; no id list travels to the database.
        """
        marker = bulk.placeholder(tx)
        missing = tx.exec_driver_sql(_NOT_SEEN.replace("?", marker), (system, kind, pass_id)).all()
        marked = self._writer.mark_deleted(tx, kind, dict(missing), origin or system)
        self.forget_pass(tx, pass_id)
        return marked

    def forget_pass(self, tx: sa.Connection, pass_id: str) -> None:
        """Drop what :meth:`record_seen` kept for ``pass_id`` (a pass ended or was abandoned)."""
        tx.execute(sa.delete(t.pass_seen).where(t.pass_seen.c.pass_id == pass_id))
