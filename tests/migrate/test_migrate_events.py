"""``hub_event`` from a migration, and the plugins' record validators in it: a real plugin observer, a
real export with planted faults, a real SQLite store; the forked producer and the single process alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.core.errors import DecryptionError
from hub.core.migrate import FileSource, JobSettings, Migration, StoreTarget, Thresholds
from hub.core.plugins import load_registry
from tests.migrate.conftest import ROWS, source_rows, write_export
from tests.support.observer_plugin import REASON, REJECTED, ObserverPlugin, manager

EXPORT = "legacy_ai_interview"
REJECTED_ROW = 11  # spreadsheet row: the 10th data row, which carries no planted fault


def migrate(store, tmp_path: Path, plugin: ObserverPlugin, *, parallel: bool = False):
    rows = source_rows()
    rows[REJECTED_ROW - 2]["姓名"] = REJECTED
    source = FileSource({"path": str(write_export(tmp_path / "export.csv", rows)), "export": EXPORT})
    settings = JobSettings(source=source.settings, batch_size=25, thresholds=Thresholds(max_error_rate=1.0))
    pm = manager(plugin)
    migration = Migration(settings, source, StoreTarget(store, source.system), workdir=tmp_path / "work", progress=False,
                          parallel=parallel, validators=load_registry(pm).validators, pm=pm)  # fmt: skip
    return migration.run()


@pytest.mark.parametrize("parallel", [False, True], ids=["one process", "forked producer"])
def test_a_plugin_validator_rejection_is_a_finding_and_a_dead_letter(tmp_path: Path, store_factory, parallel) -> None:
    store = store_factory()
    result = migrate(store, tmp_path, ObserverPlugin(), parallel=parallel)
    (finding,) = [f for f in result.findings if f.kind == "rejected_by_validator"]
    assert (finding.row, finding.field, finding.error.code, finding.error.reason) == (
        REJECTED_ROW, "candidate", "model-validation-error", REASON)
    letters = [letter for letter in store.dead_letters(system=EXPORT, limit=1000) if letter.error["reason"] == REASON]
    assert [(letter.stream, letter.record_ref.rsplit(":", 1)[1]) for letter in letters] == [("candidate", str(REJECTED_ROW))]
    assert letters[0].error["entity"] == "candidate" and letters[0].error_code == "model-validation-error"
    held = source_rows()[REJECTED_ROW - 2]["候选人编号"]
    assert store.find(EXPORT, held, "candidate") is None  # never written


def test_run_started_comes_first_and_names_the_run(tmp_path: Path, store_factory) -> None:
    plugin = ObserverPlugin()
    result = migrate(store_factory(), tmp_path, plugin)
    first = plugin.seen[0][0]
    assert first.name == "run_started" and first.run_id == result.run_id
    assert (first.data["engine"], first.data["system"], first.data["dry_run"], first.data["resumed"]) == (
        "migrate", EXPORT, False, False)


def test_batch_committed_follows_each_batch_once_its_checkpoint_is_stored(tmp_path: Path, store_factory) -> None:
    store = store_factory()
    target = StoreTarget(store, EXPORT)
    plugin = ObserverPlugin(probe=lambda event: target.load_checkpoint(event.run_id)["rows"]
                            if event.name == "batch_committed" else None)  # fmt: skip
    migrate(store, tmp_path, plugin)
    batches = [(event.data["rows"], event.data["rows_so_far"], saved) for event, saved in plugin.seen
               if event.name == "batch_committed"]  # fmt: skip
    assert batches == [(25, 25, 25), (25, 50, 50), (25, 75, 75), (ROWS - 75, ROWS, ROWS)]


def test_record_failed_for_every_rejected_record_with_its_typed_error(tmp_path: Path, store_factory) -> None:
    store = store_factory()
    plugin = ObserverPlugin()
    result = migrate(store, tmp_path, plugin)
    failed = plugin.named("record_failed")
    letters = store.dead_letters(system=EXPORT, limit=1000)
    assert sorted((e.data["entity"], e.data["record"]) for e in failed) == sorted((l.stream, l.record_ref) for l in letters)
    assert len(failed) == len(letters) == 9  # the export's 8 rejected records, and the plugin's
    by_row = {event.data["row"]: event.data for event in failed if event.data["kind"] == "rejected_by_validator"}
    assert list(by_row) == [REJECTED_ROW]
    assert (by_row[REJECTED_ROW]["code"], by_row[REJECTED_ROW]["reason"]) == ("model-validation-error", REASON)
    assert all(event.run_id == result.run_id and event.data["engine"] == "migrate" for event in failed)


def test_run_finished_comes_last_with_the_verdict_and_counters(tmp_path: Path, store_factory) -> None:
    plugin = ObserverPlugin()
    result = migrate(store_factory(), tmp_path, plugin)
    last = plugin.seen[-1][0]
    assert last.name == "run_finished" and last.run_id == result.run_id
    assert (last.data["engine"], last.data["passed"], last.data["rows"]) == ("migrate", result.passed, ROWS)
    assert last.data["entities"] == result.state["entities"] and last.data["entities"]["candidate"]["rejected"] >= 1


def test_run_finished_ends_a_run_that_an_error_aborted_too(tmp_path: Path, store_factory) -> None:
    store = store_factory()
    migrate(store, tmp_path, ObserverPlugin())
    with store.engine.begin() as conn:  # one stored name's ciphertext damaged: the read-back fails on it
        entity_id, pii = conn.execute(sa.text("SELECT id, pii FROM entities WHERE kind = 'candidate' AND pii IS NOT NULL")).first()
        tokens = json.loads(pii)
        tokens["name"] = tokens["name"][:-4] + ("AAAA" if not tokens["name"].endswith("AAAA") else "BBBB")
        conn.execute(sa.text("UPDATE entities SET pii = :pii WHERE id = :id"), {"pii": json.dumps(tokens), "id": entity_id})
    plugin = ObserverPlugin()
    with pytest.raises(DecryptionError):
        migrate(store, tmp_path, plugin)
    last = plugin.seen[-1][0]
    assert (last.name, last.data["passed"], last.data["status"]) == ("run_finished", False, "failed")
    assert last.data["error"].startswith("[decryption-failed] candidate") and last.data["rows"] == ROWS
