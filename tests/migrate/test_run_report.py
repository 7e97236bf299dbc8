"""A report a person can act on: the run it came from (times, command, source checksum, database), the
threshold it was judged against — the same default for `hub demo` and `hub migrate`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
from pathlib import Path

from hub.core.migrate import DEFAULT_MAX_ERROR_RATE
from hub.core.migrate.run_facts import redact_command
from tests.migrate.conftest import HUB
from tests.migrate.test_cli_resume import EXAMPLE, hub, report_of
from tests.migrate.test_report_reconcile import Outline


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
