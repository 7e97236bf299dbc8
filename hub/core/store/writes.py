"""Writing entity versions: rows, blind indexes, change-log entries, and the change listeners.

Every entity write goes through :class:`EntityWriter` — the batched upsert, deletion markers,
unmerge — so each new version gets exactly one change-log entry and every change listener sees it
in the transaction that stores it (delivery's outbox is one: :mod:`hub.core.delivery`).

Example:
    >>> from hub.core.crypto import KeyRing
    >>> from hub.core.store.codec import EntityCodec, Snapshot
    >>> from hub.core.store.database import Database
    >>> db = Database.open("sqlite://"); db.upgrade()
    >>> writer, seen = EntityWriter(db, EntityCodec(KeyRing.generate())), []
    >>> writer.add_listener(lambda tx, changes: seen.extend(c.op for c in changes))
    >>> with db.transaction() as tx:
    ...     writer.write_one(tx, "job", "j1", Snapshot({"title": "PM"}, {}, None), version=0, origin="ats", op="create")
    >>> seen
    ['create']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub.core.chunks import chunks
from hub.core.errors import StoreError
from hub.core.store import bulk
from hub.core.store import schema as t
from hub.core.store.codec import EntityCodec, Snapshot, kind_info, loads
from hub.core.store.database import Database

__all__ = ["ChangeListener", "EntityChange", "EntityWrite", "EntityWriter", "lock_change_log"]

_ENTITY_COLUMNS = ("id", "kind", "version", "content_hash", "data", "provenance", "pii", "erased", "created_at", "updated_at")
_UPDATE_ENTITY = (
    "UPDATE entities SET version = ?, content_hash = ?, data = ?, provenance = ?, pii = ?, erased = ?, updated_at = ?"
    " WHERE id = ? AND version = ?"
)
_RESTORE = "UPDATE entities SET deleted_at = NULL WHERE id = ?"
_MARK_DELETED = (
    "UPDATE entities SET version = ?, deleted_at = ?, updated_at = ? WHERE id = ? AND version = ? AND deleted_at IS NULL"
)
_CHANGE_COLUMNS = ("entity_id", "kind", "version", "op", "origin", "at", "data", "pii")
#: A deletion's change carries the state it deletes: the row's data and PII tokens, copied by the database.
_LOG_DELETE = (
    "INSERT INTO change_log (entity_id, kind, version, op, origin, at, data, pii)"
    " SELECT id, kind, ?, 'delete', ?, ?, data, pii FROM entities WHERE id = ?"
)
#: The key of the PostgreSQL advisory lock that orders change-log writers (see :func:`lock_change_log`).
_CHANGE_LOG_LOCK = 0x6875620C  # "hub" + 0x0C: any constant no other advisory-lock user of the database takes


def lock_change_log(tx: sa.Connection) -> None:
    """Make ``tx``'s change-log entries become visible in ``seq`` order: call before inserting them.

    A consumer remembers only the last ``seq`` it read, so an entry must never appear behind one
    already visible. SQLite has one writer at a time (``BEGIN IMMEDIATE``): commit order is ``seq``
    order already. PostgreSQL allocates sequence numbers at insert and commits transactions in any
    order, so a transaction holding seq 10 could commit after one holding 11 and a reader that saw
    11 would skip 10 forever. A transaction-scoped advisory lock, taken before the first seq is
    allocated and released only after the commit is visible, makes change-log writers commit one
    after another; everything before it in the transaction (entity rows, blind indexes) still runs
    concurrently. Taking it again in the same transaction is free (it is re-entrant). The price: from
    its first change-log entry to its commit, a PostgreSQL writer waits for the others; and one that
    holds the lock and then updates a row another writer holds while waiting for the lock is a
    deadlock PostgreSQL breaks by failing one (a StoreError: the page is retried, as for any conflict).
    """
    if tx.dialect.name == "postgresql":
        tx.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHANGE_LOG_LOCK})


@dataclass(frozen=True)  # change listeners: added for delivery (issue 5)
class EntityChange:
    """One new entity version as a change listener sees it, inside the transaction that stores it.

    ``data`` and ``previous`` hold only non-PII fields (JSON form); ``previous`` is None for a new
    entity. Listeners decide on these (e.g. routes: "status changed to rejected") without decrypting.

    Example:
        >>> EntityChange("e1", "application", 2, "update", "beisen", {"status": "rejected"}, {"status": "offer"}).version
        2
    """

    entity_id: str
    kind: str
    version: int
    op: str
    origin: str | None
    data: dict[str, Any]
    previous: dict[str, Any] | None


#: ``listener(tx, changes)``: called after every entity write, in its transaction.
ChangeListener = Callable[[sa.Connection, list[EntityChange]], None]


@dataclass
class EntityWrite:
    """One entity to insert (``version == 0``) or update, in plaintext until it is written.

    ``blind`` carries the blind-index HMACs identity resolution already computed for exactly this
    content, so they are not computed twice; None means "compute them from ``content``".
    ``restore`` clears the entity's deleted marker (its source listed it again).
    """

    entity_id: str
    content: Snapshot
    version: int
    op: str
    content_hash: str | None = None
    blind: dict[str, list[int]] | None = None
    restore: bool = False


class EntityWriter:
    """Stores new entity versions with ``codec`` (PII encrypted) and tells the change listeners."""

    def __init__(self, db: Database, codec: EntityCodec) -> None:
        self._db = db
        self._codec = codec
        self._listeners: list[ChangeListener] = []

    def add_listener(self, listener: ChangeListener) -> None:
        """Call ``listener(tx, changes)`` in the transaction of every entity write, after the write.

        The previous versions' non-PII data is read only while a listener is registered. A listener
        that raises rolls the whole transaction back.
        """
        self._listeners.append(listener)

    def write(self, tx: sa.Connection, kind: str, writes: list[EntityWrite], origin: str | None) -> None:
        """Insert / update entity rows, their blind indexes and one change-log entry each.

        The change-log entry keeps the version's state — the same non-PII ``data`` text and
        encrypted ``pii`` text the entity row gets, no extra encoding — so the change feed serves
        each version as it was written.

        One ``executemany`` per table; the timestamp and booleans are converted for the driver once.
        An update is conditional on the version read at the start of the batch, so a concurrent
        writer makes the batch fail (and roll back) instead of silently losing a version.
        """
        previous = self.data_of(tx, [w.entity_id for w in writes if w.version > 0]) if self._listeners else {}
        info, codec = kind_info(kind), self._codec
        now = bulk.bind(tx, t.entities.c.updated_at, self._db.now())
        live = bulk.bind(tx, t.entities.c.erased, False)
        inserts, updates, blind, log = [], [], [], []
        for w in writes:
            content = w.content
            content_hash = w.content_hash or codec.content_hash(kind, content)
            data = content.data_json()
            provenance = content.provenance_json()
            pii = codec.encrypt_pii(kind, w.entity_id, content.pii_json())
            if w.version == 0:
                inserts.append((w.entity_id, kind, 1, content_hash, data, provenance, pii, live, now, now))
            else:
                updates.append((w.version + 1, content_hash, data, provenance, pii, live, now, w.entity_id, w.version))
            hmacs = w.blind if w.blind is not None else codec.blind_indexes(info, content)
            blind.extend((w.entity_id, name, h, kind) for name, hs in hmacs.items() for h in hs)
            log.append((w.entity_id, kind, w.version + 1, w.op, origin, now, data, pii))
        bulk.insert_many(tx, t.entities, _ENTITY_COLUMNS, inserts)
        if updates:
            if bulk.execute_many(tx, _UPDATE_ENTITY, updates) != len(updates):
                raise StoreError("entities changed concurrently during this upsert; retry the batch", entity=kind)
            for chunk in chunks(row[-2] for row in updates):
                tx.execute(sa.delete(t.blind_index).where(t.blind_index.c.entity_id.in_(chunk)))
            restored = [w.entity_id for w in writes if w.restore]
            bulk.execute_many(tx, _RESTORE, [(entity_id,) for entity_id in restored])
            bulk.refresh_deleted_flags(tx, restored)
        bulk.insert_many(tx, t.blind_index, ("entity_id", "field", "hmac", "kind"), blind)
        lock_change_log(tx)
        bulk.insert_many(tx, t.change_log, _CHANGE_COLUMNS, log)
        if self._listeners:
            self._tell(tx, [EntityChange(w.entity_id, kind, w.version + 1, w.op, origin, w.content.data,
                                         previous.get(w.entity_id)) for w in writes])

    def write_one(
        self, tx: sa.Connection, kind: str, entity_id: str, content: Snapshot, *, version: int, origin: str | None, op: str
    ) -> None:
        """Write one entity's full content (``version`` 0 inserts); used by unmerge and erasure."""
        self.write(tx, kind, [EntityWrite(entity_id, content, version, op)], origin)

    def mark_deleted(self, tx: sa.Connection, kind: str, versions: dict[str, int], origin: str) -> int:
        """Mark ``{entity id: current version}`` deleted: a new version and a change each, listeners told."""
        now = bulk.bind(tx, t.entities.c.updated_at, self._db.now())
        for chunk in chunks(versions.items()):
            rows = [(version + 1, now, now, entity_id, version) for entity_id, version in chunk]
            if bulk.execute_many(tx, _MARK_DELETED, rows) != len(rows):
                raise StoreError("entities changed concurrently while marking them deleted; retry", entity=kind)
            bulk.refresh_deleted_flags(tx, [entity_id for entity_id, _ in chunk])
            lock_change_log(tx)
            bulk.execute_many(tx, _LOG_DELETE, [(version + 1, origin, now, entity_id) for entity_id, version in chunk])
            if self._listeners:
                data = self.data_of(tx, [entity_id for entity_id, _ in chunk])
                self._tell(tx, [EntityChange(i, kind, v + 1, "delete", origin, data[i], data[i]) for i, v in chunk])
        return len(versions)

    def data_of(self, tx: sa.Connection, entity_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The stored non-PII data of ``entity_ids`` (for change listeners; read before an overwrite)."""
        e, found = t.entities, {}
        for chunk in chunks(entity_ids):
            for entity_id, data in tx.execute(sa.select(e.c.id, e.c.data).where(e.c.id.in_(chunk))):
                found[entity_id] = loads(data)
        return found

    def _tell(self, tx: sa.Connection, changes: list[EntityChange]) -> None:
        for listener in self._listeners:
            listener(tx, changes)
