"""Reading entities back: by hub id (decrypted), by a source's external id, and the change feed.

Example:
    >>> from hub.core.crypto import KeyRing
    >>> from hub.core.store.codec import EntityCodec
    >>> from hub.core.store.database import Database
    >>> db = Database.open("sqlite://"); db.upgrade()
    >>> reads = EntityReader(db, EntityCodec(KeyRing.generate()))
    >>> reads.find("ats", "1"), reads.changes()
    (None, [])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub.core.chunks import chunks
from hub.core.errors import StoreError
from hub.core.models import Entity
from hub.core.store import schema as t
from hub.core.store.codec import EntityCodec
from hub.core.store.database import Database

__all__ = ["Change", "EntityReader"]


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
        e, x = t.entities, t.external_ids
        rows: dict[str, Any] = {}
        external: dict[str, dict[str, str]] = {}
        with self._db.reading(tx) as conn:
            for chunk in chunks(entity_ids):
                for row in conn.execute(sa.select(e).where(e.c.kind == kind, e.c.id.in_(chunk))).mappings():
                    rows[row["id"]] = row
                for system, external_id, entity_id in conn.execute(
                    sa.select(x.c.system, x.c.external_id, x.c.entity_id).where(x.c.entity_id.in_(chunk))
                ):
                    external.setdefault(entity_id, {})[system] = external_id
        return [self._codec.build(kind, i, rows[i], external.get(i, {})) for i in entity_ids if i in rows]

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

    def changes(self, after_seq: int = 0, limit: int = 100) -> list[Change]:
        """The change feed: entries with ``seq > after_seq`` in order, at most ``limit``."""
        c = t.change_log
        with self._db.reading() as conn:
            rows = conn.execute(sa.select(c).where(c.c.seq > after_seq).order_by(c.c.seq).limit(limit)).mappings()
            return [Change(**row) for row in rows]
