"""``hub demo``: the README's main job, run for real on the embedded default (SQLite, no server).

The example legacy export (``hub/examples/legacy_ai_interview/``, shipped in the package, a GBK CSV with documented planted
faults) is migrated into a SQLite store in a work directory, validated and reconciled, and the HTML
report is written there. It needs no hub.yaml: the store and a *demo* key ring (generated on the
first run, mode 0600) live in the work directory, so a second run reuses both.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from hub.commands.migrate import print_summary, run_migration, write_run_reports
from hub.core.config import HubConfig
from hub.core.crypto import KeyRing
from hub.core.migrate import JobSettings
from hub.core.plugins import load_registry
from hub.core.store import Store
from hub.examples import example

__all__ = ["command", "DEMO_EXPORT"]

DEMO_EXPORT = example("legacy_ai_interview", "ai_interview_results.csv")


def _demo_keyring(path: Path) -> KeyRing:
    """The work directory's demo key ring, created (mode 0600) on the first run."""
    if path.exists():
        return KeyRing.from_json(path.read_text(encoding="utf-8"), source=str(path))
    ring = KeyRing.generate()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(ring.to_json())
    return ring


@click.command("demo")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), default=Path("hub-demo"),
              show_default=True, help="Where the demo database, key ring and reports go.")  # fmt: skip
@click.option("--source", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=DEMO_EXPORT,
              help="An export of the legacy_ai_interview shape to migrate instead of the example.")  # fmt: skip
def command(workdir: Path, source: Path) -> None:
    """Run the demo: migrate the example legacy AI-interview export into a SQLite store.

    Every row is validated (the example's planted faults are found and reported, PII masked), the
    rest is written encrypted, read back and reconciled, and an HTML report is written. Exits 0
    when the migration passes its thresholds.
    """
    registry = load_registry()
    click.echo(f"plugins: {len(registry.plugins)} loaded, connectors: {', '.join(sorted(registry.connectors))}")
    workdir.mkdir(parents=True, exist_ok=True)
    key_file = workdir / "demo-keys.json"
    fresh = not key_file.exists()
    store = Store.open(f"sqlite:///{workdir / 'hub-demo.db'}", _demo_keyring(key_file))
    click.echo(f"key ring: {key_file} ({'generated now' if fresh else 'reused'}) — a DEMO key, never use it for real data")
    click.echo(f"migrating {source.name} into {workdir / 'hub-demo.db'}")
    settings = JobSettings(source={"path": str(source), "export": "legacy_ai_interview"})
    config = HubConfig()
    result = run_migration(store, settings, config, resume=None, workdir=workdir / "ledgers", progress=sys.stderr.isatty())
    report, paths = write_run_reports(result, store, config, workdir / "reports")
    print_summary(result, report, paths)
    store.close()
    sys.exit(0 if result.passed else 1)
