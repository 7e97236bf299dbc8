"""Finding records for an operator (``hub records``): by blind-indexed PII or a system's id, any kind,
and reading one back for a person, its PII in plaintext, through an audited read.

Why in the store: a person's phone, national ID or email is searchable only through the keyed blind
index, and an operator's plaintext read must leave its audit entry in the same transaction as the
read, so what an operator is shown is recorded before it is shown. A lookup names what it finds by ids and state only
(:class:`RecordIds`); masking what is shown of the fields is the caller's (``hub.core.models.masked``).

Example:
    >>> from hub.core.crypto import KeyRing
    >>> db = Database.open("sqlite://"); db.upgrade(); codec = EntityCodec(KeyRing.generate())
    >>> lookup = RecordLookup(db, codec, EntityReader(db, codec), AuditLog(db))
    >>> lookup.by_pii("phones", "+8613800138000"), lookup.ids_of("no-such-entity")
    ([], None)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from hub.core.errors import StoreError
from hub.core.models import Entity, pii_fields
from hub.core.store import schema as t
from hub.core.store.bookkeeping import AuditLog
from hub.core.store.codec import BLIND_INDEXED, EntityCodec
from hub.core.store.database import Database
from hub.core.store.reads import EntityReader

__all__ = ["RecordIds", "RecordLookup"]

#: The audit action of a plaintext read (``detail``: the kind and the names of the PII fields read).
READ_PII = "read_pii"


@dataclass(frozen=True)
class RecordIds:
    """What names one stored entity without its PII: kind, hub id, each system's id for it, its state.

    Example:
        >>> RecordIds("candidate", "c-1", {"beisen": "7"}, erased=False, deleted=False).external_ids
        {'beisen': '7'}
    """

    kind: str
    id: str
    external_ids: dict[str, str]
    erased: bool
    deleted: bool


class RecordLookup:
    """Finds entities by a blind-indexed value or an external id, and reads one back audited."""

    def __init__(self, db: Database, codec: EntityCodec, reader: EntityReader, audit: AuditLog) -> None:
        self._db = db
        self._codec = codec
        self._reader = reader
        self._audit = audit

    def by_pii(self, field: str, value: str, kind: str | None = None) -> list[RecordIds]:
        """Entities whose blind-indexed ``field`` holds ``value`` (compared as the index normalizes it).

        ``value`` must be in the form the record path stores (E.164 phones, a compacted resident ID):
        the index hashes what was stored, so the caller normalizes a query as the mapping does.
        Erased entities have no blind indexes left, so they are never found this way.
        """
        if field not in BLIND_INDEXED:
            raise StoreError(f"no blind index on this field; searchable: {', '.join(BLIND_INDEXED)}",
                             field_path=field)
        b = t.blind_index
        query = sa.select(b.c.entity_id).where(b.c.field == field, b.c.hmac == self._codec.keyring.blind_index(field, value))
        return self._named(query if kind is None else query.where(b.c.kind == kind))

    def by_external_id(self, system: str, external_id: str, kind: str | None = None) -> list[RecordIds]:
        """Entities ``system`` knows as ``external_id`` (one per kind at most)."""
        x = t.external_ids
        query = sa.select(x.c.entity_id).where(x.c.system == system, x.c.external_id == external_id)
        return self._named(query if kind is None else query.where(x.c.kind == kind))

    def ids_of(self, entity_id: str) -> RecordIds | None:
        """The kind, external ids and state of the entity with hub id ``entity_id`` (None if absent)."""
        found = self._named(sa.select(t.entities.c.id).where(t.entities.c.id == entity_id))
        return found[0] if found else None

    def read_pii(self, entity_id: str, actor: str) -> Entity:
        """The entity with its PII decrypted, for ``actor``: the audit entry (who, which entity, which
        PII fields; no values) is written in the transaction of the read, so it commits before the
        plaintext is returned. StoreError if there is no such entity."""
        with self._db.transaction() as tx:
            kind = tx.execute(sa.select(t.entities.c.kind).where(t.entities.c.id == entity_id)).scalar_one_or_none()
            if kind is None:
                raise StoreError("no such entity", record_id=entity_id)
            entity = self._reader.get(kind, entity_id, tx=tx)
            self.audit_reads(tx, actor, [entity])
        return entity

    def audit_reads(self, tx: sa.Connection, actor: str, entities: Iterable[Entity]) -> None:
        """Record in ``tx`` that ``actor`` reads ``entities`` with their PII in plaintext: one entry
        each (which entity, which PII fields it holds; no values). The caller's transaction is the
        read's, so the entries commit before the plaintext is shown."""
        for entity in entities:
            read = sorted(name for name in pii_fields(type(entity)) if getattr(entity, name) not in (None, [], {}))
            self._audit.add(tx, actor, READ_PII, entity.id, {"kind": entity.kind, "fields": read})

    def _named(self, entity_ids: sa.Select) -> list[RecordIds]:
        """The entities whose ids ``entity_ids`` selects, by kind then id, with their external ids."""
        e, x = t.entities, t.external_ids
        with self._db.reading() as conn:
            rows = conn.execute(sa.select(e.c.kind, e.c.id, e.c.erased, e.c.deleted_at)
                                .where(e.c.id.in_(entity_ids)).order_by(e.c.kind, e.c.id)).all()
            external: dict[str, dict[str, str]] = {}
            for entity_id, system, external_id in conn.execute(
                sa.select(x.c.entity_id, x.c.system, x.c.external_id).where(x.c.entity_id.in_(entity_ids))
                .order_by(x.c.system)
            ):
                external.setdefault(entity_id, {})[system] = external_id
        return [RecordIds(kind, entity_id, external.get(entity_id, {}), erased=bool(erased), deleted=deleted_at is not None)
                for kind, entity_id, erased, deleted_at in rows]
