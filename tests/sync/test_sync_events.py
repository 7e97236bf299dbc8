"""``hub_event`` from a sync: each kind a real plugin observer receives, after its transaction committed."""

from __future__ import annotations

from hub.core.plugins import load_registry
from hub.core.sync import sync
from tests.support.fault_server import FaultServer
from tests.support.observer_plugin import REASON, REJECTED, ObserverPlugin, manager
from tests.sync.conftest import stored_ids
from tests.sync.connector import FaultConnector, record


def run(store, records, plugin):
    pm = manager(plugin)
    with FaultServer(records=records, page_size=25) as server:
        return sync(FaultConnector({"base_url": server.base_url}), store, streams=["jobs"], pm=pm,
                    validators=load_registry(pm).validators)  # fmt: skip


def test_run_started_comes_first_and_names_the_run(store) -> None:
    plugin = ObserverPlugin()
    report = run(store, [record(i) for i in range(1, 31)], plugin)
    first = plugin.seen[0][0]
    assert first.name == "run_started" and first.run_id == report.run_id
    assert (first.data["engine"], first.data["connector"], first.data["streams"]) == ("sync", "faultsrv", ["jobs"])


def test_page_committed_follows_each_page_once_it_is_in_the_store(store) -> None:
    plugin = ObserverPlugin(probe=lambda _: len(stored_ids(store)))
    run(store, [record(i) for i in range(1, 61)], plugin)
    pages = [(event.data["records"], event.data["created"], held) for event, held in plugin.seen
             if event.name == "page_committed"]  # fmt: skip
    assert pages == [(25, 25, 25), (25, 25, 50), (10, 10, 60)]


def test_record_failed_carries_the_dead_letters_typed_error(store) -> None:
    plugin = ObserverPlugin(probe=lambda _: len(store.dead_letters()))
    run(store, [record(1), record(2, name=REJECTED), record(3)], plugin)
    ((event, letters),) = [(event, held) for event, held in plugin.seen if event.name == "record_failed"]
    (letter,) = store.dead_letters()
    assert letters == 1  # sent after the dead letter was committed
    assert (event.data["code"], event.data["reason"], event.data["record_id"]) == ("model-validation-error", REASON, "2")
    assert (event.data["connector"], event.data["stream"]) == ("faultsrv", "jobs")
    assert {key: event.data[key] for key in letter.error} == letter.error


def test_run_finished_comes_last_with_the_run_summary(store) -> None:
    plugin = ObserverPlugin()
    report = run(store, [record(1), record(2, name=REJECTED), record(3)], plugin)
    last = plugin.seen[-1][0]
    assert last.name == "run_finished" and last.run_id == report.run_id
    assert last.data["engine"] == "sync" and last.data["status"] == "succeeded"
    assert (last.data["records"], last.data["created"], last.data["failed"]) == (3, 2, 1)
    assert plugin.names() == ["run_started", "page_committed", "record_failed", "run_finished"]
