"""A realistic export with planted faults: the migration finds every one of them and nothing else."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from hub.core.migrate import FileSource, JobSettings, Migration, StoreTarget, Thresholds
from hub.core.migrate.validate import TextChecks
from tests.migrate.conftest import COMMENT_WIDTH, ROWS, expected_findings, source_rows, write_export

EXPORT = "legacy_ai_interview"


def migrate(store, path: Path, *, entities=(), dry_run=False, max_length=None):
    source = FileSource({"path": str(path), "export": EXPORT}, entities or None)
    settings = JobSettings(source=source.settings, entities=tuple(entities), dry_run=dry_run, batch_size=25,
                           max_length=max_length or {}, thresholds=Thresholds(max_error_rate=1.0))
    return Migration(settings, source, StoreTarget(store, source.system), progress=False).run()


def seed_jobs(store, tmp_path: Path) -> None:
    """The job catalogue migrated first, from a clean export (every title but the missing one)."""
    result = migrate(store, write_export(tmp_path / "jobs.csv", source_rows(faults=False)), entities=("job",))
    assert result.passed and not result.findings


def test_every_planted_fault_and_nothing_else(tmp_path: Path, store_factory) -> None:
    store = store_factory()
    seed_jobs(store, tmp_path)
    path = write_export(tmp_path / "export.csv", source_rows())
    result = migrate(store, path, entities=("candidate", "application", "assessment"),
                     max_length={"面试官评语": COMMENT_WIDTH})
    assert {finding.key for finding in result.findings} == expected_findings()
    assert result.state["rows"] == ROWS
    # the valid Excel serial (row 5) was converted, not flagged: 2024-01-09 12:00 in Shanghai
    stored = store.get("assessment", store.find("legacy_ai_interview", "C202400004", "assessment"))
    assert stored.completed_at.isoformat() == "2024-01-09T12:00:00+08:00"
    # GBK text decoded correctly: the names are Chinese, not mojibake
    candidate = store.get("candidate", store.find("legacy_ai_interview", "C202400001", "candidate"))
    assert candidate.name == source_rows()[0]["姓名"]


def test_findings_are_typed_and_masked(tmp_path: Path, store_factory) -> None:
    store = store_factory()
    rows = source_rows()
    result = migrate(store, write_export(tmp_path / "export.csv", rows))
    by_key = {finding.key: finding for finding in result.findings}
    duplicate = next(f for key, f in by_key.items() if key[2] == "duplicate")
    assert duplicate.error.code == "duplicate-record" and duplicate.error.system == EXPORT
    text = str(duplicate.error)
    assert rows[1]["身份证号"] not in text and rows[1]["身份证号"][-4:] in text


def test_dry_run_writes_nothing(tmp_path: Path, store_factory) -> None:
    import sqlalchemy as sa

    from hub.core.store import schema

    store = store_factory()
    path = write_export(tmp_path / "export.csv", source_rows())
    result = migrate(store, path, dry_run=True, max_length={"面试官评语": COMMENT_WIDTH})
    # every entity of the export is migrated, so the row's own job exists: only the reference faults go
    assert {f.key for f in result.findings} == {key for key in expected_findings() if key[2] != "missing_reference"}
    with store.engine.connect() as conn:
        for table in (schema.entities, schema.external_ids, schema.job_runs, schema.sync_cursors, schema.dead_letters):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 0
    assert result.reconciliation == []


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=12))
def test_gbk_read_as_latin1_is_flagged_and_the_real_text_is_not(text: str) -> None:
    checks = TextChecks()
    assert checks.check({"c": text}, 2, "r") == []
    assert [f.kind for f in checks.check({"c": text.encode("gbk").decode("latin-1")}, 2, "r")] == ["mojibake"]
    assert [f.kind for f in checks.check({"c": text.encode("utf-8").decode("latin-1")}, 2, "r")] == ["mojibake"]


def test_a_phone_the_target_would_merge_on_is_held_back_and_reconciles(tmp_path: Path, store_factory) -> None:
    """Two people sharing a phone: the store's identity rules would merge them, so the later one is a
    duplicate finding (by the target's rules, not just the ID number) and nothing mismatches."""
    rows = source_rows(faults=False)
    rows[9]["手机号"] = rows[3]["手机号"]  # rows 11 and 5 of the file
    result = migrate(store_factory(), write_export(tmp_path / "export.csv", rows))
    assert {f.key for f in result.findings} == {(11, "candidate.phones", "duplicate"),
                                                (11, "application.candidate", "rejected_reference"),
                                                (11, "assessment.candidate", "rejected_reference")}  # fmt: skip
    assert all(not item.missing and not item.mismatched for item in result.reconciliation)


def test_each_rejected_record_keeps_its_source_row_as_a_dead_letter(tmp_path: Path, store_factory) -> None:
    """The raw row crosses from the producer as JSON and is parsed only for the rows that become
    dead letters: each letter holds exactly the row the record came from, decrypted on request."""
    store = store_factory()
    rows = source_rows()
    result = migrate(store, write_export(tmp_path / "export.csv", rows))
    rejected = {(f.entity, f.row) for f in result.findings
                if f.entity and f.kind not in ("mojibake", "truncated", "rejected_reference")}  # fmt: skip
    letters = store.dead_letters(system=EXPORT, with_payload=True, limit=1000)
    assert {(letter.stream, int(letter.record_ref.rsplit(":", 1)[1])) for letter in letters} == rejected
    assert len(letters) == len(rejected) == 8
    for letter in letters:
        source = rows[int(letter.record_ref.rsplit(":", 1)[1]) - 2]  # spreadsheet row 2 is the first data row
        assert {column: letter.payload[column] for column in source} == source
