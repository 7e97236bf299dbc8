"""``hub migrate``: a legacy export or a connector's streams into the hub store (and on to a
connector that writes), validated, checkpointed, reconciled, reported.

Exit codes: 0 the migration passed its thresholds, 1 it failed them (validation or reconciliation),
2 the command could not run (arguments, configuration, unreadable file).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import yaml

from hub.commands.options import config_option
from hub.core.config import HubConfig, load_config
from hub.core.errors import ConfigError
from hub.core.migrate import (
    DEFAULT_MAX_ERROR_RATE,
    JobSettings,
    Migration,
    MigrationResult,
    build_report,
    open_source,
    StoreTarget,
    open_target,
    source_from_settings,
    write_reports,
)
from hub.core.migrate.rejected_rows import rejected_rows_name, write_rejected_rows
from hub.core.migrate.endpoints import Source
from hub.core.plugins import get_plugin_manager, load_registry
from hub.core.runtime import open_dry_run_store, open_store
from hub.core.store import Store
from hub.core.yamlbounds import safe_load

__all__ = ["command", "run_migration", "print_summary", "write_run_reports"]


def _job_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read job file {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"job file {path} must be a mapping of settings")
    return data


def run_migration(
    store: Store, settings: JobSettings, config: HubConfig, *, resume: str | None, workdir: Path | None, progress: bool,
    source: Source | None = None,
) -> MigrationResult:
    """Open the source (unless the caller opened it for ``settings`` already) and the target the
    settings name, then run (or resume) the migration with the plugins' record validators and
    event observers, as a sync has them. A bad target is refused here, before any row is read."""
    if source is None:
        source = source_from_settings(settings.source, config, settings.entities or None)
    target = open_target(settings.target, store, source.system, config, source.mappings)
    pm = get_plugin_manager()
    migration = Migration(settings, source, target, workdir=workdir, progress=progress,
                          validators=load_registry(pm).validators, pm=pm)  # fmt: skip
    return migration.run(resume=resume)


def write_run_reports(result: MigrationResult, store: Store, config: HubConfig, directory: Path, *,
                      with_pii: bool = False) -> tuple[dict[str, Any], tuple[Path, Path]]:  # fmt: skip
    """The run's JSON and HTML reports, and beside them an export's rejected rows as a CSV to fix and
    import again (personal data masked unless ``with_pii``). A connector's rejected records are not
    fetched again: they are in the dead letters."""
    source_settings, rejected_file = result.state["settings"]["source"], None
    if result.rejected_rows and "path" in source_settings:
        path = directory / rejected_rows_name(result.run_id)
        write_rejected_rows(source_from_settings(source_settings, config, None), result.rejected_rows, path,
                            with_pii=with_pii)  # fmt: skip
        rejected_file = path.name
    report = build_report(result, command=sys.argv, database=str(store.engine.url), rejected_file=rejected_file)
    return report, write_reports(report, directory)


def print_summary(result: MigrationResult, report: dict[str, Any], paths: tuple[Path, Path] | None) -> None:
    """A few lines a person reads in the terminal; the details are in the reports."""
    totals = report["totals"]
    click.echo(f"run {result.run_id}: {totals['rows']} rows, {totals['findings']} findings "
               f"({totals['rows_with_findings']} rows, {totals['error_rate']:.2%})")  # fmt: skip
    for kind, counts in sorted(report["entities"].items()):
        click.echo(f"  {kind}: {counts['valid']} valid, {counts['rejected']} rejected")
    for item in report["reconciliation"]:
        bad = [name for name, f in item["fields"].items() if not f["match"]]
        undelivered = f", not delivered {item['undelivered']}" if item.get("undelivered") else ""
        bad += [f"{name} (in the target connector)" for name in item.get("connector_mismatched", {})]
        click.echo(f"  reconciled {item['kind']}: source {item['source_count']}, target {item['target_count']}, "
                   f"missing {item['missing']}{undelivered}, checksum mismatches: {', '.join(bad) or 'none'}")  # fmt: skip
    for field, count in list(report["findings_by_field"].items())[:10]:
        click.echo(f"  {count:>6}  {field}")
    click.echo(f"status: {report['status'].upper()}" + "".join(f"\n  {reason}" for reason in report["reasons"]))
    if paths:
        click.echo(f"report: {paths[1]}\njson:   {paths[0]}")
        if report["rejected_rows"]["file"]:
            click.echo(f"rejected rows: {paths[1].parent / report['rejected_rows']['file']}")


@click.command("migrate")
@click.option("--source", "source_spec",
              help="Export file (with --export or --mappings), or a connector of hub.yaml: a `files` connector, "
                   "or one that pulls (all its streams, or those of --entities).")  # fmt: skip
@click.option("--target", "target_spec", default="store", show_default=True,
              help="Where to write: `store` (the hub store), or a connector of hub.yaml that writes (the records go "
                   "into the store, then are delivered to it; what it does not take counts as missing).")  # fmt: skip
@click.option("--export", help="The export's mapping folder files/NAME/ (yours in hub.yaml's `mappings`, else built in).")
@click.option("--mappings", type=click.Path(file_okay=False, path_type=Path), help="A folder of mapping files instead.")
@click.option("--entities", help="Comma-separated entity kinds to migrate (default: every mapping).")
@click.option("--dry-run", is_flag=True,
              help="Validate and report; write nothing (no database, no ledger; needs no key ring).")
@click.option("--resume", "resume", metavar="RUN_ID", help="Continue an interrupted run from its last checkpoint.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("migration-reports"),
              show_default=True, help="Directory for the JSON and HTML reports.")  # fmt: skip
@click.option("--job", "job_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Job file (YAML): batch_size, max_length, sample_size, thresholds {max_error_rate, max_missing, max_mismatches}.")  # fmt: skip
@click.option("--max-error-rate", type=float,
              help=f"Override thresholds.max_error_rate (0.01 = 1%; default {DEFAULT_MAX_ERROR_RATE:.0%}, as `hub demo`).")  # fmt: skip
@click.option("--rejected-with-pii", is_flag=True,
              help="Write the rejected-rows CSV (beside the reports) with personal data in plain text, to fix and "
                   "re-import it; by default those cells are masked. The file is mode 0600 either way.")  # fmt: skip
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), default=Path(".hub-migrate"),
              show_default=True, help="Where run ledgers are kept (needed to resume).")  # fmt: skip
@config_option
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def command(source_spec: str | None, target_spec: str, export: str | None, mappings: Path | None, entities: str | None,
            dry_run: bool, resume: str | None, report_dir: Path, job_file: Path | None, max_error_rate: float | None,
            rejected_with_pii: bool, workdir: Path, config_path: Path | None, no_progress: bool) -> None:  # fmt: skip
    """Migrate a legacy export, or a connector's streams, into the hub store (and, with --target,
    on to a connector that writes): validate every record, write in checkpointed batches, reconcile
    counts and per-field checksums read back from the store, count what the target connector did not
    take, and write a JSON and an HTML report (PII masked). Exits 0 when the thresholds hold, 1 when
    they do not, 2 on usage errors.

    \b
    Examples:
      hub migrate --source export.csv --export legacy_ai_interview --report reports/
      hub migrate --source greenhouse --entities candidate,application --config hub.yaml
      hub migrate --source employees.csv --mappings my-mappings/files/payroll_import \\
                  --entities employee --target payroll_inbox --config hub.yaml
    """
    config = load_config(config_path)
    if dry_run and resume:
        raise click.UsageError("--dry-run cannot --resume a run: a dry run writes nothing, so it has nothing to continue")
    # A dry run creates nothing: no database file, no ledger folder (a temporary one), no key ring needed.
    store = open_dry_run_store(config) if dry_run else open_store(config, upgrade=False)  # a real job upgrades when it writes
    source: Source | None = None  # a resumed run's is opened from its saved settings
    if resume:
        settings = JobSettings.from_dict(StoreTarget(store, "").load_checkpoint(resume)["settings"])
    else:
        if not source_spec:
            raise click.UsageError("--source is required (or --resume RUN_ID)")
        kinds = tuple(kind.strip() for kind in entities.split(",") if kind.strip()) if entities else ()
        data = _job_file(job_file)  # every argument is checked before the source is opened
        source = open_source(source_spec, config, export=export, mappings=str(mappings) if mappings else None, entities=kinds or None)
        if max_error_rate is not None:
            data["thresholds"] = {**data.get("thresholds", {}), "max_error_rate": max_error_rate}
        settings = JobSettings.from_dict({**data, "source": source.settings, "entities": kinds, "dry_run": dry_run,
                                          "target": target_spec})  # fmt: skip
    result = run_migration(store, settings, config, resume=resume, workdir=None if dry_run else workdir,
                           progress=not no_progress and sys.stderr.isatty(), source=source)  # fmt: skip
    report, paths = write_run_reports(result, store, config, report_dir, with_pii=rejected_with_pii)
    print_summary(result, report, paths)
    sys.exit(0 if result.passed else 1)
