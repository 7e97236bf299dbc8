"""A report a person can act on: the run it came from (times, command, source checksum, database), the
threshold it was judged against — the same default for `hub demo` and `hub migrate` —, records stored that
point at a rejected one, and the rejected rows as a CSV to fix and import again."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import subprocess
from pathlib import Path

from hub.core.migrate import DEFAULT_MAX_ERROR_RATE
from hub.core.migrate.run_facts import redact_command
from tests.migrate.conftest import HUB, source_rows, write_export
from tests.migrate.test_cli_resume import EXAMPLE, hub, report_of
from tests.migrate.test_report_reconcile import Outline, pii_values


def outline(report: dict, cwd: Path, stdout: str) -> Outline:
    line = next(line for line in stdout.splitlines() if line.startswith("report:"))
    page = Outline()
    page.feed((cwd / line.split(":", 1)[1].strip()).read_text(encoding="utf-8"))
    return page


def test_demo_and_migrate_judge_by_the_same_default_threshold(tmp_path: Path, cli_env: dict[str, str]) -> None:
    demo = subprocess.run([str(HUB), "demo", "--workdir", str(tmp_path / "demo")], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300, check=False)  # fmt: skip
    migrate = hub(cli_env, "--source", str(EXAMPLE), "--export", "legacy_ai_interview", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    for done in (demo, migrate):
        assert report_of(done, tmp_path)["thresholds"]["max_error_rate"] == DEFAULT_MAX_ERROR_RATE


def test_report_states_the_run_it_came_from(tmp_path: Path, cli_env: dict[str, str]) -> None:
    done = hub(cli_env, "--source", str(EXAMPLE), "--export", "legacy_ai_interview", "--max-error-rate", "0.2",
               cwd=tmp_path)  # fmt: skip
    report = report_of(done, tmp_path)
    run = report["run"]
    started, finished = dt.datetime.fromisoformat(run["started_at"]), dt.datetime.fromisoformat(run["finished_at"])
    assert started <= finished and run["duration_seconds"] == round((finished - started).total_seconds(), 3)
    assert run["source_sha256"] == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert run["database"] == cli_env["HUB_DATABASE_URL"]
    assert run["command"].endswith(f"migrate --no-progress --source {EXAMPLE} --export legacy_ai_interview --max-error-rate 0.2")
    text = " ".join(outline(report, tmp_path, done.stdout).text)
    for stated in (run["started_at"], run["finished_at"], f"{run['duration_seconds']:.1f} s", run["command"],
                   run["source_sha256"], run["database"], "max error rate 20.00%", "PASS", report["run_id"]):  # fmt: skip
        assert stated in text, stated
    assert json.dumps(report).count(cli_env["HUB_KEYS"]) == 0


def test_command_line_hides_passwords() -> None:
    command = redact_command(["hub", "migrate", "--source", "https://svc:s3cret@files.example/export.csv?token=abc"])
    assert "s3cret" not in command and "abc" not in command and "svc:***@files.example" in command


def rejected_csv(done: subprocess.CompletedProcess[str], cwd: Path) -> Path:
    return cwd / (next(line for line in done.stdout.splitlines() if line.startswith("rejected rows:")).split(":", 1)[1].strip())


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def test_rejected_rows_warn_and_come_back_as_a_csv_to_fix_and_reimport(tmp_path: Path, cli_env: dict[str, str]) -> None:
    rows = source_rows(30, faults=False)
    original = {number: dict(row) for number, row in enumerate(rows, start=2)}
    rows[5]["手机号"] = "12345"  # row 7: the candidate is rejected
    rows[9]["总分"] = "120"  # row 11: the assessment is rejected
    export = write_export(tmp_path / "export.csv", rows)
    done = hub(cli_env, "--source", str(export), "--export", "legacy_ai_interview", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    report = report_of(done, tmp_path)
    warned = {(f["row"], f["field"]) for f in report["findings"] if f["kind"] == "rejected_reference"}
    assert warned == {(7, "application.candidate"), (7, "assessment.candidate")}  # stored, pointing at nothing
    assert report["entities"]["application"] == {"valid": 30, "rejected": 0}
    assert "rejected_reference" in outline(report, tmp_path, done.stdout).text
    path = rejected_csv(done, tmp_path)
    assert path.name == f"rejected-rows-{report['run_id']}.csv"
    assert path.stat().st_mode & 0o777 == 0o600
    masked = read_rows(path)
    assert [(row["hub_row"], row["hub_reason"].split(":")[0]) for row in masked] == [("7", "candidate.phones"),
                                                                                     ("11", "assessment.overall")]  # fmt: skip
    assert set(masked[0]) == {*rows[0], "hub_row", "hub_reason"}
    text = path.read_text(encoding="utf-8-sig")
    assert not pii_values([original[7], original[11]]) & set(re.split(r"[,\s]", text)), "PII in the masked CSV"
    assert path.name in outline(report, tmp_path, done.stdout).links

    plain = read_rows(rejected_csv(hub(cli_env, "--source", str(export), "--export", "legacy_ai_interview", "--dry-run",
                                       "--rejected-with-pii", cwd=tmp_path), tmp_path))  # fmt: skip
    assert [row["身份证号"] for row in plain] == [rows[5]["身份证号"], rows[9]["身份证号"]]

    fixed = tmp_path / "fixed.csv"  # what the person does: type the masked cells in again, correct the faults
    with fixed.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(masked[0]))
        writer.writeheader()
        for row in masked:
            writer.writerow({**row, **original[int(row["hub_row"])]})
    again = hub(cli_env, "--source", str(fixed), "--export", "legacy_ai_interview", "--max-error-rate", "0", cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    report = report_of(again, tmp_path)
    assert report["rejected_rows"] == {"count": 0, "file": None}
    assert report["findings"] == []  # hub_row and hub_reason are not taken for unmapped columns
    assert report["entities"]["candidate"] == {"valid": 2, "rejected": 0}
