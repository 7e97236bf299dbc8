"""Options shared by the commands, so each reads and explains them the same way."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["config_option"]

#: Every command that reads hub.yaml takes ``--config``; its value arrives as ``config_path``.
config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
    help="hub.yaml to use (default: ./hub.yaml, or $HUB_CONFIG).",
)  # fmt: skip
