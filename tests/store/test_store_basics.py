"""Upsert semantics, transactions, references, cursors, dead letters and the change feed."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from hub.core.errors import StoreError
from hub.core.models import Application, Provenance, Ref
from hub.core.store import bulk
from tests.store.conftest import FETCHED, assessment, candidate


def upsert(store, system, entities):
    with store.transaction() as tx:
        return store.upsert_many(tx, system, entities)


def test_first_upsert_creates_and_get_decrypts(store):
    result = upsert(store, "beisen", [candidate(1), candidate(2)])
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    got = store.get("candidate", result.ids[0])
    assert got.national_id == candidate(1).national_id
    assert got.remote_data == candidate(1).remote_data
    assert got.external_ids == {"beisen": "c1"}
    assert got.provenance == candidate(1).provenance  # fetched_at is stored though the hash ignores it
    assert got.model_dump(exclude={"id"}) == candidate(1).model_dump(exclude={"id"})
    assert store.find("beisen", "c2", "candidate") == result.ids[1]


def test_stored_records_are_read_back_by_external_id_as_stored(store):
    """Reconciliation's read-back (``bulk.by_external_id(..., read="content")``), on both backends:
    the stored data text and encrypted PII of the ids held, nothing for an unknown id."""
    ids = upsert(store, "beisen", [candidate(1), candidate(2)]).ids
    with store.reading() as tx:
        rows = bulk.by_external_id(tx, "beisen", "candidate", ["c2", "c1", "c404"], read="content")
    assert sorted((ext, entity_id) for ext, entity_id, _, _ in rows) == [("c1", ids[0]), ("c2", ids[1])]
    for ext, entity_id, data, pii in rows:
        expected = candidate(int(ext[1:]))
        assert json.loads(data)["external_ids"] == {"beisen": ext} and expected.national_id not in pii
        texts = store.codec.pii_texts("candidate", entity_id, pii)
        assert json.loads(texts["national_id"]) == expected.national_id


def test_unchanged_upsert_is_a_noop(store):
    first = upsert(store, "beisen", [candidate(1)])
    before = store.changes()
    again = upsert(store, "beisen", [candidate(1)])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert again.ids == first.ids
    assert store.changes() == before


def test_an_older_version_than_the_source_last_sent_is_stale_and_not_written(store):
    """``remote_updated_at``, on both backends: older is refused in the batch and in a later one, a
    version without it is written and keeps the time stored, an equal or newer one is written; the
    time is not part of the entity (neither stored with it nor in its content hash)."""
    def at(day: int | None, tag: str) -> object:
        moment = None if day is None else dt.datetime(2024, 6, day, 9, tzinfo=dt.UTC)
        return candidate(1, tags=[tag], remote_updated_at=moment)

    [entity_id] = upsert(store, "beisen", [at(10, "first")]).ids
    result = upsert(store, "beisen", [at(12, "newer"), at(11, "older in the batch")])
    assert (result.updated, result.stale, result.ids) == (1, 1, [entity_id, entity_id])
    assert upsert(store, "beisen", [at(None, "no time")]).updated == 1
    assert (upsert(store, "beisen", [at(11, "older")]).stale, upsert(store, "beisen", [at(12, "same time")]).updated) == (1, 1)
    stored = store.get("candidate", entity_id)
    assert stored.tags == ["same time"] and stored.remote_updated_at is None
    assert upsert(store, "beisen", [candidate(1, tags=["same time"])]).unchanged == 1  # the time is not hashed


def test_changed_upsert_is_one_new_version_and_one_change(store):
    [entity_id] = upsert(store, "beisen", [candidate(1)]).ids
    result = upsert(store, "beisen", [candidate(1, tags=["java", "go"])])
    assert result.updated == 1
    changes = [c for c in store.changes() if c.entity_id == entity_id]
    assert [(c.version, c.op) for c in changes] == [(1, "create"), (2, "update")]
    assert store.get("candidate", entity_id).tags == ["java", "go"]


def test_changes_feed_is_ordered_and_pages(store):
    upsert(store, "beisen", [candidate(n) for n in range(5)])
    page1 = store.changes(limit=3)
    page2 = store.changes(after_seq=page1[-1].seq, limit=3)
    seqs = [c.seq for c in page1 + page2]
    assert seqs == sorted(seqs) and len(set(seqs)) == 5


def test_page_and_cursor_commit_together_or_not_at_all(store):
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            store.upsert_many(tx, "beisen", [candidate(1)])
            store.set_cursor(tx, "beisen", "candidates", "page-2")
            raise RuntimeError("crash after the page")
    assert store.find("beisen", "c1", "candidate") is None
    assert store.get_cursor(None, "beisen", "candidates") is None
    assert store.changes() == []
    with store.transaction() as tx:
        store.upsert_many(tx, "beisen", [candidate(1)])
        store.set_cursor(tx, "beisen", "candidates", "page-2")
    assert store.get_cursor(None, "beisen", "candidates") == "page-2"
    with store.transaction() as tx:
        store.set_cursor(tx, "beisen", "candidates", "page-3")
    assert store.get_cursor(None, "beisen", "candidates") == "page-3"


def test_references_resolve_to_hub_ids(store):
    with store.transaction() as tx:
        [cand_id] = store.upsert_many(tx, "beisen", [candidate(1)]).ids
        [assess_id] = store.upsert_many(tx, "beisen", [assessment(1)]).ids
    got = store.get("assessment", assess_id)
    assert got.candidate.id == cand_id
    assert [d.score.normalized for d in got.dimensions][0] == 50


def test_entity_without_external_id_for_the_system_is_refused(store):
    with pytest.raises(StoreError, match="no external id for system 'moka'"):
        upsert(store, "moka", [candidate(1)])


def test_a_driver_error_in_a_bulk_write_is_a_store_error_without_the_values_and_rolls_back(store):
    """Bulk statements run on the DBAPI cursor; its errors are still wrapped, parameters hidden."""
    from hub.core.store import bulk
    from hub.core.store import schema as t

    secret = "11010519491231002X"
    with pytest.raises(StoreError, match="IntegrityError") as caught, store.transaction() as tx:
        store.set_cursor(tx, "c", "first", "kept only if the transaction commits")
        now = bulk.bind(tx, t.sync_cursors.c.updated_at, FETCHED)
        bulk.insert_many(tx, t.sync_cursors, ("connector", "stream", "value", "updated_at"),
                         [("c", "s", secret, now), ("c", "s", secret, now)])
    assert secret not in str(caught.value) and secret not in repr(caught.value.__cause__)
    assert store.get_cursor(None, "c", "first") is None


def test_get_unknown_entity_is_a_store_error(store):
    with pytest.raises(StoreError, match="no such entity"):
        store.get("candidate", "nope")


def test_dead_letters_keep_masked_error_and_encrypted_payload(store):
    from hub.core.errors import ModelValidationError, mask

    error = ModelValidationError("bad phone", system="beisen", record_id="c9", field_path="phones", value=mask("13800138000"))
    with store.transaction() as tx:
        store.add_dead_letter(tx, system="beisen", stream="candidates", record_ref="c9", error=error, payload={"phone": "13800138000"})
    [letter] = store.dead_letters(system="beisen", with_payload=True)
    assert letter.error_code == "model-validation-error"
    assert letter.payload == {"phone": "13800138000"}
    assert "13800138000" not in str(letter.error)


def test_job_runs_and_audit(store):
    run_id = store.start_job_run("sync")
    store.finish_job_run(run_id, "succeeded", {"records": 3})
    with store.transaction() as tx:
        store.audit(tx, "alice", "replay", None, {"dead_letters": 2})
    assert store.audit_entries()[-1]["detail"] == {"dead_letters": 2}


def test_upsert_leaves_the_garbage_collector_as_it_found_it(store):
    import gc

    assert gc.isenabled()
    upsert(store, "beisen", [candidate(1)])
    assert gc.isenabled()
    gc.disable()
    try:
        upsert(store, "beisen", [candidate(2)])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_hashed_dump_is_what_model_dump_json_gives_so_stored_hashes_stay_valid() -> None:
    """Content hashes already stored were computed over ``model_dump_json``; the direct call must match it."""
    from hub.core.store.codec import _HASH_EXCLUDE, hashed_dump

    for entity in (candidate(1), candidate(2, remote_data=None, tags=[]), assessment(3)):
        expected = entity.model_dump_json(exclude=_HASH_EXCLUDE, exclude_computed_fields=True)
        assert hashed_dump(entity) == expected.encode("utf-8")


def test_detach_reuses_a_shared_provenance_dump_only_while_it_is_the_same_object(store: Store) -> None:
    """A batch's records share one provenance: dumped once; another provenance gets its own text."""
    shared = Provenance(system="beisen", stream="candidates", fetched_at=FETCHED)
    other = Provenance(system="beisen", stream="other", fetched_at=FETCHED)
    entities = [candidate(1), candidate(2), candidate(3), candidate(4)]
    for entity, provenance in zip(entities, (shared, shared, other, shared)):
        entity.provenance = provenance
    codec = store.codec
    texts = [codec.detach(codec.prepare(e, "beisen")).provenance for e in entities]
    assert [json.loads(text)["stream"] for text in texts] == ["candidates", "candidates", "other", "candidates"]
    assert texts[0] is texts[1] and texts[0] is not texts[3]  # reused within a run of the same object


