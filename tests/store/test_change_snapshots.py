"""The change log keeps each version's state (the change feed serves it), in seq order even with
concurrent writers on PostgreSQL; erasure blanks the history's PII; entries from before revision 0010
are served with the current state."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from hub.core.access import Grant, Role
from hub.core.models import masked
from hub.core.store import schema as t
from tests.store.conftest import assessment, candidate

ADMIN = Grant("t1", "admin", Role.HR_ADMIN)
READER = Grant("t2", "dpo", Role.HR_ADMIN, pii_read=True)


def upsert(store, system, entities):
    with store.transaction() as tx:
        return store.upsert_many(tx, system, entities)


def without_provenance(state):
    return {name: value for name, value in state.items() if name != "provenance"}


def test_every_version_keeps_its_state_masked_or_in_plaintext_for_pii_read(store):
    [cid] = upsert(store, "beisen", [candidate(1)]).ids
    first = store.get("candidate", cid)
    upsert(store, "beisen", [candidate(1, name="王一芳", tags=["go"])])
    second = store.get("candidate", cid)
    with store.transaction() as tx:
        store.mark_deleted(tx, "beisen", "candidate", ["c1"])

    feed = store.changes(grant=ADMIN)
    assert [(c.version, c.op) for c in feed] == [(1, "create"), (2, "update"), (3, "delete")]
    assert [c.entity for c in feed] == [without_provenance(masked(v)) for v in (first, second, second)]
    assert "王一芳" not in str(feed) and feed[1].entity["name"] == "***"

    plain = store.changes(grant=READER)
    assert [c.entity["name"] for c in plain] == ["王1芳", "王一芳", "王一芳"]
    assert plain[0].entity == without_provenance(first.model_dump(mode="json", exclude_none=True))
    [audit] = [e for e in store.audit_entries(cid) if e["action"] == "read_pii"]
    assert audit["actor"] == "token:dpo" and audit["detail"]["versions"] == [1, 2, 3]
    assert "name" in audit["detail"]["fields"] and "王" not in str(audit)


def test_kinds_and_scope_leave_entries_out_without_reordering(store):
    upsert(store, "beisen", [candidate(1)])
    upsert(store, "beisen", [assessment(1)])
    upsert(store, "beisen", [candidate(2)])
    everything = store.changes()
    only = store.changes(kinds={"candidate"}, grant=ADMIN)
    assert [c.seq for c in only] == [c.seq for c in everything if c.kind == "candidate"]
    interviewer = Grant("t3", "li", Role.INTERVIEWER, interviewer="nobody")
    assert store.changes(grant=interviewer) == []


def test_erasure_blanks_the_pii_of_every_past_version(store):
    [cid] = upsert(store, "beisen", [candidate(1)]).ids
    upsert(store, "beisen", [candidate(1, phones=["+8613900000000"])])
    upsert(store, "beisen", [assessment(1)])
    store.erase_candidate(cid, "dpo")
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(t.change_log.c.kind, t.change_log.c.op, t.change_log.c.pii, t.change_log.c.data)).all()
    assert [(kind, op) for kind, op, _, _ in rows][-2:] == [("candidate", "erase"), ("assessment", "erase")]
    assert all(pii is None for _, _, pii, _ in rows)
    assert all(data is not None and "王" not in data for *_, data in rows)
    states = [c.entity for c in store.changes(grant=READER) if c.entity_id == cid]
    assert len(states) == 3 and all("name" not in s and "phones" not in s for s in states)
    assert states[-1]["tags"] == ["java"]


def test_entries_written_before_snapshots_are_served_with_the_current_state(store):
    [cid] = upsert(store, "beisen", [candidate(1)]).ids
    with store.transaction() as tx:
        tx.execute(t.change_log.update().values(data=None, pii=None))
    upsert(store, "beisen", [candidate(1, name="王一芳")])
    [old, new] = store.changes(grant=READER)
    assert old.entity["name"] == new.entity["name"] == "王一芳" and old.version == 1
    assert store.get("candidate", cid).name == "王一芳"


def test_concurrent_writers_never_make_a_follower_skip_a_change(store):
    """On PostgreSQL sequence numbers are taken at insert and transactions commit in any order; the
    change-log lock makes them visible in seq order, so a follower that only remembers the last seq
    it saw misses nothing (SQLite: one writer at a time)."""
    writers, batches = 4, 15
    done = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def write(w: int) -> None:
        try:
            for b in range(batches):
                upsert(store, f"s{w}", [candidate(1000 * w + 10 * b + n, system=f"s{w}") for n in range(3)])
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    def follow() -> None:
        after = 0
        while True:
            finished = done.is_set()
            page = store.changes(after, 50)
            seen.extend(c.seq for c in page)
            after = page[-1].seq if page else after
            if finished and not page:
                return

    follower = threading.Thread(target=follow)
    follower.start()
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    follower.join()
    assert errors == []
    assert seen == [c.seq for c in store.changes(limit=10_000)] and len(seen) == writers * batches * 3

