"""``hub mapping new``: a starter mapping folder written from an export's header (CSV, XLSX, JSONL;
Chinese and English columns) compiles with ``hub mapping check`` and migrates the same file."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import openpyxl
import pytest

from hub.examples import generate_legacy_export as generator
from tests.migrate.conftest import HUB
from tests.migrate.test_cli_resume import hub as hub_migrate
from tests.migrate.test_cli_resume import report_of

ROWS = 12
#: The export's columns under other names the vocabulary knows: alternative Chinese forms, and English.
NAMES = {
    "zh": {"总分": "综合得分", "状态": "面试结论"},
    "en": {"候选人编号": "Candidate ID", "姓名": "Name", "手机号": "Mobile", "邮箱": "E-mail", "身份证号": "National ID",
           "应聘岗位": "Position", "部门": "Department", "面试时间": "Interview Time", "总分": "Overall Score",
           "沟通能力": "Communication", "逻辑思维": "Logical Thinking", "抗压能力": "Stress Resilience",
           "专业知识": "Domain Knowledge", "面试官评语": "Comments", "推荐意见": "Recommendation", "状态": "Status"},
}  # fmt: skip
UNMAPPED = {"zh": "备注", "en": "Notes"}


def write_export(path: Path, language: str) -> Path:
    """A fault-free export of :data:`ROWS` people with ``language``'s column names and one column no one maps."""
    names = NAMES[language]
    header = [names.get(column, column) for column in generator.HEADERS] + [UNMAPPED[language]]
    rows = [[*row.values(), "随便写写"] for row in generator.generate_rows(ROWS, faults=False, typed=path.suffix == ".xlsx")]
    if path.suffix == ".xlsx":
        book = openpyxl.Workbook()
        for line in [header, *rows]:
            book.active.append(line)
        book.save(path)
    elif path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(dict(zip(header, row)), ensure_ascii=False) + "\n" for row in rows),
                        encoding="utf-8")  # fmt: skip
    else:
        with path.open("w", encoding="gbk", newline="") as handle:
            csv.writer(handle).writerows([header, *rows])
    return path


def hub(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HUB, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".jsonl"])
def test_a_starter_folder_compiles_and_migrates_its_export(
    tmp_path: Path, cli_env: dict[str, str], suffix: str, language: str
) -> None:
    export = write_export(tmp_path / f"export{suffix}", language)
    written = hub("mapping", "new", "--from", export, "--export", "hr_export", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    folder = tmp_path / "mapping" / "files" / "hr_export"
    kinds = ["candidate", "job", "application", "assessment"]
    assert written.stdout.split() == [f"mapping/files/hr_export/{kind}.yaml" for kind in kinds]
    assert f"# unmapped: {UNMAPPED[language]}\n" in (folder / "candidate.yaml").read_text(encoding="utf-8")
    checked = hub("mapping", "check", "mapping", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    done = hub_migrate(cli_env, "--source", str(export), "--mappings", str(folder), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    report = report_of(done, tmp_path)
    assert report["totals"]["rows"] == ROWS and report["totals"]["rows_with_findings"] == 0
    assert report["entities"] == {kind: {"valid": ROWS, "rejected": 0} for kind in kinds}


def test_an_existing_folder_is_never_overwritten(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export.csv", "zh")
    assert hub("mapping", "new", "--from", export, "--export", "hr_export", cwd=tmp_path).returncode == 0
    edited = tmp_path / "mapping" / "files" / "hr_export" / "job.yaml"
    edited.write_text("# mine\n", encoding="utf-8")
    again = hub("mapping", "new", "--from", export, "--export", "hr_export", cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert edited.read_text(encoding="utf-8") == "# mine\n"


def test_an_id_column_is_recognized_or_named_and_never_pii(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text("姓名,手机号,工单号\n张伟,13800138000,T1\n", encoding="utf-8")
    unknown = hub("mapping", "new", "--from", export, "--export", "a", cwd=tmp_path)
    assert unknown.returncode == 2 and "name it with --id" in unknown.stderr
    pii = hub("mapping", "new", "--from", export, "--export", "a", "--id", "手机号", cwd=tmp_path)
    assert pii.returncode == 2 and "holds a person's data" in pii.stderr
    named = hub("mapping", "new", "--from", export, "--export", "a", "--id", "工单号", cwd=tmp_path)
    assert named.returncode == 0, named.stderr
    assert "record_id: 工单号\n" in (tmp_path / "mapping" / "files" / "a" / "candidate.yaml").read_text(encoding="utf-8")
    assert not (tmp_path / "13800138000").exists() and "13800138000" not in named.stdout + named.stderr
