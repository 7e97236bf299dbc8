"""``hub keys``: create key rings and rotate stored tokens to the active key."""

from __future__ import annotations

import os
from pathlib import Path

import click

from hub.commands.options import config_option
from hub.core.config import load_config
from hub.core.crypto import KeyRing
from hub.core.keys import keyring_from_config
from hub.core.errors import ConfigError
from hub.core.store import Store

__all__ = ["command"]


@click.group("keys")
def command() -> None:
    """Manage encryption keys (format: see hub.core.crypto; provider: keys in hub.yaml)."""


@command.command("generate")
@click.option("--add", is_flag=True, help="Add a new active key to the configured ring instead of making a new ring.")
@click.option("--kid", help="Id of the new key (default k1, or k<n+1> with --add).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the ring to this file (mode 0600).")
@config_option
def generate(add: bool, kid: str | None, out: Path | None, config_path: Path | None) -> None:
    """Print a key ring as JSON (for HUB_KEYS) or write it to a key file.

    With --add, the old keys stay in the ring so existing data stays readable; then run
    `hub keys rotate` and remove old keys only after it reports that it finished.
    """
    config = load_config(config_path)
    ring = keyring_from_config(config.keys.provider, config.keys.settings).with_new_key(kid) if add else KeyRing.generate(kid or "k1")
    if out is None:
        click.echo(ring.to_json())
        return
    if out.exists():
        raise ConfigError(f"{out} exists; refusing to overwrite a key file (move it away first)")
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(ring.to_json())
    click.echo(f"wrote key ring to {out} (mode 0600), active key {ring.active_kid}")


@command.command("rotate")
@click.option("--batch-size", default=500, show_default=True, help="Rows re-encrypted per transaction.")
@click.option("--dry-run", is_flag=True, help="Only count tokens that are not on the active key.")
@config_option
def rotate(batch_size: int, dry_run: bool, config_path: Path | None) -> None:
    """Re-encrypt every stored token with the active key; resumable, the hub stays readable."""
    store = Store.from_config(load_config(config_path))
    report = store.rotate_keys(batch_size=batch_size, dry_run=dry_run)
    if dry_run:
        click.echo(f"{report.remaining} tokens are not on the active key {report.target_kid}")
        return
    click.echo(
        f"rotated {report.rotated} tokens; every token now uses key {report.target_kid}. "
        "Older keys may be removed from the ring once backups made before now have expired."
    )
