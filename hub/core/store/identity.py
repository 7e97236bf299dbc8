"""Identity resolution: which stored entity an incoming record is "the same person" as.

A record resolves first by its (system, external id) — done by the upsert itself — and, when that is
new, by the ids it carries from other systems (an AI-interview result naming the ATS application it
was invited for: ``external_ids.greenhouse``), then by blind-indexed PII in the order the
:class:`IdentityRules` give (default for candidates: national ID, then phones, then emails). Another
system's id is an exact claim, so it is tried before any PII match and needs no rule. Resolving a new record into an existing entity is a *merge*:
the survivor takes the record's non-empty fields (lists are united), the merge is written to
``merges`` with encrypted snapshots of both sides and to the audit log, and :meth:`Merges.unmerge` undoes
it — the merged-in external id moves to a new entity holding the record as it arrived, and the
survivor returns to its state before that merge.

Resolving is the upsert's job (:mod:`hub.core.store.upsert`); this module holds the rules, the
blind-index lookup, the overlay of a merged record, and :class:`Merges`, which records and undoes
merges with the parts it is given (the entity writer, the audit log) rather than the whole store.

Example:
    >>> rules = IdentityRules({"candidate": ("national_id", "emails")})
    >>> rules.fields_for("candidate"), rules.fields_for("job")
    (('national_id', 'emails'), ())
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from hub.core.chunks import chunks
from hub.core.errors import ConfigError, StoreError
from hub.core.store import bulk
from hub.core.store import schema as t
from hub.core.store.bookkeeping import AuditLog
from hub.core.store.codec import BLIND_INDEXED, EntityCodec, Snapshot, dumps, kind_info
from hub.core.store.database import Database
from hub.core.store.schema import new_id
from hub.core.store.writes import EntityWriter

__all__ = ["IdentityRules", "Merge", "Merges", "overlay", "find_by_blind_index", "find_by_external_ids", "foreign_ids"]


@dataclass(frozen=True)
class IdentityRules:
    """Per entity kind, the blind-indexed fields to resolve new records by, in order.

    Example:
        >>> IdentityRules.default().fields_for("candidate")
        ('national_id', 'phones', 'emails')
    """

    by_kind: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for kind, fields in self.by_kind.items():
            unknown = [f for f in fields if f not in kind_info(kind).indexed]
            if unknown:
                raise ConfigError(
                    f"identity rule for {kind!r} uses {unknown}; only blind-indexed fields "
                    f"({', '.join(kind_info(kind).indexed) or 'none for this kind'}) can resolve identity"
                )

    @classmethod
    def default(cls) -> IdentityRules:
        return cls({"candidate": BLIND_INDEXED})

    def fields_for(self, kind: str) -> tuple[str, ...]:
        return tuple(self.by_kind.get(kind, ()))


def overlay(base: Snapshot, incoming: Snapshot) -> Snapshot:
    """The survivor of a merge: ``incoming``'s non-empty values win, lists are united (order kept)."""

    def merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
        out = dict(old)
        for key, value in new.items():
            if value in (None, [], {}):
                continue
            if isinstance(value, list) and isinstance(out.get(key), list):
                united = dict.fromkeys([*map(dumps, out[key]), *map(dumps, value)])
                out[key] = [json.loads(item) for item in united]
            elif key == "external_ids" and isinstance(out.get(key), dict):
                out[key] = {**out[key], **value}
            else:
                out[key] = value
        return out

    return Snapshot(merge(base.data, incoming.data), merge(base.pii, incoming.pii), incoming.provenance or base.provenance)


#: PostgreSQL: one array parameter, each hash looked up through ix_blind_index_hmac (see below).
_FIND_PG = (
    "SELECT wanted.hmac, b.entity_id FROM unnest(%s::bigint[]) AS wanted(hmac)"
    " CROSS JOIN LATERAL (SELECT entity_id FROM blind_index b WHERE b.hmac = wanted.hmac AND b.kind = %s"
    " ORDER BY entity_id LIMIT 1) b"
)

_FIND_SQLITE = "SELECT hmac, entity_id FROM blind_index WHERE kind = ? AND hmac IN ({hmacs}) ORDER BY entity_id"


def find_by_blind_index(tx: sa.Connection, kind: str, hmacs: Iterable[int]) -> dict[int, str]:
    """{hmac: entity id} for live (not erased) entities of ``kind`` — one query per 500 hashes.

    When several entities share a hash the lowest id wins, on both backends. On PostgreSQL the
    hashes go as one array looked up one by one through the index: an ``IN (...)`` list is planned
    as a scan while a fresh database has no statistics, making each batch of a first load O(table).
    """
    wanted = sorted(set(hmacs))
    found: dict[int, str] = {}
    if tx.dialect.name == "postgresql":
        for chunk in chunks(wanted):
            found.update(bulk.fetch_all(tx, _FIND_PG, (chunk, kind)))
        return found
    for chunk in chunks(wanted):
        for hmac_, entity_id in bulk.fetch_all(tx, _FIND_SQLITE.format(hmacs=", ".join("?" * len(chunk))), (kind, *chunk)):
            found.setdefault(hmac_, entity_id)
    return found


def foreign_ids(external_ids: Mapping[str, Any], system: str) -> list[tuple[str, str]]:
    """The ``(system, id)`` pairs a record's ``external_ids`` name besides its own system's.

    Example:
        >>> foreign_ids({"acme_ai": "R1", "greenhouse": "2001"}, "acme_ai")
        [('greenhouse', '2001')]
    """
    return [(other, str(value)) for other, value in external_ids.items() if other != system and value not in (None, "")]


