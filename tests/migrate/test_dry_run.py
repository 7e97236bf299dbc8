"""``hub migrate --dry-run`` is honest: it creates nothing (no database, no ledger folder) and needs
no key ring, yet still finds what a real run would refuse; over an existing store it changes no byte."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from tests.migrate.test_cli_resume import EXAMPLE, hub, report_of

ARGS = ("--source", str(EXAMPLE), "--export", "legacy_ai_interview", "--max-error-rate", "0.2")


def without_keys(env: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in env.items() if name != "HUB_KEYS"}


def test_a_dry_run_creates_no_database_and_no_ledger_and_needs_no_key_ring(tmp_path: Path, cli_env: dict[str, str]) -> None:
    done = hub(without_keys(cli_env), *ARGS, "--dry-run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(tmp_path)) == ["migration-reports"]  # no cli.db, no .hub-migrate/
    report = report_of(done, tmp_path)
    assert report["dry_run"] and report["totals"]["rows_with_findings"] > 0  # the faults are still found
    real = hub(cli_env, *ARGS, cwd=tmp_path)
    assert real.returncode == 0 and report_of(real, tmp_path)["totals"] == report["totals"]


def test_a_dry_run_over_an_existing_store_changes_no_byte_of_it(tmp_path: Path, cli_env: dict[str, str]) -> None:
    assert hub(cli_env, *ARGS, cwd=tmp_path).returncode == 0
    database = tmp_path / "cli.db"
    files = sorted(os.listdir(tmp_path))
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    for env in (cli_env, without_keys(cli_env)):
        assert hub(env, *ARGS, "--dry-run", cwd=tmp_path).returncode == 0
        assert hashlib.sha256(database.read_bytes()).hexdigest() == before
        assert sorted(os.listdir(tmp_path)) == files


def test_a_dry_run_with_the_wrong_key_ring_is_refused(tmp_path: Path, cli_env: dict[str, str]) -> None:
    from hub.core.crypto import KeyRing

    assert hub(cli_env, *ARGS, cwd=tmp_path).returncode == 0
    wrong = {**cli_env, "HUB_KEYS": KeyRing.generate().to_json()}
    done = hub(wrong, *ARGS, "--dry-run", cwd=tmp_path)
    assert done.returncode == 2 and "key-ring-mismatch" in done.stderr
