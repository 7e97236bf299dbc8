"""``hub map``: what a vendor payload or an export file maps to, printed, nothing stored."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from hub.core.config import load_config
from hub.core.preview import preview_input, shown_record

__all__ = ["command"]


@click.command("map")
@click.option("--system", required=True, metavar="SYSTEM",
              help="Whose mappings to apply: a folder <category>/<system>/ of the mappings (e.g. greenhouse, legacy_ai_interview).")  # fmt: skip
@click.option("--entity", metavar="KIND", help="Only this kind; a payload of a system that maps several kinds needs it.")
@click.option("--input", "path", required=True, type=click.Path(path_type=Path),
              help="A JSON payload (one record or a list), or an export file (CSV, XLSX, JSONL) of a files system.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help='Print one JSON document {"records": [...], "errors": [...]}.')
@click.option("--show-pii", is_flag=True, help="Print personal data in plaintext (masked by default).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="hub.yaml to use (default: ./hub.yaml or $HUB_CONFIG).")  # fmt: skip
def command(system: str, entity: str | None, path: Path, as_json: bool, show_pii: bool, config_path: Path | None) -> None:
    """Map a vendor payload or an export file and print its canonical records and typed errors.

    The records take the path a sync or migration gives them (the configured connector's page
    preparation, the mapping, the canonical model, plugin validators), but nothing is stored and no
    key ring is needed. Personal data is masked unless --show-pii. Exits 0 when every record mapped,
    1 when some failed, 2 when the input cannot be used (missing file, not JSON, unknown system or kind).
    """
    result = preview_input(load_config(config_path), system, path, entity=entity)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    if show_pii:
        click.echo("warning: --show-pii prints personal data in plaintext; keep it out of logs and tickets", err=True)
    records = [{"kind": record.kind, "record": shown_record(record, show_pii=show_pii)} for record in result.records]
    if as_json:
        errors = [finding.to_dict() for finding in result.findings]
        click.echo(json.dumps({"records": records, "errors": errors}, ensure_ascii=False, indent=2))
    else:
        for record in records:
            click.echo(f"{record['kind']} {json.dumps(record['record'], ensure_ascii=False)}")
        for finding in result.findings:
            click.echo(f"error {finding.record}: {finding.error}")
        click.echo(f"{len(records)} records, {len(result.findings)} errors", err=True)
    if result.findings:
        sys.exit(1)
