"""The change feed: change-log entries in ``seq`` order, each with the entity's state at that version.

A consumer follows the hub by remembering one number, the last ``seq`` it read, and asking for what
comes after it. That holds because entries become visible in ``seq`` order
(:func:`~hub.core.store.writes.lock_change_log`) and because no filter here reorders them: the kinds
and the grant's scope only leave entries out of the one ``ORDER BY seq`` query.

Each entry carries the state its change wrote (``change_log.data`` / ``change_log.pii``, filled with
the entity row since revision 0010; a deletion keeps the state it deleted, an erasure the skeleton it
left). Entries written before 0010 have none and are served with the entity's current state.

Under a grant, whether an entry is visible is decided on the entity's **current** state (its job's
department today, say), in SQL, with :func:`~hub.core.store.scope.visible` on the joined entity row:
a record moved out of a department takes its history with it, so a department head never reads
versions of a record it may no longer see. The changes of an entity that is no longer stored (merged
into another) are not served to a grant, since no scope can be decided for them. PII is masked
(:func:`~hub.core.errors.mask`, as :func:`hub.core.models.masked` does) unless the grant holds
``pii:read``; then the page's plaintext reads are audited in one transaction before it is returned,
one entry per entity.

Example:
    >>> from hub.core.crypto import KeyRing
    >>> from hub.core.store.bookkeeping import AuditLog
    >>> db = Database.open("sqlite://"); db.upgrade()
    >>> ChangeFeed(db, EntityCodec(KeyRing.generate()), AuditLog(db)).page()
    []
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub.core.access import Grant
from hub.core.errors import mask
from hub.core.store import schema as t
from hub.core.store.bookkeeping import AuditLog
from hub.core.store.codec import EntityCodec, loads
from hub.core.store.database import Database
from hub.core.store.lookup import READ_PII
from hub.core.store.scope import visible

__all__ = ["Change", "ChangeFeed"]


@dataclass(frozen=True)
class Change:
    """One change-log entry: the feed consumers read in ``seq`` order.

    ``entity`` is the entity's state at ``version`` as JSON data, rendered for the grant the page
    was read under (None when read without one: the operator's view of the log).
    """

    seq: int
    entity_id: str
    kind: str
    version: int
    op: str
    origin: str | None
    at: dt.datetime
    entity: dict[str, Any] | None = None


_LOG = t.change_log
_ENTRY = (_LOG.c.seq, _LOG.c.entity_id, _LOG.c.kind, _LOG.c.version, _LOG.c.op, _LOG.c.origin, _LOG.c.at)


class ChangeFeed:
    """Pages of the change feed on ``db``; PII decrypted with ``codec``, plaintext reads audited in ``audit``."""

    def __init__(self, db: Database, codec: EntityCodec, audit: AuditLog) -> None:
        self._db = db
        self._codec = codec
        self._audit = audit

    def page(
        self, after_seq: int = 0, limit: int = 100, *, kinds: Collection[str] | None = None, grant: Grant | None = None
    ) -> list[Change]:
        """Entries with ``seq > after_seq`` in ``seq`` order, at most ``limit``, of ``kinds`` (all if None).

        With a ``grant``: only entries of entities it may see, each with its state rendered for it.
        """
        query = sa.select(*_ENTRY).where(_LOG.c.seq > after_seq).order_by(_LOG.c.seq).limit(limit)
        if kinds is not None:
            query = query.where(_LOG.c.kind.in_(sorted(kinds)))
        if grant is None:
            with self._db.reading() as conn:
                return [Change(*row[:6], t.as_utc(row[6])) for row in conn.execute(query)]
        e = t.entities
        with self._db.reading() as conn:
            query = (query.add_columns(sa.func.coalesce(_LOG.c.data, e.c.data),
                                       sa.case((_LOG.c.data.is_(None), e.c.pii), else_=_LOG.c.pii),
                                       _external_ids(conn.dialect.name, e.c.id))
                     .join_from(_LOG, e, e.c.id == _LOG.c.entity_id).where(visible(grant, e)))
            rows = conn.execute(query).all()
        if grant.pii_read and rows:
            self._audit_reads(grant, rows)
        state = self._plaintext if grant.pii_read else self._masked
        return [Change(*row[:6], t.as_utc(row[6]), state(row[2], row[1], row[7], row[8], _as_dict(row[9]))) for row in rows]

    def _masked(self, kind: str, entity_id: str, data: str, pii: str | None, external: dict[str, str]) -> dict[str, Any]:
        """The state as :func:`hub.core.models.masked` shows it: PII masked, empty PII and None left out."""
        state = _state(entity_id, data, external)
        for name, value in self._codec.decrypt_pii(kind, entity_id, pii).items():
            if value not in (None, [], {}):
                state[name] = mask(value)
        return state

    def _plaintext(self, kind: str, entity_id: str, data: str, pii: str | None, external: dict[str, str]) -> dict[str, Any]:
        state = _state(entity_id, data, external)
        state.update((name, value) for name, value in self._codec.decrypt_pii(kind, entity_id, pii).items()
                     if value is not None)
        return state

    def _audit_reads(self, grant: Grant, rows: Sequence[Any]) -> None:
        """One audit entry per entity whose PII the page shows (which versions and fields; no values),
        committed before the page is returned."""
        read: dict[str, dict[str, Any]] = {}
        for row in rows:
            if row[8]:
                entry = read.setdefault(row[1], {"kind": row[2], "versions": [], "fields": set()})
                entry["versions"].append(row[3])
                entry["fields"].update(loads(row[8]))
        with self._db.transaction() as tx:
            for entity_id, entry in read.items():
                detail = {"kind": entry["kind"], "via": "change_feed", "versions": entry["versions"],
                          "fields": sorted(entry["fields"])}
                self._audit.add(tx, grant.actor, READ_PII, entity_id, detail)


def _state(entity_id: str, data: str, external: dict[str, str]) -> dict[str, Any]:
    state: dict[str, Any] = {"id": entity_id, "external_ids": external}
    state.update((name, value) for name, value in loads(data).items() if value is not None)
    return state


def _external_ids(dialect: str, entity_id: sa.ColumnElement[Any]) -> sa.ScalarSelect[Any]:
    """The entity's ``{system: external id}`` as one JSON value, in the page's own query (one round
    trip fewer; external ids are not versioned: today's)."""
    x = t.external_ids
    aggregate = sa.func.json_object_agg if dialect == "postgresql" else sa.func.json_group_object
    return sa.select(aggregate(x.c.system, x.c.external_id)).where(x.c.entity_id == entity_id).scalar_subquery()


def _as_dict(value: Any) -> dict[str, str]:
    """The aggregate as the driver gives it: parsed by psycopg, JSON text from SQLite, None for no rows."""
    return value if isinstance(value, dict) else loads(value) if value else {}
