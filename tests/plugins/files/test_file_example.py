"""End to end on the shipped example: real readers, the real mapping engine and transforms, real models."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from hub.core.errors import DuplicateRecordError, MappingError, RecordError
from hub.core.mapping import load_mapping
from hub.core.models import ApplicationStatus, RecommendationLevel, validate_entity
from plugins.files.export import FileExportConnector
from plugins.files.export.columns import ColumnLists
from plugins.files.readers import read_rows

REPO = Path(__file__).resolve().parents[3]
EXAMPLE_DIR = REPO / "hub" / "examples" / "legacy_ai_interview"

MAPPINGS = REPO / "hub" / "mappings" / "files" / "legacy_ai_interview"
FILES = ["ai_interview_results.csv", "ai_interview_results.xlsx"]

#: fault -> (entity that fails, canonical field named, error type, text in the reason)
EXPECTED = {
    "bad_id_checksum": ("candidate", "national_id", MappingError, "check character"),
    "impossible_date": ("assessment", "completed_at", MappingError, "not a real date"),
    "score_out_of_range": ("assessment", "overall", MappingError, "outside the scale 0–100"),
    "invalid_phone": ("candidate", "phones", MappingError, "not a valid phone number"),
    "unknown_status": ("application", "status", MappingError, "not in table 'status'"),
    "missing_required": ("candidate", "name", MappingError, "required value is missing"),
    "duplicate_person": ("candidate", "national_id", DuplicateRecordError, "held back"),
}


def _connector(name: str) -> FileExportConnector:
    return FileExportConnector({"path": str(EXAMPLE_DIR / name), "export": "legacy_ai_interview"})


@pytest.mark.parametrize("name", FILES)
def test_every_broken_row_yields_one_typed_error_naming_row_field_and_reason(gen, name):
    rows = {row.number: row for row in read_rows(EXAMPLE_DIR / name)}
    errors = [error for mapped in _connector(name).map_rows() for error in mapped.errors]
    by_row = {int(error.record_id.split(":")[1].split(" ")[0]): error for error in errors}
    assert len(by_row) == len(errors) == len(gen.FAULTS)
    for fault, row_number in gen.fault_rows(gen.EXAMPLE_ROWS).items():
        error = by_row[row_number]
        entity, field, kind, reason = EXPECTED[fault]
        assert type(error) is kind
        assert (error.system, error.entity, error.field_path) == ("legacy_ai_interview", entity, field)
        assert error.record_id.startswith(f"{name}:{row_number}")
        assert reason in error.reason
        column = gen.FAULTS[fault][0]
        raw = rows[row_number][column]
        if column in ("身份证号", "手机号"):  # PII: the raw value never appears, only its masked form
            assert raw and str(raw) not in str(error) and str(raw) not in repr(error.to_dict())


@pytest.mark.parametrize("name", FILES)
def test_good_rows_yield_valid_entities_in_exact_counts(name):
    counts: Counter[str] = Counter()
    for mapped in _connector(name).map_rows():
        for entity in mapped.entities:
            counts[entity.kind] += 1
            assert entity.provenance.system == "legacy_ai_interview" and entity.provenance.stream == name
            assert validate_entity(entity.kind, entity.model_dump()) == entity
    assert counts == {"candidate": 56, "job": 60, "application": 59, "assessment": 58}


def test_the_mapping_files_map_a_good_row_with_load_mapping_and_validate_entity():
    mappings = {path.stem: load_mapping(path) for path in sorted(MAPPINGS.glob("*.yaml"))}
    assert sorted(mappings) == ["application", "assessment", "candidate", "job"]
    lists = ColumnLists.from_source_paths(mappings["assessment"].source_paths)
    row = lists.fill(next(iter(read_rows(EXAMPLE_DIR / "ai_interview_results.csv"))))
    entities = {kind: validate_entity(kind, m.apply(row)) for kind, m in mappings.items()}

    candidate = entities["candidate"]
    assert candidate.phones == ["+8615055041158"]
    assert candidate.national_id == row["身份证号"] and candidate.birth_date.isoformat() == "1991-01-01"
    assert entities["job"].title == "产品经理" and entities["job"].department == "产品部"
    application = entities["application"]
    assert (application.status, application.status_raw) == (ApplicationStatus.REJECTED, "未通过")
    assert application.candidate.external_id == "C202400001" and application.job.external_id == "产品经理"
    assessment = entities["assessment"]
    assert assessment.vendor == "legacy_export"
    assert assessment.completed_at.isoformat() == "2024-01-02T14:30:00+08:00"
    assert (assessment.overall.value, str(assessment.overall.normalized)) == ("67", "67.00")
    assert [(d.key, d.label, d.score.value) for d in assessment.dimensions] == [
        ("communication", "沟通能力", "3"),
        ("logical_thinking", "逻辑思维", "5"),
        ("stress_resilience", "抗压能力", "4.5"),
        ("domain_knowledge", "专业知识", "2"),
    ]
    assert (assessment.recommendation.level, assessment.recommendation.raw) == (RecommendationLevel.NO, "不推荐")


def test_xlsx_serial_dates_and_date_cells_map_to_the_same_instants_as_the_csv():
    def completed(name):
        return {
            e.external_ids["legacy_ai_interview"]: e.completed_at
            for mapped in _connector(name).map_rows()
            for e in mapped.entities
            if e.kind == "assessment"
        }

    from_csv, from_xlsx = completed(FILES[0]), completed(FILES[1])
    assert from_csv.keys() == from_xlsx.keys() and len(from_csv) == 58
    assert all(abs((from_csv[key] - from_xlsx[key]).total_seconds()) < 1 for key in from_csv)


def test_shipped_files_are_what_the_generator_writes_and_the_readme_documents(gen, tmp_path):
    csv_path, _ = gen.write_example(tmp_path)
    shipped = (EXAMPLE_DIR / "ai_interview_results.csv").read_bytes()
    assert csv_path.read_bytes() == shipped
    with pytest.raises(UnicodeDecodeError):
        shipped.decode("utf-8")  # GBK, like a real legacy export
    readme = (EXAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    for row_number in gen.fault_rows(gen.EXAMPLE_ROWS).values():
        assert f"\n| {row_number} " in readme
    assert [dict(r) for r in read_rows(EXAMPLE_DIR / FILES[1])][0]["候选人编号"] == "C202400001"


def test_a_bad_jsonl_line_becomes_a_row_error_and_the_file_goes_on(gen, tmp_path):
    path = tmp_path / "export.jsonl"
    gen.write_jsonl(path, gen.generate_rows(20, faults=False))
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4][:-1]  # cut the closing brace of line 5
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapped = list(FileExportConnector({"path": str(path), "export": "legacy_ai_interview"}).map_rows())
    assert len(mapped) == 20
    (error,) = [e for m in mapped for e in m.errors]
    assert isinstance(error, RecordError) and error.system == "legacy_ai_interview"
    assert error.record_id == "export.jsonl:5" and "not valid JSON" in error.reason
    assert sum(len(m.entities) for m in mapped) == 19 * 4
