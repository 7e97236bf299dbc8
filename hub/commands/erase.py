"""``hub erase``: a PIPL / GDPR erasure request for one candidate."""

from __future__ import annotations

import click

from hub.commands.options import actor_option
from hub.core.config import load_config
from hub.core.store import Store

__all__ = ["command"]


@click.command("erase")
@click.option("--candidate", "candidate_id", required=True, help="Hub id of the candidate.")
@actor_option
@click.option("--dry-run", is_flag=True, help="Only report what would be erased.")
def command(candidate_id: str, actor: str, dry_run: bool) -> None:
    """Remove a candidate's PII everywhere (records, raw payloads, blind indexes, dead letters).

    The non-PII skeleton stays, marked erased, and an audit entry records who erased what.
    """
    report = Store.from_config(load_config()).erase_candidate(candidate_id, actor, dry_run=dry_run)
    verb = "would erase" if dry_run else "erased"
    click.echo(
        f"{verb} PII of {report.entities} entities, {report.blind_indexes} blind indexes, "
        f"{report.dead_letters} dead-letter payloads, {report.merges} merge snapshots for candidate {candidate_id}"
    )
