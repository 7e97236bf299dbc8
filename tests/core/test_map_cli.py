"""``hub map`` run as the installed command: a Greenhouse candidate payload (the cassette's records,
as Greenhouse sends them) and the shipped legacy AI-interview export, mapped and printed, nothing stored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

HUB = Path(sys.executable).with_name("hub")
REPO = Path(__file__).resolve().parents[2]
EXPORT = REPO / "hub/examples/legacy_ai_interview/ai_interview_results.csv"
CANDIDATES = REPO / "tests/cassettes/hr_suites/greenhouse/candidates.yaml"
#: Every system the package ships a mapping folder for (plugins/<category>/<system>/ under hub/mappings).
BUILT_IN_SYSTEMS = sorted({folder.name for folder in (REPO / "hub/mappings").glob("*/*") if folder.is_dir()})
GREENHOUSE = "connectors:\n  gh:\n    type: greenhouse\n    settings: {client_id: id, client_secret: secret}\n"


def hub_map(cwd: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "HUB_CONFIG"}
    return subprocess.run([HUB, "map", *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def payload(tmp_path: Path) -> Path:
    """Every candidate of the Greenhouse cassette's pages, as the vendor sent them, in one JSON list."""
    interactions = yaml.safe_load(CANDIDATES.read_text(encoding="utf-8"))["interactions"]
    records = [record for interaction in interactions if "/v3/candidates" in interaction["request"]["uri"]
               for record in json.loads(interaction["response"]["body"]["string"])]  # fmt: skip
    path = tmp_path / "candidates.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def test_a_greenhouse_payload_is_prepared_and_mapped_with_its_pii_masked(tmp_path: Path, payload: Path) -> None:
    (tmp_path / "hub.yaml").write_text(GREENHOUSE, encoding="utf-8")
    done = hub_map(tmp_path, "--system", "greenhouse", "--entity", "candidate", "--input", payload)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 5 and all(line.startswith("candidate {") for line in lines)
    first = json.loads(lines[0].removeprefix("candidate "))
    assert first["external_ids"] == {"greenhouse": "1001"} and first["tags"] == ["referral"]
    assert first["name"].startswith("****") and first["phones"] == "[********0101]"  # derived by the mapping, then masked
    for plaintext in ("Test Candidate", "test.candidate1@example.com", "+14155550101", "415-555-0101"):
        assert plaintext not in done.stdout + done.stderr
    assert not (tmp_path / "hub.db").exists()


def test_a_record_that_fails_is_a_typed_error_with_its_value_masked_and_exit_1(tmp_path: Path, payload: Path) -> None:
    (tmp_path / "hub.yaml").write_text(GREENHOUSE, encoding="utf-8")
    records = json.loads(payload.read_text(encoding="utf-8"))
    records[1]["email_addresses"] = [{"value": "zhang.wei.private@@example", "type": "personal"}]
    payload.write_text(json.dumps(records), encoding="utf-8")
    done = hub_map(tmp_path, "--system", "greenhouse", "--entity", "candidate", "--input", payload)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["candidate"] * 4 + ["error"]
    assert lines[-1].startswith("error candidates.json:2 (1002): [mapping-error] greenhouse candidate 1002 field 'emails':")
    assert "zhang.wei" not in done.stdout + done.stderr
    assert done.stderr.endswith("4 records, 1 errors\n")


def test_show_pii_prints_plaintext_and_warns(tmp_path: Path, payload: Path) -> None:
    (tmp_path / "hub.yaml").write_text(GREENHOUSE, encoding="utf-8")
    done = hub_map(tmp_path, "--system", "greenhouse", "--entity", "candidate", "--input", payload, "--show-pii")
    assert done.returncode == 0, done.stderr
    first = json.loads(done.stdout.splitlines()[0].removeprefix("candidate "))
    assert first["name"] == "Test Candidate One"
    assert first["emails"] == ["test.candidate1@example.com"] and first["phones"] == ["+14155550101"]
    assert "warning: --show-pii prints personal data in plaintext" in done.stderr


