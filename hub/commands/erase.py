"""``hub erase``: a PIPL / GDPR erasure request for one candidate."""

from __future__ import annotations

from pathlib import Path

import click

from hub.commands.options import actor_option, config_option
from hub.core.config import load_config
from hub.core.store import Store

__all__ = ["command"]


@click.command("erase")
@click.option("--candidate", "candidate_id", required=True, help="Hub id of the candidate.")
@actor_option
@click.option("--dry-run", is_flag=True, help="Only report what would be erased.")
@config_option
def command(candidate_id: str, actor: str, dry_run: bool, config_path: Path | None) -> None:
    """Remove a candidate's PII everywhere (records, raw payloads, blind indexes, dead letters).

    The non-PII skeleton stays, marked erased, and an audit entry records who erased what. Find the
    candidate's hub id with `hub records find` (docs/erasure.md).
    """
    report = Store.from_config(load_config(config_path)).erase_candidate(candidate_id, actor, dry_run=dry_run)
    verb = "would erase" if dry_run else "erased"
    click.echo(
        f"{verb} PII of {report.entities} entities, {report.blind_indexes} blind indexes, "
        f"{report.dead_letters} dead-letter payloads, {report.merges} merge snapshots for candidate {candidate_id}"
    )
