"""The forked producer changes where pages are fetched and transformed, never what ends up stored."""

from __future__ import annotations

import os
from typing import Any

import pytest

from hub.core.crypto import KeyRing
from hub.core.forked import can_fork
from hub.core.store import Store
from hub.core.sync import sync
from tests.support.fault_server import FaultServer
from tests.sync.conftest import state, stored_ids
from tests.sync.connector import FaultConnector, record

pytestmark = pytest.mark.skipif(not can_fork(), reason="this platform has no fork(); sync runs in-process only")


def _source() -> list[Any]:
    records = [record(i) for i in range(1, 81)]
    records[3] = record(4, name=None)  # mapping: title is required
    records[11] = record(12, deleted=True)  # flagged deleted at the vendor
    records[20] = "not an object"
    return records


def _outcome(store: Store) -> dict[str, Any]:
    """Everything a run leaves that must not depend on the process layout (hub ids aside)."""
    jobs = {}
    for external_id in stored_ids(store):
        entity = store.get("job", store.find("faultsrv", external_id, "job"))
        jobs[external_id] = (entity.model_dump(exclude={"id", "provenance"}), store.deleted_at("job", entity.id) is not None)
    letters = sorted((letter.record_ref or "", letter.error_code, str(letter.payload)) for letter in
                     store.dead_letters(with_payload=True))
    return {"jobs": jobs, "letters": letters, "state": state(store)}


def test_a_forked_sync_stores_exactly_what_an_in_process_sync_stores(tmp_path, validators) -> None:
    outcomes, reports = [], []
    with FaultServer(records=_source(), page_size=25) as server:
        for prefetch in (True, False):
            store = Store.open(f"sqlite:///{tmp_path / f'hub-{prefetch}.db'}", KeyRing.generate())
            store.upgrade()
            report = sync(FaultConnector({"base_url": server.base_url}), store, streams=["jobs"],
                          validators=validators, prefetch=prefetch)
            reports.append(report.counters.as_dict())
            outcomes.append(_outcome(store))
            store.close()
    assert reports[0] == reports[1]
    assert reports[0]["records"] == 80 and reports[0]["failed"] == 2
    assert outcomes[0] == outcomes[1]
    assert len(outcomes[0]["jobs"]) == 77 and not outcomes[0]["state"].in_pass


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="lists child processes through /proc (Linux)")
def test_the_producer_runs_in_another_process_and_leaves_none_behind(connector, store, monkeypatch, tmp_path) -> None:
    from hub.core import sync_pipeline

    where = tmp_path / "transformed-in"
    transform = sync_pipeline.RecordPipeline.transform

    def spy(self, records, **kwargs):
        with where.open("a") as out:  # a file: the child's memory is not ours
            out.write(f"{os.getpid()}\n")
        return transform(self, records, **kwargs)

    monkeypatch.setattr(sync_pipeline.RecordPipeline, "transform", spy)
    before = set(_children())
    report = sync(connector, store, streams=["jobs"], prefetch=True)
    assert report.status == "succeeded" and report.counters.created == 60
    pids = where.read_text().split()
    assert len(pids) == 3 and str(os.getpid()) not in pids  # 3 pages, none transformed here
    assert set(_children()) <= before


def _children() -> list[int]:
    """Live child processes of this one (Linux /proc), so a leaked producer shows up."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid() and fields[0] != "Z":
                found.append(int(entry))
    return found
