"""Identity resolution and unmerge, key rotation (resumable, under concurrent reads), erasure."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from hub.core.store import IdentityRules, Store
from hub.core.store import schema as t
from tests.store.conftest import assessment, candidate


def upsert(store, system, entities):
    with store.transaction() as tx:
        return store.upsert_many(tx, system, entities)


def test_same_person_from_two_systems_resolves_by_national_id_and_unmerges(store):
    [survivor] = upsert(store, "beisen", [candidate(1, emails=[])]).ids
    incoming = candidate(1, system="feishu", name="王芳", phones=["+8613700000000"], emails=["fang@corp.cn"])
    result = upsert(store, "feishu", [incoming])
    assert result.ids == [survivor] and result.merged == 1 and result.created == 0
    merged = store.get("candidate", survivor)
    assert merged.external_ids == {"beisen": "c1", "feishu": "c1"}
    assert merged.phones == [candidate(1).phones[0], "+8613700000000"] and merged.emails == ["fang@corp.cn"]
    [merge] = store.merges(survivor)
    assert merge["rule"] == "national_id"
    assert [e["action"] for e in store.audit_entries(survivor)] == ["merge"]

    split = store.unmerge(merge["id"], actor="alice")
    assert store.get("candidate", survivor).phones == candidate(1).phones
    assert store.get("candidate", survivor).external_ids == {"beisen": "c1"}
    assert store.get("candidate", split).phones == ["+8613700000000"]
    assert store.find("feishu", "c1", "candidate") == split
    assert upsert(store, "feishu", [incoming]).unchanged == 1  # the split entity is current


def test_resolution_by_email_when_rule_allows_only_email(db_url, keyring):
    store = Store.open(db_url, keyring, identity=IdentityRules({"candidate": ("emails",)}))
    store.upgrade()
    [a] = upsert(store, "beisen", [candidate(1)]).ids
    other_id = candidate(2).national_id
    result = upsert(store, "moka", [candidate(1, system="moka", national_id=other_id, emails=["WANG.FANG1@example.cn"])])
    assert result.ids == [a] and store.merges(a)[0]["rule"] == "emails"
    assert upsert(store, "moka", [candidate(2, system="moka", emails=[])]).created == 1  # same national id, not in the rule
    store.close()


def test_no_merge_without_a_matching_blind_index(store):
    upsert(store, "beisen", [candidate(1)])
    assert upsert(store, "feishu", [candidate(2, system="feishu")]).created == 1


def test_a_record_naming_another_systems_id_is_that_entity_before_any_pii_match(store):
    """An AI-interview vendor's record that carries the ATS's id is the ATS's record, not a new one."""
    [ats] = upsert(store, "beisen", [candidate(1, phones=[], emails=[], national_id=None)]).ids
    upsert(store, "beisen", [candidate(2)])  # shares the incoming record's national id: a weaker claim
    incoming = candidate(3, system="vendor", national_id=candidate(2).national_id, tags=["ai"],
                         external_ids={"vendor": "r3", "beisen": "c1"})
    result = upsert(store, "vendor", [incoming])
    assert result.ids == [ats] and result.merged == 1
    assert store.get("candidate", ats).external_ids == {"beisen": "c1", "vendor": "r3"}
    [merge] = store.merges(ats)
    assert merge["rule"] == "external_ids.beisen"
    split = store.unmerge(merge["id"], actor="alice")
    assert store.find("vendor", "r3", "candidate") == split != ats


def test_another_systems_id_held_by_no_live_entity_makes_a_new_one(store):
    [erased] = upsert(store, "beisen", [candidate(1)]).ids
    store.erase_candidate(erased, actor="dpo")
    claims = [candidate(4, system="vendor", external_ids={"vendor": "r4", "beisen": "c1"}),
              candidate(5, system="vendor", external_ids={"vendor": "r5", "moka": "m5"})]
    result = upsert(store, "vendor", claims)
    assert result.created == 2 and result.merged == 0 and erased not in result.ids


def _all_values(store, ids):
    return {e.id: (e.national_id, e.phones, e.remote_data) for e in store.get_many("candidate", ids)}


