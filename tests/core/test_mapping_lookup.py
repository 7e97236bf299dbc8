"""Where mappings come from: the package that ships them, and the user's folders that override them file by file.

Every test runs from an empty working directory, as an installed hub does: nothing may be found
relative to the source tree.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from hub.core.config import load_config
from hub.core.connector import Category, Connector
from hub.core.errors import ConfigError
from hub.core.mapping import load_mapping
from hub.core.mapping_files import BUILTIN_MAPPINGS, MappingLookup, package_root
from hub.core.migrate.endpoints import FileSource
from hub.examples import example
from plugins.files.import_target import ImportFileTarget
from plugins.hr_suites.greenhouse import Greenhouse

JOB_BY_CODE = """\
system: legacy_ai_interview
entity: job
record_id: 部门
fields:
  title: {from: 应聘岗位, required: true}
"""


@pytest.fixture(autouse=True)
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def _user_folder(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return root


def test_a_connector_finds_its_built_in_mappings_from_any_working_directory() -> None:
    path = Greenhouse({"client_id": "c", "client_secret": "s", "user_id": "1"}).mapping_path("job.yaml")
    assert path == package_root(BUILTIN_MAPPINGS) / "hr_suites" / "greenhouse" / "job.yaml"
    assert load_mapping(path).system == "greenhouse"


def test_a_user_folder_replaces_one_built_in_mapping_and_keeps_the_others(tmp_path: Path) -> None:
    mine = _user_folder(tmp_path / "mine", "files/legacy_ai_interview/job.yaml", JOB_BY_CODE)
    source = FileSource({"path": str(example("legacy_ai_interview", "ai_interview_results.csv")),
                         "export": "legacy_ai_interview"}, mapping_lookup=MappingLookup((mine,)))
    assert source.mappings["job"].file == str(mine / "files" / "legacy_ai_interview" / "job.yaml")
    built_in = package_root(BUILTIN_MAPPINGS) / "files" / "legacy_ai_interview"
    assert source.mappings["candidate"].file == str(built_in / "candidate.yaml")
    _, record, row, _ = next(source.rows())
    assert source.mappings["job"].apply(row)["external_ids"] == {"legacy_ai_interview": row["部门"]}


def test_the_first_user_folder_wins_and_a_reverse_mapping_is_looked_up_the_same_way(tmp_path: Path) -> None:
    offer = (package_root(BUILTIN_MAPPINGS) / "files" / "payroll_import" / "offer.yaml").read_text(encoding="utf-8")
    first = _user_folder(tmp_path / "first", "files/payroll_import/offer.yaml", offer)
    second = _user_folder(tmp_path / "second", "files/payroll_import/offer.yaml", "not: used\n")
    target = ImportFileTarget({"directory": str(tmp_path / "inbox"), "mappings": "payroll_import"},
                              mapping_lookup=MappingLookup((first, second)))
    assert target.reverse_mapping("offer").file == str(first / "files" / "payroll_import" / "offer.yaml")


def test_a_missing_mapping_names_every_place_it_looked(tmp_path: Path) -> None:
    lookup = MappingLookup((tmp_path / "mine",))
    with pytest.raises(ConfigError) as error:
        lookup.file(BUILTIN_MAPPINGS, "hr_suites", "greenhouse", "payslip.yaml")
    assert str(tmp_path / "mine" / "hr_suites" / "greenhouse") in str(error.value)
    assert str(package_root(BUILTIN_MAPPINGS) / "hr_suites" / "greenhouse") in str(error.value)


def test_systems_are_the_folders_holding_mapping_files_the_users_and_the_built_in_ones(tmp_path: Path) -> None:
    (tmp_path / "mine" / "files" / "old_ats").mkdir(parents=True)
    (tmp_path / "mine" / "files" / "old_ats" / "job.yaml").write_text(JOB_BY_CODE, encoding="utf-8")
    (tmp_path / "mine" / "hr_suites" / "empty").mkdir(parents=True)
    systems = MappingLookup((tmp_path / "mine", tmp_path / "absent")).systems(BUILTIN_MAPPINGS)
    built_in = MappingLookup(()).systems(BUILTIN_MAPPINGS)  # the shipped folders, whichever connectors ship
    assert {"ai_interview": "interview_vendors", "greenhouse": "hr_suites", "payroll_import": "files"}.items() <= built_in.items()
    assert systems == {**built_in, "old_ats": "files"}  # the user's folder added, its empty one not


def test_a_third_party_connector_reads_mappings_from_its_own_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "site" / "acme_hub"
    (package / "mappings" / "hr_suites" / "acme").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "mappings" / "__init__.py").write_text("")
    (package / "mappings" / "hr_suites" / "acme" / "candidate.yaml").write_text(textwrap.dedent("""\
        system: acme
        entity: candidate
        record_id: id
        fields:
          name: {from: name}
        """), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))

    class Acme(Connector):
        name = "acme"
        category = Category.HR_SUITES
        mapping_package = "acme_hub.mappings"

    mapping = load_mapping(Acme().mapping_path("candidate.yaml"))
    assert mapping.apply({"id": "7", "name": "Ada"}) == {"external_ids": {"acme": "7"}, "name": "Ada"}


def test_an_uninstalled_mapping_package_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="'no_such_mappings' is not installed"):
        package_root("no_such_mappings")


def test_hub_yaml_mapping_folders_are_read_from_its_own_folder(tmp_path: Path) -> None:
    config_file = tmp_path / "project" / "hub.yaml"
    config_file.parent.mkdir()
    config_file.write_text(f"mappings: [mine, {tmp_path / 'absolute'}]\n", encoding="utf-8")
    config = load_config(config_file)
    assert config.mapping_lookup.folders == (tmp_path / "project" / "mine", tmp_path / "absolute")
