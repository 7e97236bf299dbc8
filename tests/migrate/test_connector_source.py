"""Migrating from a connector's streams: the Greenhouse Harvest v3 conversation replayed from a cassette.

``migration.yaml`` (tests/cassettes/hr_suites/greenhouse/_build.py) is one client's listing of six
streams as the v3 docs describe it: one client-credentials token, then every page of departments,
jobs, candidates, applications, scorecards (each page followed by its own attribute-rating and
attribute-name requests) and offers, each page's ``Link`` header leading to the next. vcrpy
replays it with the exact query matched, so a migration that asks for a page twice, skips one or
sends another filter fails. The real connector, mapping engine, validation, store and
reconciliation run; nothing of ours is replaced.

Also here: a resumed run refuses a source that moved under its checkpoint (a re-exported file).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hub.core.errors import SourceChangedError
from hub.core.migrate import ConnectorSource, FileSource, JobSettings, Migration, StoreTarget
from hub.core.store import Store
from tests.migrate.conftest import generator, write_export
from tests.plugins.hr_suites.test_greenhouse_connector import MATCH_ON, REPLAY, SETTINGS, RecordedGreenhouse

KINDS = ("department", "job", "candidate", "application", "assessment", "offer")
#: Records per stream in the cassette (the made-up organisation of _build.py), in stream order.
COUNTS = {"department": 3, "job": 3, "candidate": 5, "application": 5, "assessment": 4, "offer": 3}
#: One token, every page once (2 records a page), and 5 attribute requests for the 2 scorecard pages.
REQUESTS = 1 + sum(-(-count // 2) for count in COUNTS.values()) + 5


class Interrupted(Exception):
    """Raised from ``on_batch`` to stop a run after a committed batch, as a crash would."""


def migration(store: Store, workdir: Path, *, entities: tuple[str, ...] = KINDS, batch_size: int = 4,
              on_batch: Callable[[dict[str, Any]], None] | None = None) -> Migration:  # fmt: skip
    source = ConnectorSource("greenhouse", RecordedGreenhouse(SETTINGS), entities)
    job = JobSettings(source=source.settings, entities=entities, batch_size=batch_size)
    return Migration(job, source, StoreTarget(store, source.system), workdir=workdir, progress=False,
                     on_batch=on_batch, parallel=False)  # fmt: skip


def replayed(run: Migration, **kwargs: Any) -> tuple[Any, Any]:
    with REPLAY.use_cassette("migration.yaml", match_on=MATCH_ON) as cassette:
        return run.run(**kwargs), cassette


def stored_ids(store: Store) -> set[tuple[str, str, str]]:
    with sqlite3.connect(store.engine.url.database) as conn:
        return set(conn.execute("SELECT system, kind, external_id FROM external_ids"))


def test_every_stream_is_listed_once_then_migrated_and_reconciled(store_factory: Any, tmp_path: Path) -> None:
    store = store_factory()
    result, cassette = replayed(migration(store, tmp_path))

    assert cassette.all_played and cassette.play_count == REQUESTS
    assert result.passed, result.reasons
    assert result.findings == []  # the recorded organisation is clean
    assert result.state["rows"] == sum(COUNTS.values())
    assert {kind: counts["valid"] for kind, counts in result.state["entities"].items()} == COUNTS
    for item in result.reconciliation:
        assert (item.source_count, item.target_count, item.missing) == (COUNTS[item.kind],) * 2 + (0,)
        assert item.source_checksums == item.target_checksums
    assert len(stored_ids(store)) == sum(COUNTS.values())
    application = store.get("application", store.find("greenhouse", "2002", "application"))
    assert application.candidate.id == store.find("greenhouse", "1002", "candidate")  # resolved in the run
    assert application.job.id == store.find("greenhouse", "5001", "job")
    scorecard = store.get("assessment", store.find("greenhouse", "3001", "assessment"))  # joined page by page
    assert {d.label: d.score.value for d in scorecard.dimensions} == {"Communication": "yes", "Problem Solving": "mixed"}


def test_only_the_chosen_kinds_are_listed(store_factory: Any, tmp_path: Path) -> None:
    """The streams of other kinds are not requested at all; the cassette's other pages stay unplayed."""
    store = store_factory()
    result, cassette = replayed(migration(store, tmp_path, entities=("job", "department")))
    assert result.passed, result.reasons
    assert cassette.play_count == 1 + 2 + 2  # a token, two pages of departments, two of jobs
    assert {kind for _, kind, _ in stored_ids(store)} == {"department", "job"}


