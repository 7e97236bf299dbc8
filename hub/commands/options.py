"""Options several commands share, so each reads and behaves the same wherever it appears."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

__all__ = ["actor_option", "config_option", "json_option"]

#: ``--config``: the hub.yaml to use (a command passes ``config_path`` to ``load_config``).
config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                             help="hub.yaml to use (default: ./hub.yaml or $HUB_CONFIG).")

#: ``--json``: machine-readable output instead of text or a table (``as_json``).
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")

#: ``--actor``: who asked, as the audit log records it (default: the login name).
actor_option = click.option("--actor", default=lambda: getpass.getuser(), show_default="your login name",
                            help="Who asked (audit log).")
