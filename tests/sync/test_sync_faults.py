"""Required fault tests: retry limits and give-ups, no retry on 4xx, malformed and repeating pages."""

from __future__ import annotations

import json
import os
import signal
import threading

import pytest

from hub.core.sync import sync
from tests.support.fault_server import Fault, FaultServer
from tests.sync.conftest import job_runs, state, stored_ids
from tests.sync.connector import FaultConnector, record


def only_stream(report):
    (stream,) = report.streams
    return stream


def test_transient_errors_are_retried_then_the_page_is_applied(connector, store, server) -> None:
    server.inject("/records", Fault(), Fault.http(503), Fault.http(429, retry_after="0"), Fault.dropped())
    report = sync(connector, store, streams=["jobs"])
    assert report.status == "succeeded"
    assert len(stored_ids(store)) == 60
    assert len(server.requests_to("/records")) == 3 + 3


def test_retries_stop_at_the_configured_limit_and_the_give_up_is_recorded(store, server) -> None:
    connector = FaultConnector({"base_url": server.base_url, "retry": {"max_attempts": 3}})
    server.inject("/records", Fault(), *[Fault.http(502)] * 5)
    report = sync(connector, store, streams=["jobs"])
    assert len(server.requests_to("/records")) == 1 + 3  # page 1, then page 2 tried exactly 3 times
    stream = only_stream(report)
    assert stream.status == "failed" and stream.error["code"] == "connector-transient"
    assert stream.error["attempts"] == "3"
    assert job_runs(store)[-1]["status"] == "failed"
    (letter,) = store.dead_letters()
    assert (letter.stream, letter.error_code, letter.record_ref) == ("jobs", "connector-transient", None)
    assert len(stored_ids(store)) == 25  # page 1 is committed; page 2 was never applied
    assert state(store).resume is not None and "cursor" in state(store).resume.url
    # the next run resumes at page 2 and finishes: the stream's failure is over, its letter resolved
    assert sync(connector, store, streams=["jobs"]).status == "succeeded"
    assert len(stored_ids(store)) == 60
    assert store.dead_letters() == [] and [d.status for d in store.dead_letters(status=None)] == ["resolved"]


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_not_retried(store, server, status: int) -> None:
    server.inject("/records", Fault.http(status, body='{"message": "no"}'))
    report = sync(FaultConnector({"base_url": server.base_url}), store, streams=["jobs"])
    assert len(server.requests_to("/records")) == 1
    code = "auth-failed" if status in (401, 403) else "connector-permanent"
    assert only_stream(report).error["code"] == code
    assert store.dead_letters()[0].error_code == code
    assert stored_ids(store) == []


def test_401_refreshes_the_token_once_then_gives_up_without_retrying(store) -> None:
    with FaultServer(records=[record(i) for i in range(1, 11)], page_size=25, require_token=True) as server:
        connector = FaultConnector({"base_url": server.base_url, "client_id": "cid", "client_secret": "s3cr3t-value"})
        server.inject("/records", Fault.http(401), Fault.http(401, body='{"message": "bad token s3cr3t-value"}'))
        report = sync(connector, store, streams=["jobs"])
        assert len(server.requests_to("/token")) == 2  # the first token, then one refresh on the 401
        assert len(server.requests_to("/records")) == 2
    error = only_stream(report).error
    assert error["code"] == "auth-failed"
    assert "s3cr3t-value" not in str(error) and "s3cr3t-value" not in str(store.dead_letters()[0].error)


def test_a_malformed_page_is_reported_and_not_half_applied(connector, store, server) -> None:
    server.inject("/records", Fault(), Fault.malformed_json())
    report = sync(connector, store, streams=["jobs"])
    assert only_stream(report).error["code"] == "malformed-page"
    assert stored_ids(store) == [str(i) for i in range(1, 26)]  # page 1 only, nothing of page 2
    saved = state(store)
    assert saved.in_pass and saved.since is None  # cursor not advanced past the bad page
    assert store.dead_letters()[0].error_code == "malformed-page"
    assert sync(connector, store, streams=["jobs"]).status == "succeeded"
    assert len(stored_ids(store)) == 60


def test_a_page_without_a_record_list_applies_nothing(store) -> None:
    with FaultServer(records=[record(i) for i in range(1, 11)], page_size=25) as server:
        server.inject("/cursor", Fault.http(200, body='{"code": 0, "data": {"items": {"id": 1}}}'))
        report = sync(FaultConnector({"base_url": server.base_url}), store, streams=["feishu_jobs"])
    assert only_stream(report).error["code"] == "malformed-page"
    assert stored_ids(store) == []
    assert store.get_cursor(None, "faultsrv", "feishu_jobs") is None  # nothing committed: a rerun starts over


def test_a_repeating_page_is_detected(connector, store, server) -> None:
    server.inject("/records", Fault(), Fault.repeating_page())
    report = sync(connector, store, streams=["jobs"])
    error = only_stream(report).error
    assert error["code"] == "malformed-page" and "same next page twice" in error["reason"]
    assert len(stored_ids(store)) == 25  # the looping page was not applied
    assert sync(connector, store, streams=["jobs"]).status == "succeeded"
    assert len(stored_ids(store)) == 60


def test_a_run_ended_by_ctrl_c_is_recorded_interrupted_not_left_running(connector, store, server) -> None:
    server.inject("/records", Fault(), Fault.slow(5))  # page 2 hangs; the user presses Ctrl-C meanwhile
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        sync(connector, store, streams=["jobs"], prefetch=False)
    timer.join()
    (run,) = job_runs(store)
    assert run["status"] == "interrupted" and run["finished_at"] is not None
    counters = json.loads(run["counters"])
    assert (counters["status"], counters["error"], counters["pages"]) == ("interrupted", "KeyboardInterrupt", 1)
    assert counters["streams"]["jobs"]["status"] == "running"  # where it stopped
    assert len(stored_ids(store)) == 25  # page 1 was committed; the next run resumes at page 2
    assert sync(connector, store, streams=["jobs"]).status == "succeeded" and len(stored_ids(store)) == 60
