"""``hub routes``: check hub.yaml's delivery routes against the connectors' write capabilities."""

from __future__ import annotations

import click

from hub.core.config import load_config
from hub.core.delivery.checks import check_config_routes

__all__ = ["command"]


@click.group("routes")
def command() -> None:
    """Work with the routes that send canonical changes to target systems (hub.yaml `routes:`)."""


@command.command("check")
def check() -> None:
    """Validate every route: target configured, `write:<entity>` declared, condition fields known and not
    PII, reverse mapping compiles. Prints one problem per line and exits 1 if there is any."""
    config = load_config()
    problems = check_config_routes(config)
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {len(config.routes)} routes", err=True)
        raise SystemExit(1)
    for route in config.routes:
        tests = "; ".join(c.describe() for c in route.when) or "every change"
        click.echo(f"ok  {route.name}: {route.entity} → {route.target} when {tests}")
