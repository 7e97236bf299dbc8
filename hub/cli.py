"""The ``hub`` command. Thin: every subcommand parses its arguments and calls into ``hub.core``.

Subcommands live in ``hub/commands/<name>.py``, each exposing a click command or group called
``command``; :data:`COMMANDS` lists them in the order ``hub --help`` shows them.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from hub import __version__
from hub.core.errors import HubError

__all__ = ["main", "COMMANDS"]

COMMANDS = ("demo", "migrate", "plugins", "mapping", "map", "db", "keys", "records", "erase", "routes", "deliver", "outbox",
            "webhooks", "sync", "dead_letters", "serve", "tokens")


class _HubGroup(click.Group):
    """Turns a HubError into one readable line and exit code 2 instead of a traceback."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except HubError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_HubGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="hub", message="%(prog)s %(version)s")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def main(verbose: int) -> None:
    """hub — move AI-interview scores, feedback, candidate status, offers and salary between HR systems.

    Every system's records are mapped into one canonical model, stored encrypted, and delivered to
    the systems that need them. Configuration lives in hub.yaml (see README.md).
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


for _name in COMMANDS:
    main.add_command(importlib.import_module(f"hub.commands.{_name}").command)
