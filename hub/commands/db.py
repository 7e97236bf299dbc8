"""``hub db``: apply and inspect the store's schema migrations."""

from __future__ import annotations

import click

from hub.core.config import load_config
from hub.core.crypto import KeyRing
from hub.core.store import Store

__all__ = ["command"]


def _store() -> Store:
    # Migrations read and write no tokens, so a throwaway ring is enough: `hub db` works before keys exist.
    return Store.open(load_config().database.url, KeyRing.generate())


@click.group("db")
def command() -> None:
    """Manage the database schema (SQLite file or PostgreSQL, from hub.yaml or HUB_DATABASE_URL)."""


@command.command("upgrade")
def upgrade() -> None:
    """Apply every pending migration (safe to run repeatedly)."""
    store = _store()
    store.upgrade()
    click.echo(f"database at revision {store.current_revision()}")


@command.command("current")
def current() -> None:
    """Print the migration revision the database is at ("none" before `hub db upgrade`)."""
    click.echo(_store().current_revision() or "none")
