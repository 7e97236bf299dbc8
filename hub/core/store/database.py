"""One database and its transactions: the only thing every part of the store shares.

Each part (entity writes, identity, bookkeeping, erasure, rotation) receives this object instead of
the whole store, so none of them imports back the facade that composes them
(:class:`hub.core.store.Store`).

Example:
    >>> db = Database.open("sqlite://"); db.upgrade(); db.current_revision() is not None
    True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa

from hub.core.errors import StoreError
from hub.core.private import create_private
from hub.core.store import schema as t

__all__ = ["Database", "Transactional"]


class Transactional(Protocol):
    """What a part that runs its own transactions needs: a :class:`Database` or the ``Store`` itself."""

    def transaction(self) -> AbstractContextManager[sa.Connection]: ...

    def reading(self, tx: sa.Connection | None = None) -> AbstractContextManager[sa.Connection]: ...


class Database:
    """An engine with the store's transaction rules, clock and schema migrations.

    Example:
        >>> db = Database.open("sqlite://")
        >>> with db.reading() as conn:
        ...     conn.exec_driver_sql("SELECT 1").scalar_one()
        1
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> Database:
        """Connect to ``url``; bound parameters are hidden from database errors (they may hold tokens)."""
        try:
            engine = t.create_engine(url, hide_parameters=True)
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise StoreError(f"cannot use database URL: {exc}") from None
        if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            create_private(Path(engine.url.database))  # its -wal and -shm files take its mode
        return cls(engine)

    @staticmethod
    def now() -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def close(self) -> None:
        self.engine.dispose()

    def forget_connections(self) -> None:
        """In a forked child (:mod:`hub.core.forked`): drop the parent's pooled connections without
        closing them — they are the parent's — so anything the child reads opens its own."""
        self.engine.dispose(close=False)

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

    @staticmethod
    def overwrite_deletions(tx: sa.Connection) -> None:
        """On SQLite, have ``tx``'s connection overwrite what it deletes or shrinks with zeros
        (``secure_delete``) instead of leaving the bytes in the file's free space (erasure)."""
        if tx.dialect.name == "sqlite":
            tx.exec_driver_sql("PRAGMA secure_delete=ON")

    def truncate_wal(self) -> None:
        """On SQLite, copy the WAL into the database file and truncate it to nothing, so the pages an
        erasure rewrote stay nowhere in their old form (waits, up to the busy timeout, for readers)."""
        if self.engine.dialect.name != "sqlite":
            return
        connection = self.engine.raw_connection()
        try:
            connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()

    # ---- schema migrations ---------------------------------------------------------------------

    @staticmethod
    def alembic_config(connection: sa.Connection) -> Any:
        """The Alembic configuration of ``hub/migrations``, running on ``connection``."""
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", "hub:migrations")
        config.attributes["connection"] = connection
        return config

    def upgrade(self, revision: str = "head") -> None:
        """Apply Alembic migrations up to ``revision`` (idempotent)."""
        from alembic import command

        with self.transaction() as tx:
            command.upgrade(self.alembic_config(tx), revision)

    def has_table(self, name: str) -> bool:
        """Whether the schema has table ``name`` (a store not yet upgraded, or at an older revision, may not)."""
        with self.reading() as conn:
            return sa.inspect(conn).has_table(name)

    def current_revision(self) -> str | None:
        """The migration revision the database is at (None before :meth:`upgrade`)."""
        from alembic.migration import MigrationContext

        with self.reading() as conn:
            return MigrationContext.configure(conn).get_current_revision()
