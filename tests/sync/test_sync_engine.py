"""The sync engine end to end: real fault server over sockets, real mapping, real SQLite store."""

from __future__ import annotations

import json

import pytest

from hub.core.events import HubEvent
from hub.core.sync import sync
from tests.support.fault_server import FaultServer
from tests.sync.conftest import job_runs, state, stored_ids, versions
from tests.sync.connector import FaultConnector, record


def test_first_run_stores_every_record_and_commits_the_cursor(connector, store, server) -> None:
    report = sync(connector, store, streams=["jobs"])
    assert report.status == "succeeded"
    assert (report.counters.pages, report.counters.records, report.counters.created) == (3, 60, 60)
    assert stored_ids(store) == [str(i) for i in range(1, 61)]
    saved = state(store)
    assert not saved.in_pass
    assert saved.since == max(r["updated_at"] for r in server.records)


def test_rerun_is_a_no_op_and_sends_the_incremental_filter_on_the_first_request_only(connector, store, server) -> None:
    sync(connector, store, streams=["jobs"])
    since = state(store).since
    first_of_rerun = len(server.requests_to("/records"))
    report = sync(connector, store, streams=["jobs"])
    assert (report.counters.created, report.counters.updated, report.counters.unchanged) == (0, 0, 60)
    assert set(versions(store)) == {1}
    rerun = server.requests_to("/records")[first_of_rerun:]
    assert rerun[0].query == {"per_page": ["25"], "updated_at": [f"gte|{since}"]}
    assert all(list(r.query) == ["cursor"] for r in rerun[1:])


def test_a_changed_record_is_one_update(connector, store, server) -> None:
    sync(connector, store, streams=["jobs"])
    server.records[4] = record(5, name="Job 5 (renamed)", updated_at="2025-01-01T00:00:00Z")
    report = sync(connector, store, streams=["jobs"])
    assert (report.counters.updated, report.counters.unchanged) == (1, 59)
    assert sorted(versions(store)) == [1] * 59 + [2]
    assert state(store).since == "2025-01-01T00:00:00Z"


def test_bad_records_become_dead_letters_and_the_run_goes_on(store, pm, validators) -> None:
    records = [record(i) for i in range(1, 31)]
    records[3] = record(4, name=None)  # mapping: title is required
    records[7] = record(8, name="forbidden")  # rejected by the plugin's validator
    records[9] = "not an object"
    with FaultServer(records=records, page_size=25) as server:
        report = sync(FaultConnector({"base_url": server.base_url}), store, streams=["jobs"], validators=validators)
    assert report.status == "succeeded"
    assert (report.counters.created, report.counters.failed) == (27, 3)
    letters = {letter.record_ref: letter for letter in store.dead_letters(with_payload=True)}
    assert letters["4"].error_code == "mapping-error" and letters["4"].error["field_path"] == "title"
    assert letters["8"].error_code == "model-validation-error" and "forbidden" in letters["8"].error["reason"]
    assert letters["8"].payload == record(8, name="forbidden")
    assert {letter.stream for letter in letters.values()} == {"jobs"}
    assert "4" not in stored_ids(store) and "8" not in stored_ids(store)


def test_events_reach_plugin_observers_and_listeners_after_commit(connector, store, pm) -> None:
    observed: list[HubEvent] = []

    class Observer:
        from hub import hookimpl

        @hookimpl
        def hub_event(self, event: HubEvent) -> None:
            observed.append(event)

    pm.register(Observer())
    heard: list[HubEvent] = []
    sync(connector, store, streams=["jobs"], pm=pm, listeners=[heard.append])
    names = [event.name for event in observed]
    assert names == ["run_started", "page_committed", "page_committed", "page_committed", "run_finished"]
    assert [e.name for e in heard] == names
    assert sum(e.data["created"] for e in observed if e.name == "page_committed") == 60
    assert observed[-1].data["status"] == "succeeded" and observed[-1].data["records"] == 60


def test_the_run_summary_is_stored_as_a_job_run(connector, store) -> None:
    report = sync(connector, store, streams=["jobs", "feishu_jobs"])
    (run,) = job_runs(store)
    assert run["id"] == report.run_id and run["kind"] == "sync" and run["status"] == "succeeded"
    counters = json.loads(run["counters"])
    assert (counters["records"], counters["failed"], counters["status"]) == (120, 0, "succeeded")
    assert counters["streams"]["jobs"]["created"] == 60
    assert counters["streams"]["feishu_jobs"]["pages"] == 3


def test_cursor_paginated_stream_with_record_path(connector, store, server) -> None:
    report = sync(connector, store, streams=["feishu_jobs"])
    assert report.status == "succeeded"
    assert report.counters.pages == 3
    assert all("page_size" not in r.query for r in server.requests_to("/cursor"))  # page_size=0 sends none
    assert len(stored_ids(store)) == 60


def test_unknown_stream_is_a_config_error(connector, store) -> None:
    from hub.core.errors import ConfigError

    with pytest.raises(ConfigError, match="no stream 'nope'; streams: jobs, feishu_jobs, candidates, jobs_tombstoned"):
        sync(connector, store, streams=["nope"])
