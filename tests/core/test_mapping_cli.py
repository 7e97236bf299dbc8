"""``hub mapping check`` run as the installed command, on good and bad files and on the repo itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hub.core.mapping import mapping_files

HUB = Path(sys.executable).with_name("hub")
REPO = Path(__file__).resolve().parents[2]

GOOD = """\
system: ats
entity: application
record_id: id
tables:
  status: {进行中: screening, 未通过: rejected}
fields:
  candidate.system: {const: ats}
  candidate.external_id: {from: 候选人, required: true}
  status: {from: 状态, steps: [{lookup: {table: status}}], required: true}
"""

BAD = """\
system: ats
entity: application
record_id: id
fields:
  candidate.external_id: {from: 候选人}
  statos: {from: 状态}
  stage: {from: 'a..b'}
  status_raw: {from: 状态, steps: [no_such_transform]}
"""


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HUB, "mapping", "check", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_good_file_passes(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    result = run("good.yaml", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
    assert "ok: 1 mapping file" in result.stderr


def test_a_folder_means_every_mapping_file_below_it(tmp_path: Path) -> None:
    folder = tmp_path / "mapping" / "hr_suites" / "ats"
    folder.mkdir(parents=True)
    (folder / "application.yaml").write_text(GOOD, encoding="utf-8")
    (folder / "candidate.yaml").write_text(BAD, encoding="utf-8")
    result = run(tmp_path / "mapping" / "hr_suites", cwd=tmp_path)
    assert result.returncode == 1
    assert "4 problems in 2 mapping files" in result.stderr


def test_bad_file_prints_each_problem_as_file_line_reason(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(BAD, encoding="utf-8")
    result = run("good.yaml", "bad.yaml", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == ["bad.yaml:6", "bad.yaml:7", "bad.yaml:8", "bad.yaml:4"]
    assert "Application has no field 'statos'" in lines[0]
    assert "bad path 'a..b'" in lines[1]
    assert "unknown transform 'no_such_transform'" in lines[2]
    assert "required field 'status' is never filled" in lines[3]
    assert "4 problems in 2 mapping files" in result.stderr


def test_without_files_lints_mapping_tree_and_skips_table_files(tmp_path: Path) -> None:
    folder = tmp_path / "mapping" / "hr_suites" / "ats"
    folder.mkdir(parents=True)
    (folder / "application.yaml").write_text(GOOD, encoding="utf-8")
    (folder / "tables.yaml").write_text("status: {a: b}\n", encoding="utf-8")
    (folder / "shared.tables.yaml").write_text("other: {a: b}\n", encoding="utf-8")
    assert run(cwd=tmp_path).returncode == 0
    (folder / "offer.yaml").write_text("system: ats\nentity: offer\n", encoding="utf-8")
    result = run(cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith(f"{Path('mapping/hr_suites/ats/offer.yaml')}:1: missing required key")


def test_without_a_mapping_folder_the_built_in_mappings_are_checked(tmp_path: Path) -> None:
    result = run(cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    shipped = len(mapping_files(REPO / "hub" / "mappings"))
    assert shipped > 10 and f"ok: {shipped} mapping files" in result.stderr


def test_without_files_checks_the_folders_hub_yaml_names(tmp_path: Path) -> None:
    folder = tmp_path / "mine" / "hr_suites" / "greenhouse"
    folder.mkdir(parents=True)
    (folder / "offer.yaml").write_text("system: greenhouse\nentity: offer\n", encoding="utf-8")
    (tmp_path / "hub.yaml").write_text("mappings: [mine]\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run("--config", str(tmp_path / "hub.yaml"), cwd=elsewhere)
    assert result.returncode == 1
    assert result.stdout.startswith(f"{folder / 'offer.yaml'}:1: missing required key"), result.stdout


def test_every_shipped_mapping_compiles() -> None:
    result = run(cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok:" in result.stderr


BAD_PARAMS = """\
system: hina
entity: assessment
record_id: id
fields:
  vendor: {const: hina}
  overall:
    from: 总分
    steps:
      - score:
          scale: bogus
  completed_at: {from: 完成时间, steps: [{datetime: {timezone: Asia/Shanghai}}]}
  comments: {from: 评语, steps: [{split: {sep: 3}}]}
"""


def test_bad_transform_parameters_fail_the_check_with_file_line_and_valid_names(tmp_path: Path) -> None:
    (tmp_path / "assessment.yaml").write_text(BAD_PARAMS, encoding="utf-8")
    result = run("assessment.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "assessment.yaml:10: transform 'score' parameter 'scale': unknown scale 'bogus'; expected one of "
        "zero_to_10, zero_to_100, one_to_5, letter_a_e, recommendation_en, recommendation_zh, yes_no",
        "assessment.yaml:11: transform 'datetime' takes no parameter 'timezone' (parameters: excel, formats, tz)",
        "assessment.yaml:12: transform 'split' parameter 'sep': expected sep to be a non-empty string",
    ]


def test_the_transform_reference_lists_every_transform_its_parameters_and_the_scales(tmp_path: Path) -> None:
    result = subprocess.run([HUB, "mapping", "transforms"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for listed in ("`birth_date_from_id`", "`excel`", "`zero_to_100`", "`recommendation_zh`", "`upgrade_15`"):
        assert listed in result.stdout
