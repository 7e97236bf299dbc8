"""``hub deliver``: send pending outbox entries to their targets."""

from __future__ import annotations

import json

from pathlib import Path

import click

from hub.commands.options import config_option
from hub.core.config import load_config
from hub.core.delivery import DeliveryRunner, targets_from_config
from hub.core.events import Events
from hub.core.plugins import get_plugin_manager
from hub.core.store import Store

__all__ = ["command"]


@click.command("deliver")
@click.option("--target", "target", default=None, help="Only this target (a connector name in hub.yaml).")
@click.option("--dry-run", is_flag=True, help="Build every payload, show it (PII masked) and what would be refused; send nothing.")
@click.option("--drain", type=float, default=None, metavar="SECONDS",
              help="Keep delivering (waiting out back-offs) until nothing is pending or SECONDS pass.")
@config_option
def command(target: str | None, dry_run: bool, drain: float | None, config_path: Path | None) -> None:
    """Deliver due outbox entries: reverse mapping, create-or-update at the target, retries, dead letters.

    Prints the counters per target as JSON. Exits 1 if any entry went to dead letters.

    With --dry-run nothing is sent or changed: the JSON lists each planned payload (PII masked) and
    each entry a real run would refuse, with the target's reason; stderr sums it up per route.
    """
    config = load_config(config_path)
    store = Store.from_config(config)
    names = {target} if target else None
    runner = DeliveryRunner(store, config, targets=targets_from_config(config, names), events=Events(get_plugin_manager()))
    try:
        if drain is not None and not dry_run:
            report = runner.drain(target=target, timeout=drain)
        else:
            report = runner.run(target=target, dry_run=dry_run)
    finally:
        runner.close()
    click.echo(json.dumps({"counters": report.counters, **({"planned": report.planned} if dry_run else {})},
                          ensure_ascii=False, indent=2))
    for line in report.forecast():
        click.echo(line, err=True)
    if any(counts.get("dead") for counts in report.counters.values()):
        raise SystemExit(1)