def find_by_external_ids(tx: sa.Connection, kind: str, claims: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """{(system, external id): entity id} for the claimed ids that live (not erased) entities of ``kind``
    hold — one query per system and 500 ids."""
    wanted: dict[str, set[str]] = {}
    for system, external_id in claims:
        wanted.setdefault(system, set()).add(external_id)
    x, e = t.external_ids, t.entities
    found: dict[tuple[str, str], str] = {}
    for system, ids in sorted(wanted.items()):
        for chunk in chunks(sorted(ids)):
            rows = tx.execute(sa.select(x.c.external_id, x.c.entity_id).join(e, e.c.id == x.c.entity_id).where(
                x.c.system == system, x.c.kind == kind, x.c.external_id.in_(chunk), e.c.erased.is_(False)))
            found.update(((system, external_id), entity_id) for external_id, entity_id in rows)
    return found


@dataclass(frozen=True)
class Merge:
    """One row of ``merges``: a record resolved into ``survivor_id``, with both sides encrypted.

    ``before`` is the survivor as it was, ``incoming`` the record as it arrived (tokens whose AAD
    names this merge), so :meth:`Merges.unmerge` can restore both.
    """

    id: str
    kind: str
    survivor_id: str
    system: str
    external_id: str
    rule: str
    before: str
    incoming: str
    created_at: dt.datetime


class Merges:
    """Records merges, lists them and undoes them.

    Example:
        >>> from hub.core.crypto import KeyRing
        >>> db = Database.open("sqlite://"); db.upgrade(); codec = EntityCodec(KeyRing.generate())
        >>> merges = Merges(db, codec, EntityWriter(db, codec), AuditLog(db))
        >>> merges.of("no-such-entity")
        []
    """

    def __init__(self, db: Database, codec: EntityCodec, writer: EntityWriter, audit: AuditLog) -> None:
        self._db = db
        self._codec = codec
        self._writer = writer
        self._audit = audit

    def new(
        self, kind: str, survivor: str, system: str, external_id: str, rule: str, before: Snapshot, incoming: Snapshot
    ) -> Merge:
        """The merge of ``system``'s record ``external_id`` into ``survivor`` by ``rule``, not yet recorded."""
        merge_id = new_id()
        encrypt = self._codec.keyring.encrypt
        return Merge(
            merge_id, kind, survivor, system, external_id, rule,
            encrypt(before.to_json(), aad=("merge", merge_id, "before")),
            encrypt(incoming.to_json(), aad=("merge", merge_id, "incoming")),
            self._db.now(),
        )

    def record(self, tx: sa.Connection, merges: list[Merge]) -> None:
        """Write ``merges`` and their audit entries in ``tx``, after the survivors were written."""
        tx.execute(t.merges.insert(), [asdict(merge) for merge in merges])
        for merge in merges:
            detail = {"merge_id": merge.id, "system": merge.system, "external_id": merge.external_id, "rule": merge.rule}
            self._audit.add(tx, "identity-resolution", "merge", merge.survivor_id, detail)
        bulk.refresh_deleted_flags(tx, [merge.survivor_id for merge in merges])

    def of(self, entity_id: str) -> list[dict[str, Any]]:
        """Merges into ``entity_id`` (without their encrypted snapshots), oldest first."""
        m = t.merges
        cols = [c for c in m.c if c.name not in ("before", "incoming")]
        with self._db.reading() as conn:
            rows = conn.execute(sa.select(*cols).where(m.c.survivor_id == entity_id).order_by(m.c.created_at))
            return [dict(row) for row in rows.mappings()]

    def unmerge(self, merge_id: str, *, actor: str = "system") -> str:
        """Undo a merge; returns the id of the entity the merged-in record now lives in.

        Raises:
            StoreError: unknown merge, already undone, or its snapshots were erased.
        """
        codec, write = self._codec, self._writer.write_one
        with self._db.transaction() as tx:
            merge = tx.execute(sa.select(t.merges).where(t.merges.c.id == merge_id)).mappings().first()
            if merge is None:
                raise StoreError("no such merge", record_id=merge_id)
            if merge["undone_at"] is not None:
                raise StoreError(f"merge was already undone into entity {merge['split_entity_id']}", record_id=merge_id)
            if not merge["before"] or not merge["incoming"]:
                raise StoreError("merge snapshots were erased; it cannot be undone", record_id=merge_id)
            decrypt = codec.keyring.decrypt
            before = Snapshot.from_json(decrypt(merge["before"], aad=("merge", merge_id, "before")))
            incoming = Snapshot.from_json(decrypt(merge["incoming"], aad=("merge", merge_id, "incoming")))
            kind, survivor = merge["kind"], merge["survivor_id"]
            split_id = new_id()
            now = self._db.now()
            write(tx, kind, split_id, incoming, version=0, origin=merge["system"], op="unmerge")
            tx.execute(
                t.external_ids.update()
                .where(
                    t.external_ids.c.system == merge["system"],
                    t.external_ids.c.kind == kind,
                    t.external_ids.c.external_id == merge["external_id"],
                )
                .values(entity_id=split_id, content_hash=codec.content_hash(kind, incoming))
            )
            bulk.refresh_deleted_flags(tx, [split_id])
            version = tx.execute(sa.select(t.entities.c.version).where(t.entities.c.id == survivor)).scalar_one()
            before.data["external_ids"] = {
                s: x for s, x in before.data.get("external_ids", {}).items() if (s, x) != (merge["system"], merge["external_id"])
            }
            write(tx, kind, survivor, before, version=version, origin=merge["system"], op="unmerge")
            tx.execute(
                t.merges.update().where(t.merges.c.id == merge_id).values(undone_at=now, split_entity_id=split_id)
            )
            self._audit.add(tx, actor, "unmerge", survivor, {"merge_id": merge_id, "split_entity_id": split_id})
        return split_id
