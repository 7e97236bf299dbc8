"""`hub migrate` as a user runs it: exit codes, a run killed with SIGKILL and resumed, a crash resumed."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from hub.core.migrate import FileSource, JobSettings, Migration, StoreTarget, Thresholds
from tests.migrate.conftest import HUB, generator, source_rows, write_export

EXAMPLE = Path(__file__).resolve().parents[2] / "hub" / "examples" / "legacy_ai_interview" / "ai_interview_results.csv"


def hub(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HUB), "migrate", "--no-progress", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300, check=False)  # fmt: skip


def report_of(done: subprocess.CompletedProcess[str], cwd: Path) -> dict:
    line = next(line for line in done.stdout.splitlines() if line.startswith("json:"))
    return json.loads((cwd / line.split(":", 1)[1].strip()).read_text(encoding="utf-8"))


def end_state(db: Path, report: dict) -> tuple[set, dict]:
    """(system, kind, external id) of every stored record, and the target checksums per kind and field."""
    with sqlite3.connect(db) as conn:
        ids = set(conn.execute("SELECT system, kind, external_id FROM external_ids"))
    sums = {item["kind"]: {name: f["target"] for name, f in item["fields"].items()} for item in report["reconciliation"]}
    return ids, sums


def test_exit_codes(tmp_path: Path, cli_env: dict[str, str]) -> None:
    passed = hub(cli_env, "--source", str(EXAMPLE), "--export", "legacy_ai_interview", "--max-error-rate", "0.2", cwd=tmp_path)
    assert passed.returncode == 0, passed.stderr
    assert "status: PASS" in passed.stdout
    failed = hub(cli_env, "--source", str(EXAMPLE), "--export", "legacy_ai_interview", "--max-error-rate", "0.01", cwd=tmp_path)
    assert failed.returncode == 1 and "above max_error_rate" in failed.stdout
    missing = hub(cli_env, "--source", str(tmp_path / "nope.csv"), "--export", "legacy_ai_interview", cwd=tmp_path)
    assert missing.returncode == 2 and "neither a file nor a connector" in missing.stderr
    target = hub(cli_env, "--source", str(EXAMPLE), "--export", "legacy_ai_interview", "--target", "greenhouse", cwd=tmp_path)
    assert target.returncode == 2 and "neither `store` nor a connector of hub.yaml that writes" in target.stderr
    resume = hub(cli_env, "--resume", "no-such-run", cwd=tmp_path)
    assert resume.returncode == 2 and "no migration run" in resume.stderr


@pytest.mark.parametrize("content", ["", "header"], ids=["empty", "header-only"])
def test_an_export_without_records_is_a_failed_run(tmp_path: Path, cli_env: dict[str, str], content: str) -> None:
    export = tmp_path / "export.csv"
    header = EXAMPLE.read_bytes().splitlines()[0].decode("gb18030")
    export.write_text(header + "\n" if content else "", encoding="utf-8")
    for dry in ((), ("--dry-run",)):
        done = hub(cli_env, "--source", str(export), "--export", "legacy_ai_interview", *dry, cwd=tmp_path)
        assert done.returncode == 1, done.stderr
        assert "status: FAIL" in done.stdout and "the source held no records" in done.stdout
        report = report_of(done, tmp_path)
        assert report["status"] == "fail" and report["totals"]["rows"] == 0


def test_a_run_aborted_by_a_decryption_error_is_recorded_failed_not_left_running(tmp_path: Path, cli_env: dict[str, str]) -> None:
    args = ("--source", str(EXAMPLE), "--export", "legacy_ai_interview", "--max-error-rate", "0.2")
    assert hub(cli_env, *args, cwd=tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / "cli.db") as conn:  # one stored name's ciphertext damaged on disk
        entity_id, pii = conn.execute("SELECT id, pii FROM entities WHERE kind = 'candidate' AND pii IS NOT NULL").fetchone()
        tokens = json.loads(pii)
        tokens["name"] = tokens["name"][:-4] + ("AAAA" if not tokens["name"].endswith("AAAA") else "BBBB")
        conn.execute("UPDATE entities SET pii = ? WHERE id = ?", (json.dumps(tokens), entity_id))
    again = hub(cli_env, *args, cwd=tmp_path)  # its reconciliation reads the damaged record back
    assert again.returncode != 0 and "decryption-failed" in again.stderr
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        runs = conn.execute("SELECT status, finished_at, counters FROM job_runs ORDER BY started_at").fetchall()
    assert [status for status, _, _ in runs] == ["succeeded", "failed"]
    assert runs[1][1] is not None and json.loads(runs[1][2])["error"].startswith("[decryption-failed] candidate")


@pytest.mark.slow
def test_sigkill_mid_run_then_resume_equals_uninterrupted(tmp_path: Path, cli_env: dict[str, str]) -> None:
    export = write_export(tmp_path / "export.csv", list(generator.generate_rows(800)))
    job = tmp_path / "job.yaml"
    job.write_text("batch_size: 25\nthresholds: {max_error_rate: 0.01}\n", encoding="utf-8")
    args = ("--source", str(export), "--export", "legacy_ai_interview", "--job", str(job))
    db = tmp_path / "cli.db"
    process = subprocess.Popen([str(HUB), "migrate", "--no-progress", *args], env=cli_env, cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    run_id, deadline = None, time.monotonic() + 120
    while run_id is None and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
        try:
            with sqlite3.connect(db) as conn:
                row = conn.execute("SELECT stream, value FROM sync_cursors WHERE connector = 'migrate'").fetchone()
        except sqlite3.Error:
            continue
        if row and json.loads(row[1])["position"] > 100:
            run_id = row[0]
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert run_id is not None, "the run ended before it could be killed; use a bigger export"
    with sqlite3.connect(db) as conn:
        position = json.loads(conn.execute("SELECT value FROM sync_cursors WHERE stream = ?", (run_id,)).fetchone()[0])["position"]
    assert position < 801, "killed after the last batch: nothing left to resume"
    resumed = hub(cli_env, "--resume", run_id, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    clean_env = {**cli_env, "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'clean.db'}"}
    clean = hub(clean_env, *args, cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert end_state(db, report_of(resumed, tmp_path)) == end_state(tmp_path / "clean.db", report_of(clean, tmp_path))
    resumed_report = report_of(resumed, tmp_path)
    # 7 planted faults, and the 9 records stored that reference a record one of them rejected
    assert resumed_report["totals"]["rows"] == 800 and resumed_report["totals"]["findings"] == 7 + 9
    with sqlite3.connect(db) as conn:  # no record written twice: one version per entity, one change each
        assert conn.execute("SELECT max(version) FROM entities").fetchone()[0] == 1


class Crash(Exception):
    pass


def test_resume_after_a_crash_in_process(tmp_path: Path, store_factory, cli_env: dict[str, str]) -> None:
    export = write_export(tmp_path / "export.csv", source_rows(200))
    source = FileSource({"path": str(export), "export": "legacy_ai_interview"})
    settings = JobSettings(source=source.settings, batch_size=30, thresholds=Thresholds(max_error_rate=0.01))
    store = store_factory("cli")  # the database the CLI env points at

    def crash(state: dict) -> None:
        if state["position"] > 90:
            raise Crash

    with pytest.raises(Crash):
        Migration(settings, source, StoreTarget(store, source.system), workdir=tmp_path / ".hub-migrate",
                  progress=False, on_batch=crash).run()  # fmt: skip
    run_id = _only_run(tmp_path / "cli.db")
    resumed = hub(cli_env, "--resume", run_id, cwd=tmp_path)
    assert resumed.returncode == 1  # the planted faults are above the run's saved threshold of 1 %
    clean_store = store_factory("clean")
    clean = Migration(settings, source, StoreTarget(clean_store, source.system), progress=False).run()
    ids, sums = end_state(tmp_path / "cli.db", report_of(resumed, tmp_path))
    clean_ids, _ = end_state(tmp_path / "clean.db", {"reconciliation": []})
    assert ids == clean_ids
    assert sums == {item.kind: item.target_checksums for item in clean.reconciliation}
    report = report_of(resumed, tmp_path)
    assert {(f["row"], f["field"], f["kind"]) for f in report["findings"]} == {f.key for f in clean.findings}


def _only_run(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT stream FROM sync_cursors WHERE connector = 'migrate'").fetchone()[0]
