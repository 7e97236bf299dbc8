"""Every file the hub writes that holds or indexes PII is mode 0600, whatever the process's umask:
the SQLite store with its WAL and SHM, the migration's ledger and reports, import files, key files."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from hub.core.errors import ConfigError
from hub.core.private import private_folder
from tests.migrate.test_connector_target import employees, write_csv

HUB = Path(sys.executable).with_name("hub")


def _modes(folder: Path) -> dict[str, int]:
    return {str(path.relative_to(folder)): stat.S_IMODE(path.stat().st_mode) for path in folder.rglob("*") if path.is_file()}


def test_a_migration_into_an_import_file_leaves_only_private_files(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    employees_csv = write_csv(tmp_path / "in" / "employees.csv", employees(3))
    (tmp_path / "hub.yaml").write_text(
        "database: {url: 'sqlite:///out/hub.db'}\nkeys: {provider: file, settings: {path: out/keys.json}}\n"
        "connectors:\n  payroll:\n    type: files_import\n    settings: {directory: out/inbox, mappings: payroll_import}\n",
        encoding="utf-8")
    env = {**os.environ, "HUB_CONFIG": str(tmp_path / "hub.yaml")}
    run = lambda *args: subprocess.run([str(HUB), *args], cwd=tmp_path, env=env, capture_output=True, text=True,  # noqa: E731
                                       timeout=300, preexec_fn=lambda: os.umask(0o022))  # fmt: skip
    (tmp_path / "out").mkdir()
    assert run("keys", "generate", "--out", "out/keys.json").returncode == 0
    done = run("migrate", "--no-progress", "--source", str(employees_csv), "--export", "payroll_import",
               "--entities", "employee", "--target", "payroll", "--report", "out/reports", "--workdir", "out/ledgers")
    assert done.returncode == 0, done.stdout + done.stderr

    modes = _modes(tmp_path / "out")
    written = {name.split("/")[0] for name in modes} | {Path(name).suffix for name in modes}
    assert {"hub.db", "keys.json", "inbox", "reports", "ledgers", ".json", ".html", ".csv", ".ledger"} <= written
    assert {name: mode for name, mode in modes.items() if mode != 0o600} == {}


def test_the_demo_leaves_only_private_files(tmp_path: Path) -> None:
    done = subprocess.run([str(HUB), "demo", "--workdir", "demo"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, preexec_fn=lambda: os.umask(0o022))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    modes = _modes(tmp_path / "demo")
    assert any(name.endswith(".html") for name in modes) and "hub-demo.db" in modes
    assert {name: mode for name, mode in modes.items() if mode != 0o600} == {}


def test_a_folder_of_another_user_is_refused(tmp_path: Path) -> None:
    if os.getuid() != 0:
        pytest.skip("needs root to make a folder another user owns")
    folder = tmp_path / "theirs"
    folder.mkdir()
    os.chown(folder, 4242, 4242)
    with pytest.raises(ConfigError, match="belongs to another user"):
        private_folder(folder)
