"""The forked producer changes where the work runs, never the result: both paths end the same."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from hub.core.migrate import FileSource, JobSettings, Migration, StoreTarget, Thresholds, build_report
from hub.core.store.codec import loads
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
        for volatile in ("run_id", "run"):  # "run": its times
            report.pop(volatile, None)
        reports[name] = (report, result.state["findings"], [item.to_dict() for item in result.reconciliation])
        store.close()
    assert reports["forked"] == reports["in_process"]
    assert reports["forked"][0]["totals"]["rows"] == 200 and reports["forked"][1]
    assert _stored(tmp_path / "forked.db") == _stored(tmp_path / "in_process.db")


def test_reading_back_never_waits_for_a_writer(tmp_path: Path, store_factory) -> None:
    """Reconciliation reads the target from two processes at once; its reads must not take SQLite's
    write lock, or the processes take turns. Here a write transaction holds that lock while the
    read-back runs: a read that asked for the lock would wait out the 30 s busy timeout and fail."""
    store = store_factory()
    path = write_export(tmp_path / "export.csv", source_rows(20, faults=False))
    source = FileSource({"path": str(path), "export": "legacy_ai_interview"})
    target = StoreTarget(store, source.system)
    Migration(JobSettings(source=source.settings, thresholds=Thresholds(max_error_rate=1.0)), source, target,
              progress=False).run()  # fmt: skip
    with store.transaction() as tx:
        tx.exec_driver_sql("UPDATE job_runs SET status = status")  # the write lock is now held
        started = time.monotonic()
        found = dict(target.read_back("candidate", ["C202400001", "C202400002"]))
        assert target.known("candidate", ["C202400003"]) == {"C202400003"} and target.count("job") > 0
    assert set(found) == {"C202400001", "C202400002"} and loads(found["C202400001"]["national_id"])
    assert time.monotonic() - started < 5
