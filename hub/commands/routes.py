"""``hub routes``: check hub.yaml's delivery routes against the connectors' write capabilities."""

from __future__ import annotations

from pathlib import Path

import click

from hub.commands.options import config_option
from hub.core.config import HubConfig, load_config
from hub.core.delivery import DeliveryRunner
from hub.core.delivery.checks import check_config_routes
from hub.core.errors import KeyNotFoundError
from hub.core.store import Store

__all__ = ["command"]


@click.group("routes")
def command() -> None:
    """Work with the routes that send canonical changes to target systems (hub.yaml `routes:`)."""


@command.command("check")
@config_option
def check(config_path: Path | None) -> None:
    """Validate every route: target configured, `write:<entity>` declared, condition fields known and not
    PII, reverse mapping compiles. Prints one problem per line and exits 1 if there is any.

    Then forecasts the deliveries queued now, as `hub deliver --dry-run` would: per route, how many
    would be sent and what the target would refuse (sending nothing)."""
    config = load_config(config_path)
    if not config.routes:
        click.echo("no routes in hub.yaml: nothing is delivered (see `routes:` in the README)")
        return
    problems = check_config_routes(config)
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {len(config.routes)} routes", err=True)
        raise SystemExit(1)
    for route in config.routes:
        tests = "; ".join(c.describe() for c in route.when) or "every change"
        click.echo(f"ok  {route.name}: {route.entity} → {route.target} when {tests}")
    for line in _pending_forecast(config):
        click.echo(line)


def _pending_forecast(config: HubConfig) -> list[str]:
    """What `hub deliver --dry-run` would say of the entries queued now, so a route that is valid
    but whose deliveries a target would refuse shows up here, before anything is sent."""
    if not Store.exists(config.database.url):
        return ["nothing queued yet"]
    try:
        store = Store.from_config(config)
    except KeyNotFoundError as exc:
        return [f"queued deliveries not checked: {exc.reason}"]
    runner = DeliveryRunner(store, config)
    try:
        return runner.run(dry_run=True).forecast() or ["nothing queued"]
    finally:
        runner.close()
        store.close()