def test_a_prepared_record_pickles_whole_detached_or_not(store: Store) -> None:
    import pickle

    codec = store.codec
    for prepared in (codec.prepare(candidate(1), "beisen"), codec.prepare(assessment(1), "beisen")):
        codec.blind_of(prepared)  # content and blind indexes filled in
        for record in (prepared, codec.detach(prepared)):
            copy = pickle.loads(pickle.dumps(record))
            assert copy == record and copy.content is not None
            assert copy.content.texts() == record.content.texts()


def test_records_prepared_and_detached_elsewhere_store_exactly_like_entities(store: Store) -> None:
    """The producer-process path: prepare, detach, pickle, upsert_prepared — same rows, same no-ops."""
    import pickle

    codec = store.codec
    application = Application(external_ids={"beisen": "ap1"}, provenance=Provenance(system="beisen", fetched_at=FETCHED),
                              candidate=Ref(system="beisen", external_id="c1"), status="applied",
                              remote_data={"resume": "r1", "source": "portal"})  # fmt: skip
    shipped = pickle.loads(pickle.dumps([codec.detach(codec.prepare(e, "beisen")) for e in (candidate(1), application)]))
    assert all(p.entity is None for p in shipped)  # JSON text crossed, no models
    # both arrive as their hashed bytes, unhashed and unsplit: a candidate (PII beyond remote_data) is
    # parsed if written, an application (dumped in parts) cut apart
    assert [(p.raw_span is not None, p.content_hash, p.content) for p in shipped] == [(False, None, None), (True, None, None)]
    with store.transaction() as tx:
        created = store.upsert_prepared(tx, "beisen", shipped)
        again = store.upsert_many(tx, "beisen", [candidate(1), application])
        merged = store.upsert_many(tx, "crm", [candidate(1, system="crm")])  # same person: merges via blind index
    assert (created.created, again.unchanged, again.ids) == (2, 2, created.ids)
    assert merged.ids[0] == created.ids[0] and merged.merged == 1
    cand = store.get("candidate", created.ids[0])
    assert (cand.national_id, cand.phones, cand.remote_data) == (candidate(1).national_id, candidate(1).phones,
                                                                 candidate(1).remote_data)
    stored = store.get("application", created.ids[1])
    assert stored.candidate.id == created.ids[0]  # the reference was resolved after crossing
    assert stored.model_dump(exclude={"id", "candidate"}) == application.model_dump(exclude={"id", "candidate"})
