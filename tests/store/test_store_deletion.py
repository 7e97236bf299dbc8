"""Deletion markers (by external id and by full-refresh diff) and dead-letter upkeep, on both backends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.core.store import link_external_id
from hub.core.errors import StoreError
from hub.core.store import schema as t
from tests.store.conftest import candidate


def upsert(store, entities, system="beisen"):
    with store.transaction() as tx:
        return store.upsert_many(tx, system, entities).ids


def ops(store, entity_id):
    return [(c.version, c.op) for c in store.changes(limit=1000) if c.entity_id == entity_id]


def test_mark_deleted_is_a_new_version_with_one_delete_change_and_is_idempotent(store):
    first, second = upsert(store, [candidate(1), candidate(2)])
    heard = []
    store.add_change_listener(lambda tx, changes: heard.extend(changes))
    for _ in range(2):
        with store.transaction() as tx:
            marked = store.mark_deleted(tx, "beisen", "candidate", ["c1", "c1", "never-stored"], origin="sync:beisen")
    assert marked == 0  # the second call: c1 is already deleted
    assert ops(store, first) == [(1, "create"), (2, "delete")]
    assert [(c.entity_id, c.version, c.op, c.origin) for c in heard] == [(first, 2, "delete", "sync:beisen")]
    assert heard[0].data == heard[0].previous and heard[0].data["tags"] == ["java"]
    assert store.deleted_at("candidate", first) is not None and store.deleted_at("candidate", second) is None
    assert store.get("candidate", first).national_id == candidate(1).national_id  # still readable


def test_a_relisted_record_is_undeleted_with_a_new_version_even_when_unchanged(store):
    [entity_id] = upsert(store, [candidate(1)])
    with store.transaction() as tx:
        assert store.mark_deleted(tx, "beisen", "candidate", ["c1"]) == 1
    with store.transaction() as tx:
        result = store.upsert_many(tx, "beisen", [candidate(1)])
    assert (result.updated, result.unchanged) == (1, 0)
    assert store.deleted_at("candidate", entity_id) is None
    assert ops(store, entity_id) == [(1, "create"), (2, "delete"), (3, "update")]
    assert upsert(store, [candidate(1)]) == [entity_id] and len(ops(store, entity_id)) == 3  # live again: no-op


def test_mark_missing_deleted_marks_only_what_the_pass_did_not_list(store):
    ids = upsert(store, [candidate(n) for n in range(6)])
    [other] = upsert(store, [candidate(9, system="moka")], system="moka")
    with store.transaction() as tx:  # a pass over two pages, one external id listed twice
        store.record_seen(tx, "pass-1", ["c0", "c1", "c1"])
    with store.transaction() as tx:
        store.record_seen(tx, "pass-1", ["c1", "c4", "gone-before-we-synced"])
        assert store.mark_missing_deleted(tx, "beisen", "candidate", "pass-1", origin="sync:beisen") == 3
    deleted = {i for i in ids if store.deleted_at("candidate", i) is not None}
    assert deleted == {ids[2], ids[3], ids[5]}
    assert store.deleted_at("candidate", other) is None  # another system's entities are not this pass's business
    with store.engine.connect() as conn:
        assert conn.execute(t.pass_seen.select()).all() == []  # the pass is forgotten
    with store.transaction() as tx:  # the same diff again: nothing new to mark
        store.record_seen(tx, "pass-2", ["c0", "c1", "c4"])
        assert store.mark_missing_deleted(tx, "beisen", "candidate", "pass-2") == 0
    assert sum(op == "delete" for i in ids for _, op in ops(store, i)) == 3


def test_mark_missing_deleted_handles_a_large_pass_without_id_lists(store):
    n = 3000
    with store.transaction() as tx:
        store.upsert_many(tx, "beisen", [candidate(i, remote_data=None) for i in range(n)])
        store.record_seen(tx, "big", [f"c{i}" for i in range(0, n, 2)])
        assert store.mark_missing_deleted(tx, "beisen", "candidate", "big") == n // 2
    assert sum(c.op == "delete" for c in store.changes(limit=10 * n)) == n // 2


def test_deleted_at_of_an_unknown_entity_is_an_error(store):
    with pytest.raises(StoreError, match="no such entity"):
        store.deleted_at("candidate", "nope")


# -- dead letters


def test_a_record_failing_again_updates_its_open_letter(store):
    with store.transaction() as tx:
        first = store.add_dead_letter(tx, system="beisen", stream="c", record_ref="7", error={"code": "a"}, payload={"v": 1})
        again = store.add_dead_letter(tx, system="beisen", stream="c", record_ref="7", error={"code": "b"}, payload={"v": 2})
        other = store.add_dead_letter(tx, system="beisen", stream="c", record_ref="8", error={"code": "a"})
        anonymous = [store.add_dead_letter(tx, system="beisen", stream="c", error={"code": "x"}, payload={"v": v})
                     for v in (1, 2)]
        pages = [store.add_dead_letter(tx, system="beisen", stream="c", error={"code": "page"}) for _ in range(2)]
    assert again == first and other != first
    letter = store.dead_letter(first, reader="test")
    assert (letter.error_code, letter.attempts, letter.payload) == ("b", 1, {"v": 2})
    assert anonymous[0] != anonymous[1]  # records without a ref cannot be told apart: both kept
    assert pages[0] == pages[1] and store.dead_letter(pages[0]).attempts == 1
    assert len(store.dead_letters()) == 5


def test_settle_resolves_or_keeps_open_with_the_new_error(store):
    with store.transaction() as tx:
        letter_id = store.add_dead_letter(tx, system="beisen", record_ref="7", error={"code": "a"})
    with store.transaction() as tx:
        store.settle_dead_letter(tx, letter_id, error={"code": "b", "reason": "still bad"})
    letter = store.dead_letter(letter_id)
    assert (letter.status, letter.attempts, letter.error_code, letter.error["reason"]) == ("open", 1, "b", "still bad")
    with store.transaction() as tx:
        store.settle_dead_letter(tx, letter_id, error=None)
    assert (store.dead_letter(letter_id).status, store.dead_letter(letter_id).attempts) == ("resolved", 2)
    with store.transaction() as tx:  # the record fails once more: a new letter, the resolved one is history
        assert store.add_dead_letter(tx, system="beisen", record_ref="7", error={"code": "c"}) != letter_id
    assert store.dead_letter("nope") is None
    with pytest.raises(StoreError, match="no dead letter 'nope'"), store.transaction() as tx:
        store.settle_dead_letter(tx, "nope", error=None)


def deleted_flags_match(store) -> bool:
    """``external_ids.entity_deleted`` equals its entity's ``deleted_at IS NOT NULL`` on every row."""
    x, e = t.external_ids, t.entities
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(x.c.entity_deleted, e.c.deleted_at).join(e, e.c.id == x.c.entity_id)).all()
    return bool(rows) and all(bool(flag) == (deleted_at is not None) for flag, deleted_at in rows)


