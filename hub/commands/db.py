"""``hub db``: apply and inspect the store's schema migrations."""

from __future__ import annotations

from pathlib import Path

import click

from hub.commands.options import config_option
from hub.core.config import load_config
from hub.core.store import Store

__all__ = ["command"]


@click.group("db")
def command() -> None:
    """Manage the database schema (SQLite file or PostgreSQL, from hub.yaml or HUB_DATABASE_URL)."""


@command.command("upgrade")
@config_option
def upgrade(config_path: Path | None) -> None:
    """Apply every pending migration (safe to run repeatedly). Needs no key ring: migrations read and
    write no tokens, and the first command that opens the store with its ring records the key checks."""
    click.echo(f"database at revision {Store.upgrade_schema(load_config(config_path).database.url)}")


@command.command("current")
@config_option
def current(config_path: Path | None) -> None:
    """Print the migration revision the database is at ("none" before `hub db upgrade`)."""
    click.echo(Store.schema_revision(load_config(config_path).database.url) or "none")