def test_an_interrupted_connector_migration_resumes_to_the_same_end_state(store_factory: Any, tmp_path: Path) -> None:
    whole = store_factory("whole")
    uninterrupted, _ = replayed(migration(whole, tmp_path / "whole", batch_size=3))

    def crash_after_two(state: dict[str, Any]) -> None:
        if state["rows"] == 6:
            raise Interrupted

    halted = store_factory("halted")
    run = migration(halted, tmp_path / "halted", batch_size=3, on_batch=crash_after_two)
    with pytest.raises(Interrupted):
        replayed(run)
    assert len(stored_ids(halted)) == 6  # departments and jobs committed, nothing after them
    run_id = halted.engine.connect().exec_driver_sql("SELECT id FROM job_runs").scalar_one()

    resumed, cassette = replayed(migration(halted, tmp_path / "halted", batch_size=3), resume=run_id)

    assert cassette.all_played  # listed again from the start: links lead page to page
    assert resumed.passed, resumed.reasons
    assert resumed.state["rows"] == uninterrupted.state["rows"] == sum(COUNTS.values())  # none counted twice
    assert stored_ids(halted) == stored_ids(whole)
    sums = {item.kind: item.target_checksums for item in resumed.reconciliation}
    assert sums == {item.kind: item.target_checksums for item in uninterrupted.reconciliation}


def test_the_checkpoint_names_its_last_row_by_number_label_and_keyed_fingerprint(store_factory: Any, tmp_path: Path) -> None:
    states: list[dict[str, Any]] = []
    replayed(migration(store_factory(), tmp_path, batch_size=4, on_batch=lambda state: states.append(dict(state))))
    assert [(s["position"], s["position_record"]) for s in states] == [
        (4, "jobs:5001"), (8, "candidates:1002"), (12, "applications:2001"), (16, "applications:2005"),
        (20, "scorecards:3004"), (23, "offers:8003"),
    ]
    fingerprints = [s["position_fingerprint"] for s in states]
    assert len(set(fingerprints)) == len(fingerprints) and all(len(f) == 64 for f in fingerprints)


# ---------------------------------------------------------------- a source that moved


def _halted_file_run(store: Store, export: Path, workdir: Path) -> str:
    source = FileSource({"path": str(export), "export": "legacy_ai_interview"})
    job = JobSettings(source=source.settings, batch_size=10)

    def crash(state: dict[str, Any]) -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        Migration(job, source, StoreTarget(store, source.system), workdir=workdir, progress=False, on_batch=crash,
                  parallel=False).run()  # fmt: skip
    return store.engine.connect().exec_driver_sql("SELECT id FROM job_runs").scalar_one()


def _resume(store: Store, export: Path, workdir: Path, run_id: str) -> Any:
    source = FileSource({"path": str(export), "export": "legacy_ai_interview"})
    job = JobSettings(source=source.settings, batch_size=10)
    return Migration(job, source, StoreTarget(store, source.system), workdir=workdir, progress=False,
                     parallel=False).run(resume=run_id)  # fmt: skip


@pytest.mark.parametrize("change", ["row removed before the checkpoint", "row edited at the checkpoint", "file cut short"])
def test_resuming_refuses_a_source_that_moved_under_its_checkpoint(store_factory: Any, tmp_path: Path, change: str) -> None:
    rows = list(generator.generate_rows(40))
    export = write_export(tmp_path / "export.csv", rows)
    store = store_factory()
    run_id = _halted_file_run(store, export, tmp_path)
    written = stored_ids(store)
    if change == "row removed before the checkpoint":
        moved = rows[:3] + rows[4:]  # every later row one line up: a skip by number would drop one unwritten row
    elif change == "row edited at the checkpoint":
        moved = [dict(row) for row in rows]
        moved[9]["面试官评语"] = "复核后修改"  # line 11, the batch's last row
    else:
        moved = rows[:5]
    write_export(export, moved)

    with pytest.raises(SourceChangedError, match="export.csv:11.*not in the source as it was"):
        _resume(store, export, tmp_path, run_id)
    assert stored_ids(store) == written  # refused before anything was written


