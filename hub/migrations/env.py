"""Alembic environment: runs on the connection :meth:`hub.core.store.Store.upgrade` hands over.

``hub db upgrade`` never reads alembic.ini; the store builds the Alembic config in code and passes its
own connection in ``config.attributes["connection"]`` so SQLite pragmas and PostgreSQL search paths
set on the store's engine apply to migrations too.
"""

from __future__ import annotations

from alembic import context

from hub.core.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
