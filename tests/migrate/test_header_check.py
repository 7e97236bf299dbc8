"""The header check: an export lacking a column its mappings require stops the migration before any
row is read — exit code 2, "expected …, found …", no rows written, no per-row findings."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from hub.core.errors import MissingColumnsError
from hub.core.migrate.endpoints import FileSource
from tests.migrate.test_cli_resume import EXAMPLE, hub


def example_rows() -> list[dict[str, str]]:
    with EXAMPLE.open(encoding="gbk", newline="") as handle:
        return list(csv.DictReader(handle))


def without(column: str, path: Path) -> Path:
    """The shipped example export with ``column`` left out, as CSV or XLSX by ``path``'s extension."""
    rows = example_rows()
    header = [name for name in rows[0] if name != column]
    table = [header, *([row[name] for name in header] for row in rows)]
    if path.suffix == ".xlsx":
        book = openpyxl.Workbook()
        for line in table:
            book.active.append(line)
        book.save(path)
    else:
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(table)
    return path


def test_a_missing_id_column_stops_hub_migrate_before_any_row(tmp_path: Path, cli_env: dict[str, str]) -> None:
    export = without("候选人编号", tmp_path / "export.csv")
    done = hub(cli_env, "--source", str(export), "--export", "legacy_ai_interview", cwd=tmp_path)
    assert done.returncode == 2
    assert "[missing-columns] export.csv: missing column 候选人编号: expected 候选人编号, 姓名, 应聘岗位" in done.stderr
    assert "; found 姓名, 手机号, 邮箱, 身份证号, 应聘岗位," in done.stderr
    assert "candidate." not in done.stderr and done.stdout == ""  # one reason, not a finding per row
    assert not (tmp_path / "migration-reports").exists()
    assert stored_entities(tmp_path / "cli.db") == 0


def stored_entities(database: Path) -> int:
    """Entities in the store (0 when the command stopped before creating any table)."""
    if not database.exists():
        return 0
    with sqlite3.connect(database) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return conn.execute("SELECT count(*) FROM entities").fetchone()[0] if "entities" in tables else 0


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_header_alone_is_checked_for_the_migrated_kinds(tmp_path: Path, suffix: str) -> None:
    export = without("状态", tmp_path / f"export{suffix}")
    settings = {"path": str(export), "export": "legacy_ai_interview"}
    with pytest.raises(MissingColumnsError) as info:
        FileSource(settings)
    assert "missing column 状态: expected" in info.value.reason
    assert FileSource(settings, entities=["candidate", "job"]).mappings  # 状态 is the application's only
