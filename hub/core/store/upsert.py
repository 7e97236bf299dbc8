"""The batched upsert: which records of a batch are new, changed, unchanged or merged, and their writes.

:meth:`Upserter.upsert_many` is the hot path and is batched: one query for the existing external
ids of the batch (with their last content hashes), one for blind-index matches of new records, one
per referenced (system, kind) group, then one DBAPI ``executemany`` per table (see
:mod:`hub.core.store.bulk`) — no per-row ORM objects or statement compilation, and no parsing,
encryption or blind indexing for unchanged records. A record older than the version its source last
sent (``Entity.remote_updated_at`` before the one kept with its external id) is stale: counted,
never written, so a late or replayed webhook cannot turn an accepted offer back into a draft. The
rows are written by the
:class:`~hub.core.store.writes.EntityWriter` and merges recorded by
:class:`~hub.core.store.identity.Merges`, both given to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa

from hub.core.chunks import chunks
from hub.core.gcpause import paused
from hub.core.models import Entity
from hub.core.store import bulk
from hub.core.store import schema as t
from hub.core.store.codec import EntityCodec, KindInfo, PendingRef, Prepared, Snapshot, kind_info, loads
from hub.core.store.identity import (
    IdentityRules,
    Merge,
    Merges,
    find_by_blind_index,
    find_by_external_ids,
    foreign_ids,
    overlay,
)
from hub.core.store.schema import new_id
from hub.core.store.writes import EntityWrite, EntityWriter

__all__ = ["UpsertResult", "Upserter"]

#: A version without the source's updated_at keeps the one stored: the next version is still compared with it.
_UPDATE_SOURCE_HASH = (
    "UPDATE external_ids SET content_hash = ?, remote_updated_at = COALESCE(?, remote_updated_at)"
    " WHERE system = ? AND kind = ? AND external_id = ?"
)


@dataclass(frozen=True)
class UpsertResult:
    """What one :meth:`Upserter.upsert_many` did; ``ids`` are hub ids in input order.

    Example:
        >>> UpsertResult(created=1, updated=0, unchanged=2, ids=["a", "b", "c"]).written
        1
    """

    created: int
    updated: int
    unchanged: int
    ids: list[str]
    merged: int = 0
    #: records older than the version their source last sent: not written
    stale: int = 0

    @property
    def written(self) -> int:
        return self.created + self.updated


@dataclass
class _Counts:
    """What the upsert of one or more kinds did, added up kind by kind."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    stale: int = 0

    def add(self, other: _Counts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.merged += other.merged
        self.stale += other.stale


class _Known(NamedTuple):
    """A stored source record as the no-op and stale checks read it (``external_ids`` only)."""

    entity_id: str
    content_hash: str | None
    deleted: bool
    remote_updated_at: int | None


class _State(NamedTuple):
    """A stored source record that may have changed, with its entity's version and markers."""

    entity_id: str
    content_hash: str | None
    version: int
    erased: bool
    deleted: bool


class _SourceHash(NamedTuple):
    """The content hash (and updated_at) a source record was seen with, to record on its external id."""

    entity_id: str
    content_hash: str
    is_new: bool
    remote_updated_at: int | None


#: (system, kind, external id) -> entity id, of the records an upsert has stored or looked up.
_Stored = dict[tuple[str, str, str], str]


@dataclass
class _KindBatch:
    """What the upsert of one kind collects before writing: entity writes, source hashes, merges."""

    writes: dict[str, EntityWrite]
    source_hashes: dict[str, _SourceHash]
    merges: list[Merge]


class Upserter:
    """Inserts or updates the canonical entities a source sends, resolving new ones by identity.

    Example:
        >>> from hub.core.crypto import KeyRing
        >>> from hub.core.models import Candidate
        >>> from hub.core.store.bookkeeping import AuditLog
        >>> from hub.core.store.database import Database
        >>> db = Database.open("sqlite://"); db.upgrade(); codec = EntityCodec(KeyRing.generate())
        >>> writer = EntityWriter(db, codec)
        >>> upserter = Upserter(codec, IdentityRules.default(), writer, Merges(db, codec, writer, AuditLog(db)))
        >>> with db.transaction() as tx:
        ...     upserter.upsert_many(tx, "ats", [Candidate(external_ids={"ats": "1"}, name="李娜")]).created
        1
    """

    def __init__(self, codec: EntityCodec, rules: IdentityRules, writer: EntityWriter, merges: Merges) -> None:
        self._codec = codec
        self._rules = rules
        self._writer = writer
        self._merges = merges

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
        prepare = self._codec.prepare
        with paused():  # a batch of dumps allocates thousands of objects that reference counting frees
            return self.upsert_prepared(tx, system, [prepare(entity, system) for entity in entities], origin=origin)

    def upsert_prepared(
        self, tx: sa.Connection, system: str, prepared: Sequence[Prepared], *, origin: str | None = None
    ) -> UpsertResult:
        """:meth:`upsert_many` for records already through :meth:`EntityCodec.prepare` (and perhaps
        :meth:`~EntityCodec.detach`), e.g. by a producer process; the same semantics, in ``tx``."""
        origin = origin or system
        ids: list[str] = [""] * len(prepared)
        totals = _Counts()
        by_kind: dict[str, list[int]] = {}
        for position, p in enumerate(prepared):
            by_kind.setdefault(p.kind, []).append(position)
        stored: _Stored = {}
        with paused():
            for kind, positions in by_kind.items():
                batch = [prepared[i] for i in positions]
                counts, kind_ids = self._upsert_kind(tx, system, kind_info(kind), batch, origin, stored)
                for position, p, entity_id in zip(positions, batch, kind_ids):
                    ids[position] = entity_id
                    stored[(system, kind, p.external_id)] = entity_id
                totals.add(counts)
        return UpsertResult(totals.created, totals.updated, totals.unchanged, ids, totals.merged, totals.stale)

    def _upsert_kind(
        self, tx: sa.Connection, system: str, info: KindInfo, prepared: list[Prepared], origin: str, stored: _Stored,
    ) -> tuple[_Counts, list[str]]:
        """Upsert one kind's records: new ones resolved by identity, the others stale, no-ops or updates.

        A known record older than the version its source last sent, or whose hash is the one its
        source last sent on a live entity, is decided from ``external_ids`` alone (``read="hash"``);
        only the others — changed, deleted or erased, or repeated in the batch after a change — are
        read with their entity (:meth:`_update_changed`).
        """
        known: dict[str, _Known] = _stored(tx, system, info.kind, [p.external_id for p in prepared], "hash", _Known)
        batch = _KindBatch({}, {}, [])
        counts = _Counts()
        ids: list[str] = []
        new: list[tuple[int, Prepared]] = []
        maybe_changed: list[Prepared] = []
        hash_of = self._codec.hash_of
        for position, p in enumerate(prepared):
            content_hash = hash_of(p)  # kept in p: _resolve_new and _update_changed read p.content_hash
            hit = known.get(p.external_id)
            if hit is None:
                ids.append("")
                new.append((position, p))
                continue
            ids.append(hit.entity_id)
            incoming, last = p.remote_updated_at, hit.remote_updated_at
            if incoming is not None and last is not None and incoming < last:
                counts.stale += 1
                continue
            if hit.content_hash == content_hash and not hit.deleted:
                counts.unchanged += 1
                continue
            maybe_changed.append(p)
            # later copies in the batch follow it: compared with its updated_at, never a no-op
            known[p.external_id] = hit._replace(content_hash=None, remote_updated_at=last if incoming is None else incoming)
        counts.updated = self._update_changed(tx, system, info.kind, maybe_changed, batch)
        counts.unchanged += len(maybe_changed) - counts.updated
        if new:
            counts.created = self._resolve_new(tx, system, info, new, ids, batch)
        if batch.writes:
            _resolve_refs(tx, info, batch.writes.values(), stored)
            self._writer.write(tx, info.kind, list(batch.writes.values()), origin)
        _write_source_hashes(tx, system, info.kind, batch.source_hashes)
        if batch.merges:
            self._merges.record(tx, batch.merges)
        counts.merged = len(batch.merges)
        return counts, ids

    def _update_changed(
        self, tx: sa.Connection, system: str, kind: str, prepared: list[Prepared], batch: _KindBatch
    ) -> int:
        """Add a write for each known record that did change, in batch order (the last copy wins);
        returns how many. Unchanged after all: an erased entity (never rewritten from a source), or a
        hash equal to the last one on an entity marked deleted — which is rewritten, un-deleting it."""
        existing: dict[str, _State] = _stored(tx, system, kind, [p.external_id for p in prepared], "state", _State)
        updated = 0
        for p in prepared:
            state = existing[p.external_id]
            content_hash = self._codec.hash_of(p)
            if state.erased or (state.content_hash == content_hash and not state.deleted):
                continue
            updated += 1
            batch.writes[state.entity_id] = EntityWrite(
                state.entity_id, self._codec.split(p), state.version, "update", content_hash, p.blind, bool(state.deleted)
            )
            existing[p.external_id] = state._replace(content_hash=content_hash)
            batch.source_hashes[p.external_id] = _SourceHash(state.entity_id, content_hash, False, p.remote_updated_at)
        return updated

    def _resolve_new(
        self, tx: sa.Connection, system: str, info: KindInfo, new: list[tuple[int, Prepared]], ids: list[str],
        batch: _KindBatch,
    ) -> int:
        """Add a write for each new record — a new entity, or a merge into the live one that another
        system's id it carries, else its blind indexes, match — and fill its id into ``ids``; returns
        how many entities are created."""
        rule = self._rules.fields_for(info.kind)
        for _, p in new:
            self._codec.blind_of(p)
        claims = {p.external_id: foreign_ids(self._codec.external_ids_of(p), system) for _, p in new}
        owners = find_by_external_ids(tx, info.kind, (claim for listed in claims.values() for claim in listed))
        matches = (
            find_by_blind_index(tx, info.kind, (h for _, p in new for f in rule for h in p.blind.get(f, ())))
            if rule
            else {}
        )
        writes, source_hashes = batch.writes, batch.source_hashes
        created = 0
        for position, p in new:
            incoming = p.content
            seen = source_hashes.get(p.external_id)
            if seen is not None:  # the same new record twice in one batch: the later one wins
                entity_id = seen.entity_id
                write = writes[entity_id]
                write.content, write.content_hash, write.blind = incoming, p.content_hash, p.blind
                source_hashes[p.external_id] = _SourceHash(entity_id, p.content_hash, True, p.remote_updated_at)
                ids[position] = entity_id
                continue
            target, field = next(
                ((owners[claim], f"external_ids.{claim[0]}") for claim in claims[p.external_id] if claim in owners),
                (None, None),
            )
            if target is None:
                target, field = next(
                    ((matches[h], f) for f in rule for h in p.blind.get(f, ()) if h in matches), (None, None)
                )
            if target is None:
                entity_id = new_id()
                writes[entity_id] = EntityWrite(entity_id, incoming, 0, "create", p.content_hash, p.blind)
                created += 1
            else:
                entity_id = target
                base = writes.get(target) or self._load_write(tx, info.kind, target)
                batch.merges.append(
                    self._merges.new(info.kind, target, system, p.external_id, field or "", base.content, incoming)
                )
                writes[target] = EntityWrite(
                    target, overlay(base.content, incoming), base.version, base.op if base.version == 0 else "merge"
                )
            for f in rule:
                for h in p.blind.get(f, ()):
                    matches.setdefault(h, entity_id)
            source_hashes[p.external_id] = _SourceHash(entity_id, p.content_hash, True, p.remote_updated_at)
            ids[position] = entity_id
        return created

    def _load_write(self, tx: sa.Connection, kind: str, entity_id: str) -> EntityWrite:
        """The stored entity a new record merges into, decrypted, as the write it will become."""
        row = tx.execute(sa.select(t.entities).where(t.entities.c.id == entity_id)).mappings().one()
        content = Snapshot(
            loads(row["data"]),
            self._codec.decrypt_pii(kind, entity_id, row["pii"]),
            loads(row["provenance"]) if row["provenance"] else None,
        )
        return EntityWrite(entity_id, content, row["version"], "merge")


def _stored(tx: sa.Connection, system: str, kind: str, external_ids: list[str], read: bulk.Read, row: Any) -> dict[str, Any]:
    """{external id: ``row(*columns)``} of what :func:`bulk.by_external_id` reads for ``read`` — one
    query per 500 ids."""
    found: dict[str, Any] = {}
    for chunk in chunks(sorted(set(external_ids))):
        for external_id, *columns in bulk.by_external_id(tx, system, kind, chunk, read=read):
            found[external_id] = row(*columns)
    return found


def _resolve_refs(tx: sa.Connection, info: KindInfo, writes: Any, stored: _Stored) -> None:
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


def _write_source_hashes(tx: sa.Connection, system: str, kind: str, hashes: dict[str, _SourceHash]) -> None:
    """Record the content hash and updated_at each source record was last seen with (new ids inserted)."""
    fresh = [(system, kind, ext, h.entity_id, h.content_hash, h.remote_updated_at)
             for ext, h in hashes.items() if h.is_new]  # fmt: skip
    changed = [(h.content_hash, h.remote_updated_at, system, kind, ext) for ext, h in hashes.items() if not h.is_new]
    bulk.insert_many(tx, t.external_ids,
                     ("system", "kind", "external_id", "entity_id", "content_hash", "remote_updated_at"), fresh)
    bulk.execute_many(tx, _UPDATE_SOURCE_HASH, changed)