def test_resuming_an_unchanged_file_passes_the_check(store_factory: Any, tmp_path: Path) -> None:
    export = write_export(tmp_path / "export.csv", list(generator.generate_rows(40)))
    store = store_factory()
    run_id = _halted_file_run(store, export, tmp_path)
    result = _resume(store, export, tmp_path, run_id)
    assert result.state["rows"] == 40 and result.state["position_record"] == "export.csv:41"


# ---------------------------------------------------------------- `hub migrate` as a user runs it


def _hub_yaml(folder: Path, base_url: str, token_url: str) -> Path:
    config = folder / "hub.yaml"
    config.write_text(
        "connectors:\n"
        "  gh:\n    type: greenhouse\n"
        f"    settings: {{client_id: cid, client_secret: not-a-secret, base_url: '{base_url}', token_url: '{token_url}'}}\n"
        "  payroll_import:\n    type: files_import\n"
        f"    settings: {{directory: '{folder / 'inbox'}'}}\n",
        encoding="utf-8",
    )
    return config


def test_hub_migrate_reads_a_configured_connector_over_http(tmp_path: Path, cli_env: dict[str, str]) -> None:
    """A real HTTP conversation with a local Harvest v3 look-alike (bench/greenhouse_server.py): token,
    then 250 candidates at 100 a page, Link headers and all; the run is named for resume by connector only."""
    from bench.greenhouse_server import GreenhouseServer
    from tests.migrate.test_cli_resume import hub, report_of

    with GreenhouseServer(records=250, resource="candidates") as server:
        config = _hub_yaml(tmp_path, server.base_url, server.token_url)
        done = hub(cli_env, "--source", "gh", "--entities", "candidate", "--config", str(config), cwd=tmp_path)
        run_id = done.stdout.split()[1].rstrip(":")
        # the connector reopened from hub.yaml by name, listed again, its last row found unchanged
        again = hub(cli_env, "--resume", run_id, "--config", str(config), cwd=tmp_path)
    assert done.returncode == 0, done.stderr + done.stdout
    assert again.returncode == 0 and f"run {run_id}: 250 rows" in again.stdout, again.stderr + again.stdout
    report = report_of(done, tmp_path)
    assert report["status"] == "pass" and report["entities"] == {"candidate": {"valid": 250, "rejected": 0}}
    [candidates] = report["reconciliation"]
    assert (candidates["source_count"], candidates["target_count"], candidates["missing"]) == (250, 250, 0)
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        (saved,) = conn.execute("SELECT value FROM sync_cursors WHERE connector = 'migrate'").fetchone()
    assert '"source": {"connector": "gh"}' in saved and "not-a-secret" not in saved  # credentials stay in hub.yaml


def test_hub_migrate_explains_a_connector_it_cannot_read(tmp_path: Path, cli_env: dict[str, str]) -> None:
    from tests.migrate.test_cli_resume import hub

    config = _hub_yaml(tmp_path, "http://127.0.0.1:9/v3", "http://127.0.0.1:9/token")
    write_only = hub(cli_env, "--source", "payroll_import", "--config", str(config), cwd=tmp_path)
    assert write_only.returncode == 2 and "not a pull connector" in write_only.stderr
    no_stream = hub(cli_env, "--source", "gh", "--entities", "employee", "--config", str(config), cwd=tmp_path)
    assert no_stream.returncode == 2 and "has no stream of employee" in no_stream.stderr


def test_a_line_that_cannot_be_parsed_is_reported_once_across_a_resume(store_factory: Any, tmp_path: Path) -> None:
    """A JSONL line that is not JSON keeps its line number, so a resumed run skips it like any row
    its checkpoint covers instead of reporting it again."""
    lines = [json.dumps(row, ensure_ascii=False) for row in generator.generate_rows(30, faults=False)]
    lines.insert(4, '{"姓名": "王芳", broken')  # line 5
    export = tmp_path / "export.jsonl"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = store_factory()
    run_id = _halted_file_run(store, export, tmp_path)  # stopped after lines 1-10

    result = _resume(store, export, tmp_path, run_id)

    assert result.state["rows"] == 31  # 30 rows and the broken line, each once
    broken = [f for f in result.findings if f.record == "export.jsonl:5"]
    assert len(broken) == 1 and broken[0].row == 5
