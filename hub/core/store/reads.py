"""Reading entities back: by hub id (decrypted), by a source's external id, as stored (the change feed: :mod:`~hub.core.store.feed`).

Example:
    >>> from hub.core.crypto import KeyRing
    >>> from hub.core.store.codec import EntityCodec
    >>> from hub.core.store.database import Database
    >>> db = Database.open("sqlite://"); db.upgrade()
    >>> reads = EntityReader(db, EntityCodec(KeyRing.generate()))
    >>> reads.find("ats", "1"), reads.count("ats", "job")
    (None, 0)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from hub.core.chunks import chunks
from hub.core.errors import StoreError
from hub.core.models import Entity
from hub.core.store import bulk
from hub.core.store import schema as t
from hub.core.store.codec import EntityCodec, field_texts
from hub.core.store.database import Database

__all__ = ["EntityReader"]

class EntityReader:
    """Entities as stored, PII decrypted with ``codec``; reads run in ``tx`` when given one."""

    def __init__(self, db: Database, codec: EntityCodec) -> None:
        self._db = db
        self._codec = codec

    def deleted_at(self, kind: str, entity_id: str, *, tx: sa.Connection | None = None) -> dt.datetime | None:
        """When the entity was marked deleted (UTC), or None while it is live. StoreError if absent."""
        e = t.entities
        with self._db.reading(tx) as conn:
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
        e = t.entities
        rows: dict[str, Any] = {}
        with self._db.reading(tx) as conn:
            for chunk in chunks(entity_ids):
                rows.update((row["id"], row) for row in conn.execute(
                    sa.select(e).where(e.c.kind == kind, e.c.id.in_(chunk))).mappings())
            return self.built(conn, kind, [rows[i] for i in entity_ids if i in rows])

    def built(self, conn: sa.Connection, kind: str, rows: Sequence[Any]) -> list[Entity]:
        """The entities of ``kind`` that ``rows`` of ``entities`` (mappings) hold, decrypted, in their
        order, with their external ids read on ``conn``."""
        x = t.external_ids
        external: dict[str, dict[str, str]] = {}
        for chunk in chunks([row["id"] for row in rows]):
            for system, external_id, entity_id in conn.execute(
                sa.select(x.c.system, x.c.external_id, x.c.entity_id).where(x.c.entity_id.in_(chunk))
            ):
                external.setdefault(entity_id, {})[system] = external_id
        return [self._codec.build(kind, row["id"], row, external.get(row["id"], {})) for row in rows]

    def find(self, system: str, external_id: str, kind: str | None = None) -> str | None:
        """The hub id of the entity ``system`` knows as ``external_id`` (StoreError if ambiguous)."""
        x = t.external_ids
        query = sa.select(x.c.entity_id, x.c.kind).where(x.c.system == system, x.c.external_id == external_id)
        if kind is not None:
            query = query.where(x.c.kind == kind)
        with self._db.reading() as conn:
            rows = conn.execute(query).all()
        if len(rows) > 1:
            raise StoreError(
                f"external id is used by several kinds ({', '.join(r[1] for r in rows)}); pass kind=", system=system, record_id=external_id
            )
        return rows[0][0] if rows else None

    def versions(self, tx: sa.Connection, entity_ids: Iterable[str]) -> dict[str, int]:
        """``{entity id: current version}`` of those of ``entity_ids`` that are stored, in ``tx``."""
        e, found = t.entities, {}
        for chunk in chunks(entity_ids):
            found.update((entity_id, version) for entity_id, version in tx.execute(
                sa.select(e.c.id, e.c.version).where(e.c.id.in_(chunk))))
        return found

    def known(self, system: str, kind: str, external_ids: Iterable[str]) -> set[str]:
        """Which of ``external_ids`` ``system`` has stored as records of ``kind``."""
        x = t.external_ids
        query = sa.select(x.c.external_id).where(
            x.c.system == system, x.c.kind == kind, x.c.external_id.in_(sa.bindparam("ids", expanding=True))
        )
        found: set[str] = set()
        with self._db.reading() as conn:
            for chunk in chunks(sorted(set(external_ids))):
                found.update(conn.execute(query, {"ids": chunk}).scalars())
        return found

    def count(self, system: str, kind: str) -> int:
        """How many records of ``kind`` ``system`` has stored."""
        x = t.external_ids
        with self._db.reading() as conn:
            return int(conn.execute(sa.select(sa.func.count()).where(x.c.system == system, x.c.kind == kind)).scalar_one())

    def fields_as_stored(
        self, system: str, kind: str, external_ids: Sequence[str], *, chunk_size: int
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(external id, {field: JSON text})`` — the row's data fields and its decrypted PII, as
        stored — for those of ``external_ids`` that ``system`` has stored, ``chunk_size`` ids a query.

        The stored row is read as it is (no model is rebuilt, no value parsed): reconciliation
        compares what the store holds, so it must not be normalized by the same code that wrote it.
        Yielded one at a time so the caller digests each record and drops it.
        """
        pii_texts = self._codec.pii_texts
        with self._db.reading() as conn:
            for chunk in chunks(external_ids, chunk_size):
                for ext, entity_id, data, pii in bulk.by_external_id(conn, system, kind, chunk, read="content"):
                    texts = field_texts(data)
                    texts.update((name, text.encode()) for name, text in pii_texts(kind, entity_id, pii).items())
                    yield ext, texts
