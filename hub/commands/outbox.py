"""``hub outbox``: inspect and steer the deliveries waiting in (or done with) the outbox."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from hub.commands.options import config_option, json_option
from hub.core.config import load_config
from hub.core.store import CANCELLED, DEAD, DELIVERED, PENDING, SUPERSEDED, Outbox, OutboxEntry, Store

__all__ = ["command"]


def _outbox(config_path: Path | None) -> Outbox:
    return Outbox(Store.from_config(load_config(config_path)))


def _line(entry: OutboxEntry) -> str:
    error = f"  {entry.last_error.get('code')}: {entry.last_error.get('reason')}" if entry.last_error else ""
    return (f"{entry.id:>6}  {entry.status:<10} {entry.target:<16} {entry.route:<24} "
            f"{entry.entity_id} v{entry.version}  attempts={entry.attempts}{error}")


@click.group("outbox")
def command() -> None:
    """Deliveries queued by routes: list, show, retry (dead or cancelled) and cancel (pending)."""


@command.command("list")
@click.option("--status", type=click.Choice([PENDING, DELIVERED, SUPERSEDED, DEAD, CANCELLED]), default=None)
@click.option("--target", default=None, help="Only entries for this target.")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
@config_option
def list_(status: str | None, target: str | None, limit: int, as_json: bool, config_path: Path | None) -> None:
    """One line per entry, oldest first (--json: a list of the entries as `show` prints them, without the entity)."""
    entries = _outbox(config_path).list(status=status, target=target, limit=limit)
    if as_json:
        click.echo(json.dumps([_fields(entry) for entry in entries], ensure_ascii=False))
    elif not entries:
        click.echo(f"no {status + ' ' if status else ''}entries in the outbox" + (f" for {target}" if target else ""))
    for entry in [] if as_json else entries:
        click.echo(_line(entry))


def _fields(entry: OutboxEntry) -> dict[str, Any]:
    """An entry as JSON values (its last error is already masked)."""
    return {**entry.__dict__, "next_attempt_at": str(entry.next_attempt_at or ""), "created_at": str(entry.created_at or "")}


@command.command("show")
@click.argument("entry_id", type=int)
@config_option
def show(entry_id: int, config_path: Path | None) -> None:
    """Every field of one entry as JSON (the last error is already masked), and the entity it delivers:
    kind, hub id, external ids and state (no PII; `hub records show` has the rest)."""
    store = Store.from_config(load_config(config_path))
    try:
        entry = Outbox(store).get(entry_id)
        entity = store.record_ids(entry.entity_id)
    finally:
        store.close()
    click.echo(json.dumps({**_fields(entry), "entity": entity and asdict(entity)}, ensure_ascii=False, indent=2))


@command.command("retry")
@click.argument("entry_id", type=int)
@config_option
def retry(entry_id: int, config_path: Path | None) -> None:
    """Queue a dead or cancelled entry again, due now (its dead letter stays as the record of why)."""
    click.echo(_line(_outbox(config_path).retry(entry_id)))


@command.command("cancel")
@click.argument("entry_id", type=int)
@config_option
def cancel(entry_id: int, config_path: Path | None) -> None:
    """Stop a pending entry from being delivered."""
    click.echo(_line(_outbox(config_path).cancel(entry_id)))
