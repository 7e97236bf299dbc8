"""``hub dead-letters``: inspect the records a run could not store, and replay them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.table import Table

from hub.commands.options import actor_option, config_option, json_option
from hub.commands.tables import print_table
from hub.core.config import load_config
from hub.core.errors import ConfigError
from hub.core.plugins import load_registry
from hub.core.runtime import build_connector, open_store, pull_connector_keys
from hub.core.sync_retry import retry_dead_letters

__all__ = ["command"]

#: What a page-level letter (the stream could not be read on; no record) shows in the record column.
_WHOLE_STREAM = "(the stream: a sync resumes it)"


@click.group("dead-letters")
def command() -> None:
    """Records that could not be stored (or pages that could not be fetched), with their typed error.

    Errors are stored with PII masked; raw payloads are stored encrypted and shown only by `show
    --payload`, which the audit log records.
    """


@command.command("list")
@click.option("--connector", "-c", "system", metavar="NAME", help="Only letters of this connector.")
@click.option("--status", default="open", show_default=True, type=click.Choice(["open", "resolved", "all"]))
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1))
@json_option
@config_option
def list_command(system: str | None, status: str, limit: int, as_json: bool, config_path: Path | None) -> None:
    """List dead letters, oldest first."""
    store = open_store(load_config(config_path))
    letters = store.dead_letters(system=system, status=None if status == "all" else status, limit=limit)
    store.close()
    if as_json:
        click.echo(json.dumps([{"id": d.id, "connector": d.system, "stream": d.stream, "record": d.record_ref,
                                "code": d.error_code, "reason": d.error.get("reason"), "attempts": d.attempts,
                                "status": d.status, "created_at": d.created_at.isoformat()} for d in letters]))
        return
    if not letters:
        click.echo(f"no {'' if status == 'all' else status + ' '}dead letters" + (f" of {system}" if system else ""))
        return
    table = Table("id", "connector", "stream", "record", "error", "attempts", "status", title=f"{len(letters)} dead letters")
    for d in letters:
        table.add_row(d.id, d.system, d.stream or "", d.record_ref or _WHOLE_STREAM, f"{d.error_code}: {d.error.get('reason', '')}",
                      str(d.attempts), d.status)
    print_table(table)


@command.command("show")
@click.argument("letter_id")
@click.option("--payload", is_flag=True, help="Also print the decrypted raw payload (may contain PII; audited).")
@actor_option
@config_option
def show_command(letter_id: str, payload: bool, actor: str, config_path: Path | None) -> None:
    """Show one dead letter: its error and, with --payload, the raw record (a read the audit log records)."""
    store = open_store(load_config(config_path))
    d = store.dead_letter(letter_id, reader=actor if payload else None)
    store.close()
    if d is None:
        raise ConfigError(f"no dead letter {letter_id!r}")
    shown = {"id": d.id, "connector": d.system, "stream": d.stream, "record": d.record_ref, "status": d.status,
             "attempts": d.attempts, "run_id": d.run_id, "created_at": d.created_at.isoformat(), "error": d.error}
    if payload:
        shown["payload"] = d.payload
    click.echo(json.dumps(shown, indent=2, ensure_ascii=False))


@command.command("retry")
@click.argument("letter_ids", nargs=-1)
@config_option
def retry_command(letter_ids: tuple[str, ...], config_path: Path | None) -> None:
    """Replay open dead letters (all, or the given ids) through mapping, validation and the store.

    Exits 1 if any letter failed again.
    """
    config = load_config(config_path)
    registry = load_registry()
    store = open_store(config)
    try:
        connectors = {key: build_connector(config, registry, key) for key in pull_connector_keys(config, registry)}
        report = retry_dead_letters(store, connectors, ids=list(letter_ids) or None, validators=registry.validators)
    finally:
        store.close()
    click.echo(f"resolved {len(report.resolved)}, failed again {len(report.failed)}, skipped {len(report.skipped)}")
    for letter_id, reason in report.skipped.items():
        click.echo(f"  skipped {letter_id}: {reason}")
    if report.failed:
        sys.exit(1)