def test_a_payload_without_a_configured_connector_is_mapped_as_given_with_a_note(tmp_path: Path, payload: Path) -> None:
    done = hub_map(tmp_path, "--system", "greenhouse", "--entity", "candidate", "--input", payload, "--json")
    assert done.returncode == 0, done.stderr
    first = json.loads(done.stdout)["records"][0]["record"]
    assert first["external_ids"] == {"greenhouse": "1001"}
    assert first["name"].startswith("****")  # the candidate mapping derives the name itself (`join`), unprepared
    assert "hub.yaml configures no greenhouse connector" in done.stderr


def test_the_legacy_export_as_one_json_document_with_records_errors_and_exit_1(tmp_path: Path) -> None:
    masked = hub_map(tmp_path, "--system", "legacy_ai_interview", "--input", EXPORT, "--json")
    assert masked.returncode == 1, masked.stderr
    document = json.loads(masked.stdout)
    assert set(document) == {"records", "errors"}
    assert {record["kind"] for record in document["records"]} == {"candidate", "job", "application", "assessment"}
    assert [(error["row"], error["field"], error["code"]) for error in document["errors"]] == [
        (9, "candidate.national_id", "mapping-error"), (17, "assessment.completed_at", "mapping-error"),
        (24, "assessment.overall", "mapping-error"), (32, "candidate.phones", "mapping-error"),
        (39, "application.status", "mapping-error"), (47, "candidate.name", "mapping-error"),
    ]  # fmt: skip
    assert document["errors"][0]["record"] == "ai_interview_results.csv:9 (C202400008)"

    shown = json.loads(hub_map(tmp_path, "--system", "legacy_ai_interview", "--input", EXPORT, "--json", "--show-pii").stdout)
    people = [record["record"] for record in shown["records"] if record["kind"] == "candidate"]
    assert len(people) == len([r for r in document["records"] if r["kind"] == "candidate"]) > 50
    for person in people:
        for value in (person["name"], person["national_id"], *person["phones"], *person["emails"]):
            assert value not in masked.stdout


def test_an_export_whose_records_all_map_exits_0(tmp_path: Path) -> None:
    done = hub_map(tmp_path, "--system", "legacy_ai_interview", "--entity", "job", "--input", EXPORT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == 'job {"external_ids": {"legacy_ai_interview": "产品经理"}, "title": "产品经理", "department": "产品部", "competencies": []}'
    assert {line.split(" ", 1)[0] for line in done.stdout.splitlines()} == {"job"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--system", "nosuchsystem", "--input", "x.json"),
         f"[config-error] nosuchsystem: no mappings for system 'nosuchsystem'; known: {', '.join(BUILT_IN_SYSTEMS)}"),
        (("--system", "greenhouse", "--input", "x.json"), "choose the payload's kind with --entity"),
        (("--system", "greenhouse", "--entity", "employee", "--input", "x.json"), "not 'employee'"),
        (("--system", "greenhouse", "--entity", "candidate", "--input", "missing.json"), "[unreadable-file] missing.json"),
        (("--system", "greenhouse", "--entity", "candidate", "--input", "bad.json"), "[unreadable-file] bad.json: not a JSON payload"),
        (("--system", "greenhouse", "--entity", "candidate", "--input", "number.json"), "a JSON object or a list of them, not int"),
        (("--system", "legacy_ai_interview", "--input", "missing.csv"), "[unreadable-file] missing.csv: no such file"),
        (("--system", "legacy_ai_interview", "--entity", "offer", "--input", "x.json"), "not offer"),
    ],
)  # fmt: skip
def test_unusable_input_is_one_typed_error_and_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    (tmp_path / "x.json").write_text("{}", encoding="utf-8")
    (tmp_path / "bad.json").write_text("{oops", encoding="utf-8")
    (tmp_path / "number.json").write_text("7", encoding="utf-8")
    done = hub_map(tmp_path, *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("error: [") and message in done.stderr