def test_each_external_id_carries_its_entitys_deleted_marker_through_every_path(store):
    """The copy an unchanged re-upsert reads instead of the entity (``bulk.by_external_id(read="hash")``)
    follows the marker: deletion by id and by pass, un-deletion, a merge into a deleted entity, its
    undoing, and an id a delivery linked."""
    [person, other] = upsert(store, [candidate(7), candidate(8)])
    with store.transaction() as tx:
        store.mark_deleted(tx, "beisen", "candidate", ["c7"])
    assert deleted_flags_match(store)

    merged = candidate(7, system="moka", name="王芳")  # the same person (national id), into the deleted entity
    with store.transaction() as tx:
        assert store.upsert_many(tx, "moka", [merged]).merged == 1
    assert store.deleted_at("candidate", person) is not None and deleted_flags_match(store)
    with store.transaction() as tx:  # moka sends it again, unchanged: listed again, so un-deleted
        assert store.upsert_many(tx, "moka", [merged]).updated == 1
    assert store.deleted_at("candidate", person) is None and deleted_flags_match(store)

    with store.transaction() as tx:
        store.record_seen(tx, "pass-1", ["c8"])
        store.mark_missing_deleted(tx, "beisen", "candidate", "pass-1")
    assert store.deleted_at("candidate", person) is not None and deleted_flags_match(store)
    split = store.unmerge(store.merges(person)[0]["id"])
    assert store.deleted_at("candidate", split) is None and deleted_flags_match(store)
    with store.transaction() as tx:
        link_external_id(tx, "workday", "candidate", "W-7", person)
    assert deleted_flags_match(store)
    assert upsert(store, [candidate(8)]) == [other] and len(ops(store, other)) == 1  # live, unchanged: no-op
