"""Batched writes and the batch lookup through the DBAPI: one ``executemany`` per table per batch.

Why not SQLAlchemy Core statements: an ``insert()`` executed with a list of dicts compiles once but
still builds and type-processes a parameter dict per row (``construct_params``), which cost more than
the database work on the upsert hot path. Here rows are plain tuples in column order and the only
per-value conversion — timestamps and booleans, which SQLite stores as text and integers — is done
once per batch with the column type's own bind processor (:func:`bind`), so the stored values are
exactly what SQLAlchemy would have written and the Core read paths parse them back unchanged.

:func:`by_external_id` is the batch's lookup of stored source records (and reconciliation's
read-back of them), written per backend because PostgreSQL plans the portable ``IN (...)`` form
badly on a fresh database.

Statements run on the transaction's own DBAPI cursor, not through ``Connection.exec_driver_sql``:
its execution machinery (events, an execution context and a result object per statement, for the ten
or so statements of each page) was 3 % of the instructions of a sync's committing process. What it gave is
kept: the statements run in the caller's transaction, and a driver error is wrapped exactly as
SQLAlchemy wraps it (``DBAPIError.instance``, parameters hidden), so :meth:`Store.transaction` turns
it into a ``StoreError`` and rolls back. On PostgreSQL psycopg 3 runs ``executemany`` in pipeline
mode (one round trip per batch, not per row).

Example:
    >>> import datetime as dt
    >>> import sqlalchemy as sa
    >>> from hub.core.store import schema as t
    >>> engine = sa.create_engine("sqlite://"); t.metadata.create_all(engine)
    >>> with engine.begin() as tx:
    ...     now = bind(tx, t.sync_cursors.c.updated_at, dt.datetime(2024, 6, 1))
    ...     insert_many(tx, t.sync_cursors, ("connector", "stream", "value", "updated_at"), [("a", "s", "1", now)])
    ...     tx.execute(sa.select(t.sync_cursors.c.value)).scalar_one()
    '1'
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, Literal

import sqlalchemy as sa

__all__ = [
    "bind", "insert_many", "execute_many", "fetch_all", "placeholder", "Read", "by_external_id", "refresh_deleted_flags",
]


def placeholder(tx: sa.Connection) -> str:
    """The driver's positional parameter marker: ``?`` (sqlite3) or ``%s`` (psycopg)."""
    return "?" if tx.dialect.paramstyle == "qmark" else "%s"


def bind(tx: sa.Connection, column: sa.Column[Any], value: Any) -> Any:
    """``value`` as the driver must receive it for ``column`` (what SQLAlchemy would send)."""
    process = _processor(tx.dialect, column.type)
    return process(value) if process else value


@cache
def _processor(dialect: sa.Dialect, type_: sa.types.TypeEngine[Any]) -> Any:
    return type_.dialect_impl(dialect).bind_processor(dialect)


@cache
def _insert_sql(marker: str, table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"


def _run(tx: sa.Connection, sql: str, params: Any, *, many: bool = False) -> Any:
    """Execute ``sql`` (the driver's markers) on ``tx``'s DBAPI cursor; returns the open cursor.

    Driver errors come out as SQLAlchemy's ``DBAPIError`` subclasses, parameters hidden.
    """
    cursor = tx.connection.cursor()
    try:
        if many:
            cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params)
    except tx.dialect.loaded_dbapi.Error as exc:
        cursor.close()
        raise sa.exc.DBAPIError.instance(
            sql, params, exc, tx.dialect.loaded_dbapi.Error, hide_parameters=True, dialect=tx.dialect
        ) from exc
    return cursor


def insert_many(tx: sa.Connection, table: sa.Table, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order, values already :func:`bind`-converted)."""
    if rows:
        _run(tx, _insert_sql(placeholder(tx), table.name, columns), rows, many=True).close()


def execute_many(tx: sa.Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> int:
    """Run ``sql`` (``?`` markers, translated for the driver) once per row; returns rows affected."""
    if not rows:
        return 0
    marker = placeholder(tx)
    cursor = _run(tx, sql if marker == "?" else sql.replace("?", marker), rows, many=True)
    count = cursor.rowcount
    cursor.close()
    return count


def fetch_all(tx: sa.Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of one query (the driver's markers), as tuples."""
    cursor = _run(tx, sql, params)
    rows = cursor.fetchall()
    cursor.close()
    return rows


