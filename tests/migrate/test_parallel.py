"""The forked producer changes where the work runs, never the result: both paths end the same."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hub.core.migrate import FileSource, JobSettings, Migration, StoreTarget, Thresholds, build_report
from tests.migrate.conftest import COMMENT_WIDTH, source_rows, write_export


def _stored(db: Path) -> set[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        return set(conn.execute("SELECT system, kind, external_id FROM external_ids"))


def test_forked_and_in_process_runs_report_the_same(tmp_path: Path, store_factory) -> None:
    path = write_export(tmp_path / "export.csv", source_rows(200))
    source = FileSource({"path": str(path), "export": "legacy_ai_interview"})
    settings = JobSettings(source=source.settings, batch_size=30, max_length={"面试官评语": COMMENT_WIDTH},
                           thresholds=Thresholds(max_error_rate=0.5))  # fmt: skip
    reports = {}
    for name, parallel in (("forked", True), ("in_process", False)):
        store = store_factory(name)
        result = Migration(settings, source, StoreTarget(store, source.system), progress=False, parallel=parallel).run()
        report = build_report(result)
        for volatile in ("run_id", "started_at", "finished_at", "duration_seconds"):
            report.pop(volatile, None)
        reports[name] = (report, result.state["findings"], [item.to_dict() for item in result.reconciliation])
        store.close()
    assert reports["forked"] == reports["in_process"]
    assert reports["forked"][0]["totals"]["rows"] == 200 and reports["forked"][1]
    assert _stored(tmp_path / "forked.db") == _stored(tmp_path / "in_process.db")
