"""The external-id map as delivery uses it: read a target's ids, record the ids a target assigns.

Recording an id is a write to ``external_ids`` only — no new entity version, no change-log entry —
so the link does not trigger routes again (no echo). Its ``content_hash`` stays empty: when the
target's own records are synced later, the first one is an ordinary update whose origin is the
target, and loop prevention keeps it from being delivered back. Part of the store so that delivery
(:mod:`hub.core.delivery.runner`) keeps to the store's public names.

Example:
    >>> from hub.core.store.database import Database
    >>> db = Database.open("sqlite://"); db.upgrade()
    >>> with db.transaction() as tx:
    ...     external_ids_of(tx, "payroll", ["e1"])
    {}
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from hub.core.errors import StoreError
from hub.core.store import bulk
from hub.core.store import schema as t

__all__ = ["external_ids_of", "link_external_id"]


def external_ids_of(conn: sa.Connection, system: str, entity_ids: Iterable[str]) -> dict[str, str]:
    """Hub id → the id ``system`` has for it, for those of ``entity_ids`` that have one."""
    ids = sorted(set(entity_ids))
    if not ids:
        return {}
    x = t.external_ids
    rows = conn.execute(sa.select(x.c.entity_id, x.c.external_id).where(x.c.system == system, x.c.entity_id.in_(ids)))
    return {entity_id: external_id for entity_id, external_id in rows}


def link_external_id(tx: sa.Connection, system: str, kind: str, external_id: str, entity_id: str) -> None:
    """Record that ``system`` knows ``entity_id`` as ``external_id`` (idempotent).

    Raises:
        StoreError: ``system`` already uses that id for another entity (the target answered with an id
            that belongs to someone else: never re-point it silently).
    """
    x = t.external_ids
    owner = tx.execute(
        sa.select(x.c.entity_id).where(x.c.system == system, x.c.kind == kind, x.c.external_id == external_id)
    ).scalar_one_or_none()
    if owner == entity_id:
        return
    if owner is not None:
        raise StoreError(f"{system} id is already linked to entity {owner}", system=system, entity=kind,
                         record_id=entity_id, external_id=external_id)
    tx.execute(x.insert().values(system=system, kind=kind, external_id=external_id, entity_id=entity_id, content_hash=None))
    bulk.refresh_deleted_flags(tx, [entity_id])