#: What :func:`by_external_id` can read: the keys of :data:`_READS`.
Read = Literal["hash", "state", "content"]
#: What :func:`by_external_id` reads of each stored record (``read=``), and whether that needs the
#: entity row: the state an upsert decides a no-op on — from ``external_ids`` alone — what it must
#: know of a record that may have changed, or the record as stored, which reconciliation reads back.
_READS: dict[str, tuple[str, bool]] = {
    "hash": ("x.entity_id, x.content_hash, x.entity_deleted, x.remote_updated_at", False),
    "state": ("x.entity_id, x.content_hash, e.version, e.erased, e.deleted_at IS NOT NULL", True),
    "content": ("x.entity_id, e.data, e.pii", True),
}
_JOIN = " JOIN entities e ON e.id = x.entity_id"

_BY_EXTERNAL_ID = (
    "SELECT x.external_id, {columns} FROM external_ids x{join}"
    " WHERE x.system = ? AND x.kind = ? AND x.external_id IN ({ids})"
)
#: One array parameter, looked up id by id through the primary key (see :func:`by_external_id`).
_BY_EXTERNAL_ID_PG = (
    "SELECT x.external_id, {columns} FROM unnest(%s::text[]) AS wanted(external_id)"
    " CROSS JOIN LATERAL (SELECT * FROM external_ids x WHERE x.system = %s AND x.kind = %s"
    " AND x.external_id = wanted.external_id LIMIT 1) x{join}"
)


def by_external_id(
    tx: sa.Connection, system: str, kind: str, external_ids: Sequence[str], *, read: Read = "state"
) -> list[Any]:
    """Rows (external id, *columns*) of the stored ``external_ids``, the columns by ``read``:

    - ``"hash"``: entity id, content hash, entity deleted, the source's updated_at — ``external_ids``
      only, no join;
    - ``"state"``: entity id, content hash, version, erased, deleted;
    - ``"content"``: entity id, data, encrypted PII.

    Why ``"hash"``: an unchanged re-upsert needs no more, and the join to ``entities`` was a fifth of
    its cost (3.0 µs an id joined, 1.9 without). ``external_ids.entity_deleted`` is the entity's
    deleted marker, copied there for this (:func:`refresh_deleted_flags`).

    On PostgreSQL the ids travel as one array and each is looked up through the primary key
    (``LATERAL ... LIMIT 1`` keeps the planner from flattening that into a join). A plain
    ``IN (...)`` list plans as a scan of every id of the kind, filtered, while the tables have no
    statistics yet — a fresh database during its first load — which made every batch O(table).
    SQLite's planner always uses the primary key for the ``IN`` list.
    """
    if not external_ids:
        return []
    columns, joined = _READS[read]
    join = _JOIN if joined else ""
    if tx.dialect.name == "postgresql":
        return fetch_all(tx, _BY_EXTERNAL_ID_PG.format(columns=columns, join=join), (list(external_ids), system, kind))
    sql = _BY_EXTERNAL_ID.format(columns=columns, join=join, ids=", ".join("?" * len(external_ids)))
    return fetch_all(tx, sql, (system, kind, *external_ids))


#: The entity's deleted marker copied onto each of its external ids (see ``external_ids.entity_deleted``).
_REFRESH_DELETED = (
    "UPDATE external_ids SET entity_deleted ="
    " (SELECT e.deleted_at IS NOT NULL FROM entities e WHERE e.id = external_ids.entity_id) WHERE entity_id = ?"
)


def refresh_deleted_flags(tx: sa.Connection, entity_ids: Sequence[str]) -> None:
    """Copy the deleted marker of ``entity_ids`` onto their external ids, in ``tx``.

    Called wherever a marker or an id's entity changes — marking deleted, un-deleting, a record
    merged into an entity, a merge undone, an id a delivery linked — so that
    ``external_ids.entity_deleted`` always equals ``entities.deleted_at IS NOT NULL`` (a test checks
    it after each). Those are the rare paths; the
    hot one, an unchanged re-upsert, only reads the copy.
    """
    execute_many(tx, _REFRESH_DELETED, [(entity_id,) for entity_id in dict.fromkeys(entity_ids)])
