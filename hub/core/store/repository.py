"""The store: canonical entities (PII encrypted), change log, cursors, dead letters, audit, job runs.

Entities a source deleted are kept and marked (``deleted_at``, a ``delete`` change), never
silently kept as live nor removed: see :meth:`Store.mark_deleted` and :meth:`Store.deleted_at`.

Everything that writes takes the caller's transaction (``with store.transaction() as tx``) so a sync
commits a page of records and its cursor together, or neither. :meth:`Store.upsert_many` is the hot
path and is batched: one query for the existing external ids of the batch (with their last content
hashes), one for blind-index matches of new records, one per referenced (system, kind) group, then
one DBAPI ``executemany`` per table (see :mod:`hub.core.store.bulk`) — no per-row ORM objects or
statement compilation, and no parsing, encryption or blind indexing for unchanged records.

Example:
    >>> from hub.core.crypto import KeyRing
    >>> from hub.core.models import Candidate
    >>> store = Store.open("sqlite://", KeyRing.generate()); store.upgrade()
    >>> with store.transaction() as tx:
    ...     result = store.upsert_many(tx, "ats", [Candidate(external_ids={"ats": "1"}, name="李娜")])
    >>> result.created, store.get("candidate", result.ids[0]).name
    (1, '李娜')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub.core.chunks import chunks
from hub.core.crypto import KeyRing
from hub.core.errors import HubError, StoreError
from hub.core.gcpause import paused
from hub.core.models import Entity
from hub.core.store import bulk
from hub.core.store import schema as t
from hub.core.store.schema import new_id
from hub.core.store.codec import EntityCodec, KindInfo, PendingRef, Prepared, Snapshot, dumps, kind_info, loads
from hub.core.store.identity import IdentityRules, find_by_blind_index, overlay

__all__ = ["Store", "UpsertResult", "Change", "ChangeListener", "DeadLetter", "EntityChange"]

_ENTITY_COLUMNS = ("id", "kind", "version", "content_hash", "data", "provenance", "pii", "erased", "created_at", "updated_at")
_UPDATE_ENTITY = (
    "UPDATE entities SET version = ?, content_hash = ?, data = ?, provenance = ?, pii = ?, erased = ?, updated_at = ?"
    " WHERE id = ? AND version = ?"
)
_UPDATE_SOURCE_HASH = "UPDATE external_ids SET content_hash = ? WHERE system = ? AND kind = ? AND external_id = ?"
_RESTORE = "UPDATE entities SET deleted_at = NULL WHERE id = ?"
_MARK_DELETED = (
    "UPDATE entities SET version = ?, deleted_at = ?, updated_at = ? WHERE id = ? AND version = ? AND deleted_at IS NULL"
)
#: Live entities of one (system, kind) whose external id the pass did not list; primary-key lookups only.
_NOT_SEEN = (
    "SELECT e.id, e.version FROM external_ids x JOIN entities e ON e.id = x.entity_id"
    " WHERE x.system = ? AND x.kind = ? AND e.deleted_at IS NULL"
    " AND NOT EXISTS (SELECT 1 FROM pass_seen s WHERE s.pass_id = ? AND s.external_id = x.external_id)"
)
_SEEN = "INSERT INTO pass_seen (pass_id, external_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
_CHANGE_COLUMNS = ("entity_id", "kind", "version", "op", "origin", "at")
#: A sync saves its cursor with every page: the driver's statement, no Core statement built or compiled.
_SET_CURSOR = "UPDATE sync_cursors SET value = ?, updated_at = ? WHERE connector = ? AND stream = ?"


@dataclass(frozen=True)
class UpsertResult:
    """What one :meth:`Store.upsert_many` did; ``ids`` are hub ids in input order.

    Example:
        >>> UpsertResult(created=1, updated=0, unchanged=2, ids=["a", "b", "c"]).written
        1
    """

    created: int
    updated: int
    unchanged: int
    ids: list[str]
    merged: int = 0

    @property
    def written(self) -> int:
        return self.created + self.updated


@dataclass(frozen=True)
class Change:
    """One change-log entry: the feed consumers read in ``seq`` order."""

    seq: int
    entity_id: str
    kind: str
    version: int
    op: str
    origin: str | None
    at: dt.datetime


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


#: ``listener(tx, changes)``: called by :meth:`Store.upsert_many` (and every other entity write).
ChangeListener = Callable[[sa.Connection, list[EntityChange]], None]


@dataclass(frozen=True)
class DeadLetter:
    """A record that could not be stored or delivered; ``payload`` is decrypted only when asked for."""

    id: str
    run_id: str | None
    system: str
    stream: str | None
    record_ref: str | None
    error_code: str
    error: dict[str, Any]
    attempts: int
    status: str
    created_at: dt.datetime
    payload: Any = None


@dataclass
class _Write:
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


class Store:
    """The encrypted canonical store on one database (SQLite file or PostgreSQL).

    Build it with :meth:`open`; call :meth:`upgrade` once to apply migrations.

    Example:
        >>> from hub.core.crypto import KeyRing
        >>> store = Store.open("sqlite://", KeyRing.generate()); store.upgrade()
        >>> with store.transaction() as tx:
        ...     store.set_cursor(tx, "beisen", "assessments", "2024-06-01T00:00:00Z")
        >>> store.get_cursor(None, "beisen", "assessments")
        '2024-06-01T00:00:00Z'
    """

    def __init__(self, engine: sa.Engine, keyring: KeyRing, identity: IdentityRules | None = None) -> None:
        self.engine = engine
        self.codec = EntityCodec(keyring)
        self.identity = identity or IdentityRules.default()
        self._change_listeners: list[ChangeListener] = []

    @classmethod
    def open(cls, url: str, keyring: KeyRing, *, identity: IdentityRules | None = None) -> Store:
        """Connect to ``url`` (``sqlite:///hub.db``, ``postgresql+psycopg://user@host/db``).

        Query parameters are passed to the driver, e.g. ``?options=-csearch_path%3Dmyschema`` on PostgreSQL.
        Bound parameters are hidden from database error messages (they may hold tokens).
        """
        try:
            engine = t.create_engine(url, hide_parameters=True)
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise StoreError(f"cannot use database URL: {exc}") from None
        return cls(engine, keyring, identity)

    @classmethod
    def from_config(cls, config: Any) -> Store:
        """The store hub.yaml describes: ``database.url`` (or HUB_DATABASE_URL) and the ``keys`` provider."""
        from hub.core.crypto import keyring_from_config

        return cls.open(config.database.url, keyring_from_config(config.keys.provider, config.keys.settings))

    @property
    def keyring(self) -> KeyRing:
        return self.codec.keyring

    def close(self) -> None:
        self.engine.dispose()

    def forget_connections(self) -> None:
        """In a forked child (:mod:`hub.core.forked`): drop the parent's pooled connections without
        closing them — they are the parent's — so anything the child reads opens its own."""
        self.engine.dispose(close=False)

    @staticmethod
    def now() -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    # ---- schema ------------------------------------------------------------------------------

    def _alembic(self, connection: sa.Connection) -> Any:
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", "hub:migrations")
        config.attributes["connection"] = connection
        return config

    def upgrade(self, revision: str = "head") -> None:
        """Apply Alembic migrations up to ``revision`` (idempotent)."""
        from alembic import command

        with self.transaction() as tx:
            command.upgrade(self._alembic(tx), revision)

    def current_revision(self) -> str | None:
        """The migration revision the database is at (None before :meth:`upgrade`)."""
        from alembic.migration import MigrationContext

        with self.reading() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    # ---- transactions --------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """One database transaction: commits on success, rolls back on any exception."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"database error ({exc.__class__.__name__}): {getattr(exc, 'orig', exc)}") from exc

    @contextmanager
    def reading(self, tx: sa.Connection | None = None) -> Iterator[sa.Connection]:
        """``tx`` if given, else a connection for reads only: on SQLite its transaction is a deferred
        ``BEGIN``, which never takes the write lock (see ``schema.create_engine``), so readers in
        other processes and the writer never wait for it. Database errors come out as StoreError."""
        if tx is not None:
            yield tx
            return
        try:
            with self.engine.connect() as conn:
                conn.execution_options(hub_read=True)
                yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"database error ({exc.__class__.__name__}): {getattr(exc, 'orig', exc)}") from exc

    # ---- entities: write -----------------------------------------------------------------------

    # -- change listeners: added for delivery (issue 5) while the store was being optimized; minimal on purpose

    def add_change_listener(self, listener: ChangeListener) -> None:
        """Call ``listener(tx, changes)`` in the transaction of every entity write, after the write.

        Lets delivery write its outbox entries atomically with the change (:mod:`hub.core.delivery`).
        The previous versions' non-PII data is read only while a listener is registered. A listener
        that raises rolls the whole transaction back.
        """
        self._change_listeners.append(listener)

    def upsert_many(
        self, tx: sa.Connection, system: str, entities: Sequence[Entity], *, origin: str | None = None
    ) -> UpsertResult:
        """Insert or update canonical entities that ``system`` sent, inside ``tx``.

        Each entity must carry ``external_ids[system]``. Unchanged content (keyed hash equal to the
        last one this source sent) is a no-op; a change is one new version and one change-log entry;
        a new record that matches a live entity by the identity rules is merged into it. Entities of
        several kinds may be mixed; they are processed kind by kind in order of first appearance, so
        put referenced records (candidates) before the records that reference them (assessments).
        """
        prepare = self.codec.prepare
        with paused():  # a batch of dumps allocates thousands of objects that reference counting frees
            return self.upsert_prepared(tx, system, [prepare(entity, system) for entity in entities], origin=origin)

    def upsert_prepared(
        self, tx: sa.Connection, system: str, prepared: Sequence[Prepared], *, origin: str | None = None
    ) -> UpsertResult:
        """:meth:`upsert_many` for records already through :meth:`EntityCodec.prepare` (and perhaps
        :meth:`~EntityCodec.detach`), e.g. by a producer process; the same semantics, in ``tx``."""
        origin = origin or system
        ids: list[str] = [""] * len(prepared)
        totals = [0, 0, 0, 0]
        by_kind: dict[str, list[int]] = {}
        for position, p in enumerate(prepared):
            by_kind.setdefault(p.kind, []).append(position)
        stored: dict[tuple[str, str, str], str] = {}  # (system, kind, external id) -> entity id, upserted here
        with paused():
            for kind, positions in by_kind.items():
                batch = [prepared[i] for i in positions]
                counts, kind_ids = self._upsert_kind(tx, system, kind_info(kind), batch, origin, stored)
                for position, p, entity_id in zip(positions, batch, kind_ids):
                    ids[position] = entity_id
                    stored[(system, kind, p.external_id)] = entity_id
                totals = [a + b for a, b in zip(totals, counts)]
        return UpsertResult(totals[0], totals[1], totals[2], ids, totals[3])

    def _upsert_kind(
        self, tx: sa.Connection, system: str, info: KindInfo, prepared: list[Prepared], origin: str,
        stored: dict[tuple[str, str, str], str],
    ) -> tuple[list[int], list[str]]:
        """Upsert one kind's records: new ones resolved by identity, the others no-ops or updates.

        A known record whose hash is the one its source last sent, on a live entity, is decided from
        ``external_ids`` alone (``read="hash"``); only the others — changed, deleted or erased, or
        repeated in the batch after a change — are read with their entity (:meth:`_update_changed`).
        """
        known = self._stored(tx, system, info.kind, [p.external_id for p in prepared], "hash")
        writes: dict[str, _Write] = {}
        ids: list[str] = []
        new: list[tuple[int, Prepared]] = []
        maybe_changed: list[Prepared] = []
        source_hashes: dict[str, tuple[str, str, bool]] = {}  # external id -> (entity id, hash, is new)
        unchanged = 0
        hash_of = self.codec.hash_of
        for position, p in enumerate(prepared):
            content_hash = hash_of(p)  # kept in p: _resolve_new and _update_changed read p.content_hash
            hit = known.get(p.external_id)
            if hit is None:
                ids.append("")
                new.append((position, p))
                continue
            entity_id, last_hash, entity_deleted = hit
            ids.append(entity_id)
            if last_hash == content_hash and not entity_deleted:
                unchanged += 1
                continue
            maybe_changed.append(p)
            known[p.external_id] = (entity_id, None, entity_deleted)  # later copies in the batch follow it
        updated = self._update_changed(tx, system, info.kind, maybe_changed, writes, source_hashes)
        unchanged += len(maybe_changed) - updated
        created = 0
        merges: list[dict[str, Any]] = []
        if new:
            created = self._resolve_new(tx, system, info, new, ids, writes, source_hashes, merges)
        if writes:
            self._resolve_refs(tx, info, writes.values(), stored)
            self._write(tx, info.kind, list(writes.values()), origin)
        self._write_source_hashes(tx, system, info.kind, source_hashes)
        if merges:
            self._record_merges(tx, merges)
            bulk.refresh_deleted_flags(tx, [merge["survivor_id"] for merge in merges])
        return [created, updated, unchanged, len(merges)], ids

    def _update_changed(
        self, tx: sa.Connection, system: str, kind: str, prepared: list[Prepared], writes: dict[str, _Write],
        source_hashes: dict[str, tuple[str, str, bool]],
    ) -> int:
        """Add a write for each known record that did change, in batch order (the last copy wins);
        returns how many. Unchanged after all: an erased entity (never rewritten from a source), or a
        hash equal to the last one on an entity marked deleted — which is rewritten, un-deleting it."""
        existing = self._stored(tx, system, kind, [p.external_id for p in prepared], "state")
        updated = 0
        for p in prepared:
            entity_id, last_hash, version, erased, deleted = existing[p.external_id]
            content_hash = self.codec.hash_of(p)
            if erased or (last_hash == content_hash and not deleted):
                continue
            updated += 1
            writes[entity_id] = _Write(entity_id, self.codec.split(p), version, "update", content_hash, p.blind, bool(deleted))
            existing[p.external_id] = [entity_id, content_hash, version, erased, deleted]
            source_hashes[p.external_id] = (entity_id, content_hash, False)
        return updated

    @staticmethod
    def _stored(tx: sa.Connection, system: str, kind: str, external_ids: list[str], read: bulk.Read) -> dict[str, Any]:
        """{external id: the row :func:`bulk.by_external_id` reads for ``read``, without the id} — one
        query per 500 ids."""
        found: dict[str, Any] = {}
        for chunk in chunks(sorted(set(external_ids))):
            for external_id, *row in bulk.by_external_id(tx, system, kind, chunk, read=read):
                found[external_id] = row
        return found

    def _resolve_new(
        self,
        tx: sa.Connection,
        system: str,
        info: KindInfo,
        new: list[tuple[int, Prepared]],
        ids: list[str],
        writes: dict[str, _Write],
        source_hashes: dict[str, tuple[str, str, bool]],
        merges: list[dict[str, Any]],
    ) -> int:
        rule = self.identity.fields_for(info.kind)
        for _, p in new:
            self.codec.blind_of(p)
        matches = (
            find_by_blind_index(tx, info.kind, (h for _, p in new for f in rule for h in p.blind.get(f, ())))
            if rule
            else {}
        )
        created = 0
        for position, p in new:
            incoming = p.content
            seen = source_hashes.get(p.external_id)
            if seen is not None:  # the same new record twice in one batch: the later one wins
                entity_id = seen[0]
                write = writes[entity_id]
                write.content, write.content_hash, write.blind = incoming, p.content_hash, p.blind
                source_hashes[p.external_id] = (entity_id, p.content_hash, True)
                ids[position] = entity_id
                continue
            target, field = next(
                ((matches[h], f) for f in rule for h in p.blind.get(f, ()) if h in matches), (None, None)
            )
            if target is None:
                entity_id = new_id()
                writes[entity_id] = _Write(entity_id, incoming, 0, "create", p.content_hash, p.blind)
                created += 1
            else:
                entity_id = target
                base = writes.get(target) or self._load_write(tx, info.kind, target)
                merges.append(self._merge_row(info.kind, target, system, p.external_id, field or "", base, incoming))
                writes[target] = _Write(target, overlay(base.content, incoming), base.version, base.op if base.version == 0 else "merge")
            for f in rule:
                for h in p.blind.get(f, ()):
                    matches.setdefault(h, entity_id)
            source_hashes[p.external_id] = (entity_id, p.content_hash, True)
            ids[position] = entity_id
        return created

    def _load_write(self, tx: sa.Connection, kind: str, entity_id: str) -> _Write:
        row = tx.execute(sa.select(t.entities).where(t.entities.c.id == entity_id)).mappings().one()
        content = Snapshot(
            loads(row["data"]),
            self.codec.decrypt_pii(kind, entity_id, row["pii"]),
            loads(row["provenance"]) if row["provenance"] else None,
        )
        return _Write(entity_id, content, row["version"], "merge")

    def _merge_row(
        self, kind: str, survivor: str, system: str, external_id: str, rule: str, base: _Write, incoming: Snapshot
    ) -> dict[str, Any]:
        merge_id = new_id()
        encrypt = self.keyring.encrypt
        return {
            "id": merge_id,
            "kind": kind,
            "survivor_id": survivor,
            "system": system,
            "external_id": external_id,
            "rule": rule,
            "before": encrypt(base.content.to_json(), aad=("merge", merge_id, "before")),
            "incoming": encrypt(incoming.to_json(), aad=("merge", merge_id, "incoming")),
            "created_at": self.now(),
        }

    def _record_merges(self, tx: sa.Connection, rows: list[dict[str, Any]]) -> None:
        tx.execute(t.merges.insert(), rows)
        for row in rows:
            detail = {"merge_id": row["id"], "system": row["system"], "external_id": row["external_id"], "rule": row["rule"]}
            self.audit(tx, "identity-resolution", "merge", row["survivor_id"], detail)

    def _resolve_refs(
        self, tx: sa.Connection, info: KindInfo, writes: Any, stored: dict[tuple[str, str, str], str]
    ) -> None:
        """Fill ``id`` of references whose target (system, kind, external id) is stored.

        ``stored`` holds what this upsert has written already (the referenced kinds come first), so
        only the other targets are looked up; what the lookup finds is added to it. Only contents
        with a reference to fill change (:meth:`Snapshot.resolve_ref`); the others keep the JSON
        text they came with.
        """
        targets = dict(info.refs)
        wanted: dict[tuple[str, str], set[str]] = {}
        pending: list[tuple[Snapshot, PendingRef, tuple[str, str, str]]] = []
        for write in writes:
            for ref in write.content.unresolved_refs(info.refs):
                key = (ref[1], targets[ref[0]], ref[2])
                if key not in stored:
                    wanted.setdefault(key[:2], set()).add(ref[2])
                pending.append((write.content, ref, key))
        for (system, kind), external_ids in wanted.items():
            for chunk in chunks(sorted(external_ids)):
                for external_id, entity_id, *_ in bulk.by_external_id(tx, system, kind, chunk, read="hash"):
                    stored[(system, kind, external_id)] = entity_id
        for content, ref, key in pending:
            entity_id = stored.get(key)
            if entity_id is not None:
                content.resolve_ref(ref, entity_id)

    def _write(self, tx: sa.Connection, kind: str, writes: list[_Write], origin: str | None) -> None:
        """Insert / update entity rows, their blind indexes and one change-log entry each.

        One ``executemany`` per table; the timestamp and booleans are converted for the driver once.
        An update is conditional on the version read at the start of the batch, so a concurrent
        writer makes the batch fail (and roll back) instead of silently losing a version.
        """
        previous = self._data_of(tx, [w.entity_id for w in writes if w.version > 0]) if self._change_listeners else {}
        info, codec = kind_info(kind), self.codec
        now = bulk.bind(tx, t.entities.c.updated_at, self.now())
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
            log.append((w.entity_id, kind, w.version + 1, w.op, origin, now))
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
        bulk.insert_many(tx, t.change_log, _CHANGE_COLUMNS, log)
        if self._change_listeners:
            changes = [EntityChange(w.entity_id, kind, w.version + 1, w.op, origin, w.content.data, previous.get(w.entity_id))
                       for w in writes]
            for listener in self._change_listeners:
                listener(tx, changes)

    def _data_of(self, tx: sa.Connection, entity_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The stored non-PII data of ``entity_ids`` (for change listeners; read before an overwrite)."""
        e, found = t.entities, {}
        for chunk in chunks(entity_ids):
            for entity_id, data in tx.execute(sa.select(e.c.id, e.c.data).where(e.c.id.in_(chunk))):
                found[entity_id] = loads(data)
        return found

    def write_entity(
        self, tx: sa.Connection, kind: str, entity_id: str, content: Snapshot, *, version: int, origin: str | None, op: str
    ) -> None:
        """Write one entity's full content (``version`` 0 inserts); used by unmerge and erasure."""
        self._write(tx, kind, [_Write(entity_id, content, version, op)], origin)

    def _write_source_hashes(
        self, tx: sa.Connection, system: str, kind: str, hashes: dict[str, tuple[str, str, bool]]
    ) -> None:
        """Record the content hash each source record was last seen with (new ids inserted)."""
        fresh = [(system, kind, ext, eid, h) for ext, (eid, h, is_new) in hashes.items() if is_new]
        changed = [(h, system, kind, ext) for ext, (_, h, is_new) in hashes.items() if not is_new]
        bulk.insert_many(tx, t.external_ids, ("system", "kind", "external_id", "entity_id", "content_hash"), fresh)
        bulk.execute_many(tx, _UPDATE_SOURCE_HASH, changed)

    # ---- entities: deletion --------------------------------------------------------------------
    #
    # A deleted entity keeps its row, data and external ids, with ``deleted_at`` set: feeds and
    # audits still resolve it, and :meth:`get` still returns it (ask :meth:`deleted_at`). Marking is
    # a new version with one ``delete`` change-log entry, listeners told as for an update; marking an
    # entity already deleted does nothing. A later upsert from its source un-deletes it (a new
    # version, op ``update``), even if the content is what was stored before. The marker is on the
    # entity: for one merged from several systems, the latest word wins (one system's deletion marks
    # it, another system listing it again un-deletes it).

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
        return self._mark_deleted(tx, kind, live, origin or system)

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
        marked = self._mark_deleted(tx, kind, dict(missing), origin or system)
        self.forget_pass(tx, pass_id)
        return marked

    def forget_pass(self, tx: sa.Connection, pass_id: str) -> None:
        """Drop what :meth:`record_seen` kept for ``pass_id`` (a pass ended or was abandoned)."""
        tx.execute(sa.delete(t.pass_seen).where(t.pass_seen.c.pass_id == pass_id))

    def _mark_deleted(self, tx: sa.Connection, kind: str, versions: dict[str, int], origin: str) -> int:
        """Mark ``{entity id: current version}`` deleted: a new version and a change each, listeners told."""
        now = bulk.bind(tx, t.entities.c.updated_at, self.now())
        for chunk in chunks(versions.items()):
            rows = [(version + 1, now, now, entity_id, version) for entity_id, version in chunk]
            if bulk.execute_many(tx, _MARK_DELETED, rows) != len(rows):
                raise StoreError("entities changed concurrently while marking them deleted; retry", entity=kind)
            bulk.refresh_deleted_flags(tx, [entity_id for entity_id, _ in chunk])
            bulk.insert_many(tx, t.change_log, _CHANGE_COLUMNS,
                             [(entity_id, kind, version + 1, "delete", origin, now) for entity_id, version in chunk])
            if self._change_listeners:
                data = self._data_of(tx, [entity_id for entity_id, _ in chunk])
                changes = [EntityChange(i, kind, v + 1, "delete", origin, data[i], data[i]) for i, v in chunk]
                for listener in self._change_listeners:
                    listener(tx, changes)
        return len(versions)

    # ---- entities: read ------------------------------------------------------------------------

    def deleted_at(self, kind: str, entity_id: str, *, tx: sa.Connection | None = None) -> dt.datetime | None:
        """When the entity was marked deleted (UTC), or None while it is live. StoreError if absent."""
        e = t.entities
        with self.reading(tx) as conn:
            row = conn.execute(sa.select(e.c.deleted_at).where(e.c.kind == kind, e.c.id == entity_id)).first()
        if row is None:
            raise StoreError("no such entity", entity=kind, record_id=entity_id)
        return row[0]

    def get(self, kind: str, entity_id: str, *, tx: sa.Connection | None = None) -> Entity:
        """The entity, decrypted. Raises StoreError if absent, Decryption/KeyNotFoundError if unreadable."""
        found = self.get_many(kind, [entity_id], tx=tx)
        if not found:
            raise StoreError("no such entity", entity=kind, record_id=entity_id)
        return found[0]

    def get_many(self, kind: str, entity_ids: Sequence[str], *, tx: sa.Connection | None = None) -> list[Entity]:
        """Entities by id (decrypted), in the order given; ids not stored are skipped."""
        e, x = t.entities, t.external_ids
        rows: dict[str, Any] = {}
        external: dict[str, dict[str, str]] = {}
        with self.reading(tx) as conn:
            for chunk in chunks(entity_ids):
                for row in conn.execute(sa.select(e).where(e.c.kind == kind, e.c.id.in_(chunk))).mappings():
                    rows[row["id"]] = row
                for system, external_id, entity_id in conn.execute(
                    sa.select(x.c.system, x.c.external_id, x.c.entity_id).where(x.c.entity_id.in_(chunk))
                ):
                    external.setdefault(entity_id, {})[system] = external_id
        return [self.codec.build(kind, i, rows[i], external.get(i, {})) for i in entity_ids if i in rows]

    def find(self, system: str, external_id: str, kind: str | None = None) -> str | None:
        """The hub id of the entity ``system`` knows as ``external_id`` (StoreError if ambiguous)."""
        x = t.external_ids
        query = sa.select(x.c.entity_id, x.c.kind).where(x.c.system == system, x.c.external_id == external_id)
        if kind is not None:
            query = query.where(x.c.kind == kind)
        with self.reading() as conn:
            rows = conn.execute(query).all()
        if len(rows) > 1:
            raise StoreError(
                f"external id is used by several kinds ({', '.join(r[1] for r in rows)}); pass kind=", system=system, record_id=external_id
            )
        return rows[0][0] if rows else None

    def changes(self, after_seq: int = 0, limit: int = 100) -> list[Change]:
        """The change feed: entries with ``seq > after_seq`` in order, at most ``limit``."""
        c = t.change_log
        with self.reading() as conn:
            rows = conn.execute(sa.select(c).where(c.c.seq > after_seq).order_by(c.c.seq).limit(limit)).mappings()
            return [Change(**row) for row in rows]

    # ---- cursors -------------------------------------------------------------------------------

    def get_cursor(self, tx: sa.Connection | None, connector: str, stream: str) -> str | None:
        """The saved position of a sync stream (None if it never ran)."""
        c = t.sync_cursors
        with self.reading(tx) as conn:
            return conn.execute(
                sa.select(c.c.value).where(c.c.connector == connector, c.c.stream == stream)
            ).scalar_one_or_none()

    def set_cursor(self, tx: sa.Connection, connector: str, stream: str, value: str) -> None:
        """Save a stream position in ``tx`` — commit it with the page it follows."""
        now = self.now()
        if not bulk.execute_many(tx, _SET_CURSOR, [(value, bulk.bind(tx, t.sync_cursors.c.updated_at, now), connector, stream)]):
            tx.execute(t.sync_cursors.insert().values(connector=connector, stream=stream, value=value, updated_at=now))

    # ---- dead letters --------------------------------------------------------------------------

    def add_dead_letter(
        self,
        tx: sa.Connection,
        *,
        system: str,
        error: HubError | dict[str, Any],
        payload: Any = None,
        stream: str | None = None,
        record_ref: str | None = None,
        run_id: str | None = None,
        attempts: int = 0,
    ) -> str:
        """Keep a failed record: the (already masked) error as JSON, the payload encrypted; returns the letter id.

        A record that fails again while its letter is open updates that letter (same system, stream
        and ``record_ref``): newest error, payload and run, one more attempt (or ``attempts`` if
        higher) — one letter per failing record, however many runs meet it. Records without a
        ``record_ref`` cannot be told apart and always get a new letter, except page-level failures
        (no payload either), which share one open letter per stream.
        """
        detail = error.to_dict() if isinstance(error, HubError) else dict(error)
        d = t.dead_letters
        same = None
        if record_ref is not None or payload is None:
            query = sa.select(d.c.id, d.c.attempts).where(
                d.c.system == system, d.c.stream == stream, d.c.record_ref == record_ref, d.c.status == "open"
            )
            if record_ref is None:  # a page-level failure: never fold it into a record's letter
                query = query.where(d.c.payload.is_(None))
            same = tx.execute(query.limit(1)).first()
        letter_id = same[0] if same else new_id()
        values: dict[str, Any] = {
            "run_id": run_id, "error_code": str(detail.get("code", "unknown")), "error": dumps(detail),
            "attempts": max(attempts, same[1] + 1) if same else attempts,
        }
        if payload is not None or not same:  # a failure without payload keeps the record the letter holds
            values["payload"] = self._seal_payload(letter_id, payload)
        if same:
            tx.execute(d.update().where(d.c.id == letter_id).values(**values))
        else:
            tx.execute(d.insert().values(id=letter_id, system=system, stream=stream, record_ref=record_ref,
                                         status="open", created_at=self.now(), **values))
        return letter_id

    def settle_dead_letter(self, tx: sa.Connection, letter_id: str, *, error: dict[str, Any] | None) -> None:
        """Record a replay of the letter: resolved if ``error`` is None, else open with that error; one more attempt."""
        d = t.dead_letters
        values: dict[str, Any] = {"attempts": d.c.attempts + 1, "status": "open" if error else "resolved"}
        if error:
            values.update(error=dumps(error), error_code=str(error.get("code", "unknown")))
        if tx.execute(d.update().where(d.c.id == letter_id).values(**values)).rowcount != 1:
            raise StoreError(f"no dead letter {letter_id!r}")

    def _seal_payload(self, letter_id: str, payload: Any) -> str | None:
        if payload is None:
            return None
        return self.keyring.encrypt(dumps(payload), aad=("dead_letter", letter_id, "payload"))

    def dead_letter(self, letter_id: str, *, with_payload: bool = False) -> DeadLetter | None:
        """One dead letter by id (None if there is none); its payload decrypted only with ``with_payload=True``."""
        d = t.dead_letters
        with self.reading() as conn:
            row = conn.execute(sa.select(d).where(d.c.id == letter_id)).mappings().first()
        return self._letter(row, with_payload) if row else None

    def dead_letters(
        self, *, system: str | None = None, status: str | None = "open", with_payload: bool = False, limit: int = 100
    ) -> list[DeadLetter]:
        """Dead letters, oldest first; payloads are decrypted only with ``with_payload=True``."""
        d = t.dead_letters
        query = sa.select(d).order_by(d.c.created_at, d.c.id).limit(limit)
        if system is not None:
            query = query.where(d.c.system == system)
        if status is not None:
            query = query.where(d.c.status == status)
        with self.reading() as conn:
            rows = conn.execute(query).mappings().all()
        return [self._letter(row, with_payload) for row in rows]

    def _letter(self, row: Any, with_payload: bool) -> DeadLetter:
        payload = None
        if with_payload and row["payload"]:
            payload = loads(self.keyring.decrypt(row["payload"], aad=("dead_letter", row["id"], "payload")))
        fields = {k: row[k] for k in ("id", "run_id", "system", "stream", "record_ref", "error_code", "attempts", "status", "created_at")}
        return DeadLetter(**fields, error=loads(row["error"]), payload=payload)

    # ---- job runs and audit ---------------------------------------------------------------------

    def start_job_run(self, kind: str) -> str:
        """Record that a job (sync, delivery, migration, rotation...) started; returns its id."""
        run_id = new_id()
        with self.transaction() as tx:
            tx.execute(t.job_runs.insert().values(id=run_id, kind=kind, started_at=self.now(), status="running"))
        return run_id

    def finish_job_run(self, run_id: str, status: str, counters: dict[str, Any] | None = None) -> None:
        """Record how a job ended (``succeeded`` / ``failed`` / ...) and its counters."""
        with self.transaction() as tx:
            tx.execute(
                t.job_runs.update()
                .where(t.job_runs.c.id == run_id)
                .values(finished_at=self.now(), status=status, counters=dumps(counters or {}))
            )

    def audit(
        self, tx: sa.Connection, actor: str, action: str, entity_id: str | None = None, detail: dict[str, Any] | None = None
    ) -> None:
        """Append to the audit log. ``detail`` must not hold PII (ids, counts, field names only)."""
        tx.execute(
            t.audit_log.insert().values(
                at=self.now(), actor=actor, action=action, entity_id=entity_id, detail=dumps(detail or {})
            )
        )

    def audit_entries(self, entity_id: str | None = None) -> list[dict[str, Any]]:
        """Audit entries (oldest first), optionally for one entity; ``detail`` parsed."""
        a = t.audit_log
        query = sa.select(a).order_by(a.c.id)
        if entity_id is not None:
            query = query.where(a.c.entity_id == entity_id)
        with self.reading() as conn:
            return [{**row, "detail": loads(row["detail"] or "{}")} for row in conn.execute(query).mappings()]

    # ---- identity, erasure, rotation (see their modules) ----------------------------------------

    def unmerge(self, merge_id: str, *, actor: str = "system") -> str:
        """Undo an identity merge; returns the id of the re-created entity (see identity.unmerge)."""
        from hub.core.store.identity import unmerge

        return unmerge(self, merge_id, actor=actor)

    def merges(self, entity_id: str) -> list[dict[str, Any]]:
        """Merges into ``entity_id`` (without their encrypted snapshots), oldest first."""
        m = t.merges
        cols = [c for c in m.c if c.name not in ("before", "incoming")]
        with self.reading() as conn:
            rows = conn.execute(sa.select(*cols).where(m.c.survivor_id == entity_id).order_by(m.c.created_at))
            return [dict(row) for row in rows.mappings()]

    def erase_candidate(self, candidate_id: str, actor: str, *, dry_run: bool = False) -> Any:
        """Remove a person's PII everywhere (see :mod:`hub.core.store.erase`)."""
        from hub.core.store.erase import erase_candidate

        return erase_candidate(self, candidate_id, actor, dry_run=dry_run)

    def rotate_keys(self, *, batch_size: int = 500, dry_run: bool = False, max_batches: int | None = None) -> Any:
        """Re-encrypt every token with the active key, resumably (see :mod:`hub.core.store.rotation`)."""
        from hub.core.store.rotation import rotate

        return rotate(self, batch_size=batch_size, dry_run=dry_run, max_batches=max_batches)
