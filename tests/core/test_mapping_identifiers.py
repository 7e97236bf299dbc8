"""Ids are never PII: a record id or external id read from a person's data is refused when the mapping
compiles, by the library and by ``hub mapping check`` (file:line, the reason and the alternative)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hub.core.errors import MappingCompileError
from hub.core.mapping import check_mapping, load_mapping_text

HUB = Path(sys.executable).with_name("hub")

# Each mapping reads an id from a person's data; the line the refusal must name.
PII_IDS = {
    "record id from a column mapped to national_id": (
        "system: hr\nentity: candidate\nrecord_id: sfz\nfields:\n  national_id: {from: sfz}\n", 3),
    "record id from a column the vocabulary knows as PII": (
        "system: hr\nentity: candidate\nrecord_id: 身份证号\nfields:\n  location: {from: 城市}\n", 3),
    "record id from a nested email": (
        "system: hr\nentity: candidate\nrecord_id: contact.Email\nfields: {}\n", 3),
    "a reference's external id from a phone column": (
        "system: hr\nentity: application\nrecord_id: 编号\nfields:\n  candidate.system: {const: hr}\n"
        "  candidate.external_id: {from: 手机号}\n  status: {const: applied}\n", 6),
    "another system's external id from a column mapped to emails": (
        "system: hr\nentity: candidate\nrecord_id: 编号\nfields:\n  emails: {from: mail}\n"
        "  external_ids.crm: {from: mail}\n", 6),
}


@pytest.mark.parametrize("text, line", PII_IDS.values(), ids=PII_IDS.keys())
def test_an_id_read_from_pii_does_not_compile(text: str, line: int) -> None:
    with pytest.raises(MappingCompileError) as info:
        load_mapping_text(text, file="m.yaml")
    assert info.value.line == line
    assert "a person's data" in info.value.reason
    assert "own record id" in info.value.reason  # the alternative


def test_ids_from_the_systems_own_columns_compile() -> None:
    mapping = load_mapping_text(
        "system: hr\nentity: application\nrecord_id: 候选人编号\nfields:\n  candidate.system: {const: hr}\n"
        "  candidate.external_id: {from: 候选人编号, steps: [to_str]}\n  job.external_id: {from: 应聘岗位}\n"
        "  status: {const: applied}\n"
    )
    assert mapping.apply({"候选人编号": "C1", "应聘岗位": "产品经理"})["external_ids"] == {"hr": "C1"}


def test_hub_mapping_check_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "candidate.yaml"
    path.write_text(PII_IDS["record id from a column mapped to national_id"][0], encoding="utf-8")
    assert [problem.line for problem in check_mapping(path)] == [3]
    result = subprocess.run([HUB, "mapping", "check", path.name], cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    assert result.returncode == 1
    assert result.stdout.startswith("candidate.yaml:3: record_id 'sfz' reads a person's data")
