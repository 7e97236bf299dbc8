"""Migration jobs: move a legacy export or a connector's streams into the hub store, and prove
nothing was lost or corrupted.

Modules, one job each: ``endpoints`` (sources, and the store as target), ``connector_target`` (a
connector that writes as target), ``validate`` (each row's checks, in the producer), ``batch`` (what
rows became, as it crosses to the writer), ``checks`` (the checks across rows: stages of the record
path), ``ledger`` (the run's scratch file: what the source held, without PII), ``job`` (batches,
checkpoints, pass/fail), ``resume`` (where a resumed run picks its source up, if it has not moved),
``reconcile`` (counts and per-field checksums read back from the target), ``report`` (JSON and
HTML), ``progress`` (the progress bar), ``findings`` (what a problem is).

Example:
    >>> from hub.core.crypto import KeyRing
    >>> from hub.core.store import Store
    >>> store = Store.open("sqlite://", KeyRing.generate())
    >>> source = FileSource({"path": "hub/examples/legacy_ai_interview/ai_interview_results.csv",
    ...                      "export": "legacy_ai_interview"})
    >>> job = JobSettings(source=source.settings, thresholds=Thresholds(max_error_rate=0.2))
    >>> result = Migration(job, source, StoreTarget(store, source.system), progress=False).run()
    >>> build_report(result)["status"]
    'pass'
"""

from hub.core.migrate.connector_target import ConnectorTarget, open_target
from hub.core.migrate.endpoints import (
    ConnectorSource,
    FileSource,
    StoreTarget,
    open_source,
    source_from_settings,
)
from hub.core.migrate.findings import FIXES, KINDS, Finding, classify
from hub.core.migrate.job import DEFAULT_MAX_ERROR_RATE, JobSettings, Migration, MigrationResult, Thresholds
from hub.core.migrate.report import build_report, render_html, write_reports

__all__ = [
    "DEFAULT_MAX_ERROR_RATE",
    "FileSource",
    "ConnectorSource",
    "StoreTarget",
    "ConnectorTarget",
    "open_source",
    "open_target",
    "source_from_settings",
    "Finding",
    "classify",
    "KINDS",
    "FIXES",
    "JobSettings",
    "Thresholds",
    "Migration",
    "MigrationResult",
    "build_report",
    "render_html",
    "write_reports",
]
