"""Deletions end to end: deleted flags, a tombstones endpoint and the full-refresh diff, over real sockets."""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.store import schema as t
from hub.core.sync import sync
from tests.support.fault_server import Fault, FaultServer
from tests.sync.conftest import state
from tests.sync.connector import FaultConnector, record


def deleted(store, *external_ids: int) -> list[bool]:
    """Whether each of the fault server's job ids is stored as deleted."""
    return [store.deleted_at("job", store.find("faultsrv", str(i), "job")) is not None for i in external_ids]


def deleted_ids(store) -> set[str]:
    x, e = t.external_ids, t.entities
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(x.c.external_id).join(e, e.c.id == x.c.entity_id).where(e.c.deleted_at.is_not(None)))
        return {row[0] for row in rows}


def delete_entries(store) -> int:
    return sum(change.op == "delete" for change in store.changes(limit=10_000))


def test_a_record_flagged_deleted_is_marked_once(connector, store, server) -> None:
    sync(connector, store, streams=["jobs"])
    server.records[4] = record(5, deleted=True, updated_at="2025-01-01T00:00:00Z")
    report = sync(connector, store, streams=["jobs"])
    assert (report.counters.deleted, report.counters.unchanged) == (1, 59)
    assert deleted_ids(store) == {"5"}
    [change] = [c for c in store.changes(limit=1000) if c.op == "delete"]
    assert (change.entity_id, change.version, change.origin) == (store.find("faultsrv", "5", "job"), 2, "sync:faultsrv")
    assert sync(connector, store, streams=["jobs"]).counters.deleted == 0  # listed again, still deleted
    assert delete_entries(store) == 1


def test_a_flagged_record_never_stored_is_ignored(store) -> None:
    with FaultServer(records=[record(1), record(2, deleted=True)], page_size=25) as server:
        report = sync(FaultConnector({"base_url": server.base_url}), store, streams=["jobs"])
    assert (report.counters.created, report.counters.deleted, report.counters.failed) == (1, 0, 0)
    assert store.find("faultsrv", "2", "job") is None


def test_a_tombstones_endpoint_marks_the_records_it_lists(store) -> None:
    with FaultServer(records=[record(i) for i in range(1, 31)], page_size=25) as server:
        connector = FaultConnector({"base_url": server.base_url})
        sync(connector, store, streams=["jobs_tombstoned"])
        server.records = [r for r in server.records if r["id"] not in (3, 7)]  # deleted: listed no more
        server.tombstones = [{"job_id": 3}, {"job_id": 999}, {"job_id": 7}]
        report = sync(connector, store, streams=["jobs_tombstoned"])
        assert report.status == "succeeded" and report.counters.deleted == 2
        assert deleted_ids(store) == {"3", "7"}
        assert sync(connector, store, streams=["jobs_tombstoned"]).counters.deleted == 0
        since = state(store, "jobs_tombstoned").since
        assert server.requests_to("/deleted")[-1].query == {"per_page": ["25"], "updated_at": [f"gte|{since}"]}
    assert delete_entries(store) == 2


def test_full_refresh_marks_unlisted_entities_and_a_relisted_one_comes_back(connector, store, server) -> None:
    sync(connector, store, streams=["jobs"])
    gone = server.records[10:20]
    del server.records[10:20]
    report = sync(connector, store, streams=["jobs"], full_refresh=True)
    assert (report.counters.deleted, report.counters.unchanged) == (10, 50)
    assert deleted_ids(store) == {str(i) for i in range(11, 21)}
    assert sync(connector, store, streams=["jobs"], full_refresh=True).counters.deleted == 0
    assert delete_entries(store) == 10

    server.records.append(gone[0])  # the vendor lists record 11 again, unchanged
    report = sync(connector, store, streams=["jobs"])
    assert report.counters.updated == 1 and deleted(store, 11) == [False]
    ops = [(c.version, c.op) for c in store.changes(limit=1000) if c.entity_id == store.find("faultsrv", "11", "job")]
    assert ops == [(1, "create"), (2, "delete"), (3, "update")]


def test_an_interrupted_full_refresh_resumes_knowing_what_it_listed(connector, store, server) -> None:
    sync(connector, store, streams=["jobs"])
    del server.records[49:]  # 11 records gone
    server.inject("/records", Fault(), Fault.http(404))  # the pass fails at its second page
    failed = sync(connector, store, streams=["jobs"], full_refresh=True)
    assert failed.status == "failed" and state(store).seen_pass is not None
    assert deleted_ids(store) == set()  # nothing is marked before the pass has listed everything
    resumed = sync(connector, store, streams=["jobs"])
    assert resumed.status == "succeeded" and resumed.counters.deleted == 11
    assert deleted_ids(store) == {str(i) for i in range(50, 61)}
    assert state(store).seen_pass is None
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.pass_seen)).scalar_one() == 0


def test_a_new_full_refresh_replaces_an_unfinished_one(connector, store, server) -> None:
    sync(connector, store, streams=["jobs"])
    server.inject("/records", Fault(), Fault.http(404))
    sync(connector, store, streams=["jobs"], full_refresh=True)
    abandoned = state(store).seen_pass
    del server.records[:25]  # the first page of the abandoned pass listed these; they are gone now
    report = sync(connector, store, streams=["jobs"], full_refresh=True)
    assert report.counters.deleted == 25 and state(store).seen_pass is None
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(t.pass_seen).where(t.pass_seen.c.pass_id == abandoned)).all() == []