def _kids(store, table=t.entities):
    with store.engine.connect() as conn:
        tokens = [tok for (pii,) in conn.execute(sa.select(table.c.pii)) if pii for tok in __import__("json").loads(pii).values()]
    return {tok.split(".")[1] for tok in tokens}


def test_rotation_is_resumable_and_readers_never_fail(store, db_url, keyring):
    ids = upsert(store, "beisen", [candidate(n) for n in range(40)]).ids
    with store.transaction() as tx:
        store.add_dead_letter(tx, system="beisen", record_ref="x", error={"code": "x"}, payload={"a": 1})
    expected = _all_values(store, ids)
    rotated = Store.open(db_url, keyring.with_new_key("k2"))
    # each candidate's 5 PII tokens are kept twice: the entity row and its change-log entry (the feed's history)
    assert rotated.rotate_keys(dry_run=True).remaining == 2 * 40 * 5 + 1

    first = rotated.rotate_keys(batch_size=10, max_batches=1)
    assert not first.finished and first.rotated == 50
    assert _kids(store) == {"k1", "k2"}

    errors, reads = [], [0]
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                assert _all_values(rotated, ids) == expected
                reads[0] += 1
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
                return

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        rest = rotated.rotate_keys(batch_size=7)
    finally:
        stop.set()
        thread.join()
    assert errors == [] and reads[0] > 0
    assert rest.finished and first.rotated + rest.rotated == 2 * 40 * 5 + 1
    assert _kids(store) == {"k2"} and _kids(store, t.change_log) == {"k2"}
    assert rotated.rotate_keys(dry_run=True).remaining == 0
    assert rotated.dead_letters(with_payload=True)[0].payload == {"a": 1}
    assert _all_values(rotated, ids) == expected
    rotated.close()


def test_erasure_removes_pii_everywhere_and_keeps_the_skeleton(store):
    with store.transaction() as tx:
        [cid, keep] = store.upsert_many(tx, "beisen", [candidate(1), candidate(2)]).ids
        [aid] = store.upsert_many(tx, "beisen", [assessment(1).model_copy(update={"remote_data": {"name": "王1芳"}})]).ids
        store.add_dead_letter(tx, system="beisen", record_ref="c1", error={"code": "x"}, payload={"n": "王1芳"})
    dry = store.erase_candidate(cid, "dpo", dry_run=True)
    assert (dry.entities, dry.blind_indexes, dry.dead_letters) == (2, 3, 1)
    assert store.get("candidate", cid).national_id is not None

    store.erase_candidate(cid, "dpo")
    erased = store.get("candidate", cid)
    assert (erased.name, erased.national_id, erased.phones, erased.remote_data) == (None, None, [], None)
    assert erased.tags == ["java"]
    assert store.get("assessment", aid).remote_data is None and store.get("assessment", aid).overall is not None
    assert store.get("candidate", keep).national_id == candidate(2).national_id
    assert store.dead_letters(status="erased")[0].payload is None
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.blind_index).where(t.blind_index.c.entity_id == cid)).scalar_one() == 0
    assert store.audit_entries(cid)[-1]["action"] == "erase"
    assert upsert(store, "beisen", [candidate(1)]).unchanged == 1  # re-sync does not bring the PII back
    assert store.get("candidate", cid).national_id is None


def test_references_in_one_batch_resolve_to_what_the_batch_made_of_their_targets(store):
    """Candidates and the assessments referencing them in one call: each reference gets the id its
    target ended with — new, unchanged, or merged into a person another system brought earlier."""
    [earlier] = upsert(store, "beisen", [candidate(1)]).ids
    upsert(store, "feishu", [candidate(2, system="feishu")])
    batch = [candidate(1, system="feishu"), candidate(2, system="feishu"), candidate(3, system="feishu")]
    batch += [assessment(n, system="feishu") for n in (1, 2, 3)]
    result = upsert(store, "feishu", batch)
    assert (result.merged, result.unchanged, result.created) == (1, 1, 4)
    targets = result.ids[:3]
    assert targets[0] == earlier
    assert [store.get("assessment", id_).candidate.id for id_ in result.ids[3:]] == targets
    assert targets == [store.find("feishu", f"c{n}", "candidate") for n in (1, 2, 3)]
