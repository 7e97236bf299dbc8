"""``hub deliver``: send pending outbox entries to their targets."""

from __future__ import annotations

import json

import click

from hub.core.config import load_config
from hub.core.delivery import DeliveryRunner, targets_from_config
from hub.core.events import Events
from hub.core.plugins import get_plugin_manager
from hub.core.store import Store

__all__ = ["command"]


@click.command("deliver")
@click.option("--target", "target", default=None, help="Only this target (a connector name in hub.yaml).")
@click.option("--dry-run", is_flag=True, help="Build every payload and say what would be sent; send nothing.")
@click.option("--drain", type=float, default=None, metavar="SECONDS",
              help="Keep delivering (waiting out back-offs) until nothing is pending or SECONDS pass.")
def command(target: str | None, dry_run: bool, drain: float | None) -> None:
    """Deliver due outbox entries: reverse mapping, create-or-update at the target, retries, dead letters.

    Prints the counters per target as JSON. Exits 1 if any entry went to dead letters.
    """
    config = load_config()
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
    if any(counts.get("dead") for counts in report.counters.values()):
        raise SystemExit(1)
