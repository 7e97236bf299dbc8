"""The records a token may read (the HTTP service's read API): lists with filters and keyset pages,
one record by hub id, look-ups by external id or blind-indexed PII — every query under a
:class:`~hub.core.access.Grant`.

Why in the store: the grant's scope (:func:`~hub.core.store.scope.visible`) is a condition of the
same SQL query that finds the records, so a record outside it is never loaded, counted or told apart
from one that does not exist; and a plaintext read with ``pii:read`` writes its audit entries in the
transaction of the read, so they commit before the plaintext is shown.

Pages are ordered by hub id, and a cursor is the last id of a page. Ids never change, so paging is
stable while writes go on: every record that exists from the first page to the last and matches the
filters throughout is returned exactly once, in its state when its page was read (an update does not
move it; an ``updated_at`` order would return it again); a record created meanwhile appears once if
its id sorts after the cursor (ids are time-ordered UUIDs, so new records usually land at the end),
else not at all.

Example:
    >>> from hub.core.access import Grant, Role
    >>> from hub.core.crypto import KeyRing
    >>> from hub.core.store.bookkeeping import AuditLog
    >>> db = Database.open("sqlite://"); db.upgrade(); codec = EntityCodec(KeyRing.generate())
    >>> reader = EntityReader(db, codec)
    >>> catalog = Catalog(db, codec, reader, RecordLookup(db, codec, reader, AuditLog(db)))
    >>> catalog.page(Grant("t", "hr", Role.HR_ADMIN), "candidate", RecordFilter(), after=None, limit=10)
    Page(records=[], next_after=None)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from hub.core.access import Grant
from hub.core.errors import StoreError
from hub.core.models import Entity
from hub.core.store import schema as t
from hub.core.store.codec import BLIND_INDEXED, EntityCodec
from hub.core.store.database import Database
from hub.core.store.lookup import RecordLookup
from hub.core.store.reads import EntityReader
from hub.core.store.scope import department_of, job_of, json_text, visible

__all__ = ["Catalog", "Page", "Record", "RecordFilter", "FILTERABLE"]

#: The field of ``entities.data`` the ``status`` filter compares, by kind.
_STATUS_FIELD = {"application": "status", "interview": "status", "offer": "status", "job": "status",
                 "employee": "employment_status"}

#: Which filters apply to which kinds (the others apply to every kind): a filter that could never
#: match a kind is refused rather than answered with an empty list.
FILTERABLE: dict[str, frozenset[str]] = {
    "job": frozenset({"application", "interview", "assessment", "feedback", "offer"}),
    "department": frozenset({"job", "application", "interview", "assessment", "feedback", "offer", "employee"}),
    "status": frozenset(_STATUS_FIELD),
}


@dataclass(frozen=True)
class RecordFilter:
    """What a list asks for besides the grant's scope; None means no condition.

    Attributes:
        job: the hub id of the job (an application's, an assessment's, or their application's).
        department: the department as jobs name it (an employee's own).
        status: an application's or offer's ``status``, a job's, an employee's ``employment_status``.
        system: records that system has an external id for.
        updated_since, updated_before: ``updated_since <= entities.updated_at < updated_before``.
        deleted: False lists live records only, True deleted ones only.

    Example:
        >>> RecordFilter(status="hired").status
        'hired'
    """

    job: str | None = None
    department: str | None = None
    status: str | None = None
    system: str | None = None
    updated_since: dt.datetime | None = None
    updated_before: dt.datetime | None = None
    deleted: bool = False

    def refused_for(self, kind: str) -> list[str]:
        """The filters given that never apply to records of ``kind``.

        Example:
            >>> RecordFilter(job="j-1", status="x").refused_for("candidate")
            ['job', 'status']
        """
        return [name for name, kinds in FILTERABLE.items() if getattr(self, name) is not None and kind not in kinds]


@dataclass(frozen=True)
class Record:
    """One record as read: the entity (PII decrypted; the caller masks it), its version and deleted marker."""

    entity: Entity
    version: int
    deleted_at: dt.datetime | None


@dataclass(frozen=True)
class Page:
    """The records of one page, in id order, and the id to continue after (None on the last page)."""

    records: list[Record]
    next_after: str | None


class Catalog:
    """Reads records under a grant; with ``pii_read``, the reads are audited in their own transaction."""

    def __init__(self, db: Database, codec: EntityCodec, reader: EntityReader, lookup: RecordLookup) -> None:
        self._db = db
        self._codec = codec
        self._reader = reader
        self._lookup = lookup

    def page(self, grant: Grant, kind: str, filters: RecordFilter, *, after: str | None, limit: int) -> Page:
        """Up to ``limit`` records of ``kind`` that ``grant`` sees and ``filters`` match, with ids after ``after``.

        Raises:
            StoreError: a filter that never applies to ``kind`` (:meth:`RecordFilter.refused_for`).
        """
        if refused := filters.refused_for(kind):
            raise StoreError(f"filter(s) {', '.join(refused)} do not apply to {kind} records", entity=kind)
        e = t.entities
        query = sa.select(e.c.id).where(e.c.kind == kind, visible(grant), *self._conditions(kind, filters))
        if after is not None:
            query = query.where(e.c.id > after)
        records, more = self._read(grant, kind, query.order_by(e.c.id).limit(limit + 1), limit=limit)
        return Page(records, records[-1].entity.id if more else None)

    def get(self, grant: Grant, kind: str, entity_id: str) -> Record | None:
        """The record of ``kind`` with hub id ``entity_id`` if ``grant`` sees it; None when it is absent
        or outside the scope alike (deleted records are returned, with their marker)."""
        e = t.entities
        found, _ = self._read(grant, kind, sa.select(e.c.id).where(e.c.kind == kind, e.c.id == entity_id, visible(grant)))
        return found[0] if found else None

    def by_pii(self, grant: Grant, field: str, value: str) -> list[Record]:
        """The records ``grant`` sees whose blind-indexed ``field`` holds ``value`` (already normalized
        as the record path stores it), every readable kind, by kind then id."""
        if field not in BLIND_INDEXED:
            raise StoreError(f"no blind index on this field; searchable: {', '.join(BLIND_INDEXED)}", field_path=field)
        b = t.blind_index
        return self._found(grant, sa.select(b.c.entity_id).where(
            b.c.field == field, b.c.hmac == self._codec.keyring.blind_index(field, value)))

    def by_external_id(self, grant: Grant, system: str, external_id: str) -> list[Record]:
        """The records ``grant`` sees that ``system`` knows as ``external_id`` (one per kind at most)."""
        x = t.external_ids
        return self._found(grant, sa.select(x.c.entity_id).where(x.c.system == system, x.c.external_id == external_id))

    def _found(self, grant: Grant, entity_ids: sa.Select) -> list[Record]:
        """The records among ``entity_ids`` (any kinds) that ``grant`` sees, by kind then id."""
        e = t.entities
        with self._db.reading() as conn:
            kinds = sorted(conn.execute(sa.select(e.c.kind).distinct()
                                        .where(e.c.id.in_(entity_ids), visible(grant))).scalars())
        return [record for kind in kinds for record in self._read(
            grant, kind, sa.select(e.c.id).where(e.c.kind == kind, e.c.id.in_(entity_ids), visible(grant)).order_by(e.c.id))[0]]

    @staticmethod
    def _conditions(kind: str, filters: RecordFilter) -> list[sa.ColumnElement[bool]]:
        e, x = t.entities, t.external_ids
        conditions = [e.c.deleted_at.is_not(None) if filters.deleted else e.c.deleted_at.is_(None)]
        if filters.job is not None:
            conditions.append(job_of(e) == filters.job)
        if filters.department is not None:
            conditions.append(department_of(e) == filters.department)
        if filters.status is not None:
            conditions.append(json_text(e.c.data, _STATUS_FIELD[kind]) == filters.status)
        if filters.system is not None:
            conditions.append(sa.exists().where(x.c.entity_id == e.c.id, x.c.system == filters.system))
        if filters.updated_since is not None:
            conditions.append(e.c.updated_at >= filters.updated_since)
        if filters.updated_before is not None:
            conditions.append(e.c.updated_at < filters.updated_before)
        return conditions

    def _read(self, grant: Grant, kind: str, entity_ids: sa.Select, *, limit: int | None = None) -> tuple[list[Record], bool]:
        """The records of ``kind`` whose ids ``entity_ids`` selects, in id order, the first ``limit``
        of them, and whether it selected more; read in one transaction that also writes the audit
        entries when ``grant`` reads PII in plaintext (only for the records returned).

        The rows come from the statement that applies the scope (``entity_ids`` is its subquery), so
        what is returned is what the scope admitted, even on PostgreSQL where each statement of a
        READ COMMITTED transaction sees its own snapshot."""
        e = t.entities
        ordered = entity_ids.subquery()
        query = sa.select(e).join(ordered, ordered.c.id == e.c.id).order_by(e.c.id)  # every caller's order
        with self._db.transaction() if grant.pii_read else self._db.reading() as conn:
            rows = list(conn.execute(query).mappings())
            more, rows = limit is not None and len(rows) > limit, rows[:limit]
            entities = self._reader.built(conn, kind, rows)
            if grant.pii_read:
                self._lookup.audit_reads(conn, grant.actor, entities)
        return [Record(entity, row["version"], row["deleted_at"]) for entity, row in zip(entities, rows, strict=True)], more
