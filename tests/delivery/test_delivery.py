"""Delivery end to end: the real store (SQLite file) queues outbox entries with each change; the runner
delivers them to the local Greenhouse v3 write target over real sockets."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from hub.core.config import HubConfig
from hub.core.delivery import DeliveryRunner, Outbox, attach_routes
from hub.core.store import Store
from hub.core.store import schema as t
from tests.delivery.conftest import ROUTE, application, hub_config, put, seed_people
from tests.support.target_server import GreenhouseTargetServer


def runner_for(store: Store, config: HubConfig) -> DeliveryRunner:
    return DeliveryRunner(store, config)


def kinds(server: GreenhouseTargetServer) -> list[str]:
    return [kind for kind, _, _ in server.writes]


def test_first_change_creates_later_changes_update(store, config, server):
    seed_people(store, 1)
    [app_id] = put(store, application(0, "second_interview"))
    runner = runner_for(store, config)

    assert runner.run().counters == {"greenhouse": {"delivered": 1}}
    [remote] = server.applications.values()
    assert (remote["candidate_id"], remote["job_id"], remote["stage_name"]) == (7, 3, "Face to Face")
    assert store.get("application", app_id).external_ids["greenhouse"] == str(remote["id"])

    put(store, application(0, "rejected"))
    assert runner.run().counters == {"greenhouse": {"delivered": 1}}
    assert (remote["status"], remote["rejection_reason_id"]) == ("rejected", 4000)
    assert server.creates == {(7, 3): 1}
    assert kinds(server) == ["create", "move", "reject"]
    assert [e.status for e in Outbox(store).list()] == ["delivered", "delivered"]


def test_newer_version_supersedes_an_undelivered_one(store, config, server):
    seed_people(store, 1)
    put(store, application(0, "second_interview"))
    put(store, application(0, "rejected"))

    assert [(e.version, e.status) for e in Outbox(store).list()] == [(1, "superseded"), (2, "pending")]
    runner_for(store, config).run()
    assert kinds(server) == ["create", "reject"]  # the stale move to Face to Face is never sent


def test_an_undone_change_is_superseded_without_replacement(tmp_path, keyring, server):
    config = HubConfig.model_validate(hub_config(server, routes=[
        {**ROUTE, "when": [{"field": "status", "changed_to": "rejected"}]}]))
    store = Store.open(f"sqlite:///{tmp_path / 'undo.db'}", keyring)
    store.upgrade()
    attach_routes(store, config)
    seed_people(store, 1)
    put(store, application(0, "rejected"))
    put(store, application(0, "interviewing"))  # rejected, then taken back before delivery

    assert [(e.version, e.status) for e in Outbox(store).list()] == [(1, "superseded")]
    assert runner_for(store, config).run().counters == {}
    assert server.writes == []

    put(store, application(0, "rejected"))  # v3: fires
    edited = application(0, "rejected")
    edited.status_raw = "未通过"
    put(store, edited)  # v4 before delivery: the pending reject is carried forward, not lost
    assert [(e.version, e.status) for e in Outbox(store).list()] == [(1, "superseded"), (3, "superseded"), (4, "pending")]
    runner_for(store, config).run()
    edited.status_raw = "不合适"
    put(store, edited)  # v5 after delivery: the status did not change, changed_to does not fire again
    assert [(e.version, e.status) for e in Outbox(store).list()] == [(1, "superseded"), (3, "superseded"), (4, "delivered")]
    assert [kind for kind, _, _ in server.writes] == ["create", "reject"]
    store.close()


def test_a_change_is_never_sent_back_to_the_system_it_came_from(store, config, server):
    seed_people(store, 2)
    put(store, application(0, "rejected", system="greenhouse"), system="greenhouse")
    put(store, application(1, "rejected"), origin="sync:greenhouse")
    assert Outbox(store).list() == []

    put(store, application(1, "offer"))  # the same entity changed by the vendor does go to Greenhouse
    assert [e.status for e in Outbox(store).list()] == ["pending"]


def test_a_permanently_rejected_payload_lands_in_dead_letters_with_the_targets_message(tmp_path, keyring, server):
    config = HubConfig.model_validate(hub_config(server, default_rejection_reason_id=9999))
    store = Store.open(f"sqlite:///{tmp_path / 'dead.db'}", keyring)
    store.upgrade()
    attach_routes(store, config)
    seed_people(store, 1)
    put(store, application(0, "rejected"))

    report = DeliveryRunner(store, config).run()

    assert report.counters == {"greenhouse": {"dead": 1}}
    [entry] = Outbox(store).list()
    assert (entry.status, entry.attempts, entry.last_error["status"]) == ("dead", 1, "422")
    [letter] = store.dead_letters(system="greenhouse", with_payload=True)
    assert "Rejection reason 9999 does not exist" in letter.error["body"]
    assert letter.error_code == "connector-permanent" and letter.stream == "outbox:applications-to-greenhouse"
    assert letter.payload["status"] == "rejected"
    assert [r["status"] for r in server.applications.values()] == ["in_process"]  # created, never rejected
    store.close()


def test_a_target_that_is_down_receives_everything_in_order_when_it_is_back(store, config, server):
    seed_people(store, 5)
    put(store, *(application(n, "second_interview") for n in range(5)))
    server.down_for(10**6)
    runner = runner_for(store, config)

    assert runner.run().counters == {"greenhouse": {"retry_later": 5}}
    put(store, application(0, "rejected"))  # arrives while the target is down: supersedes entry 1
    server.down_for(0)
    time.sleep(0.05)  # every back-off (at most backoff_cap = 0.02 s) has run out: all entries are due
    runner.drain(timeout=20)

    assert [e.status for e in Outbox(store).list(status="pending")] == []
    creates = [payload["candidate_id"] for kind, _, payload in server.writes if kind == "create"]
    assert creates == [8, 9, 10, 11, 7]  # outbox order: application 0's entry is the newest
    by_candidate = {a["candidate_id"]: a for a in server.applications.values()}
    assert by_candidate[7]["status"] == "rejected"
    assert {by_candidate[c]["stage_name"] for c in (8, 9, 10, 11)} == {"Face to Face"}
    assert all(count == 1 for count in server.creates.values())


def test_a_conflicting_move_is_reread_and_retried_never_blind(store, config, server):
    seed_people(store, 1)
    put(store, application(0, "second_interview"))
    runner = runner_for(store, config)
    runner.run()
    [remote] = server.applications.values()

    server.race_next_move("Phone Interview")  # someone moves it in Greenhouse while we deliver
    put(store, application(0, "offer"))
    assert runner.run().counters == {"greenhouse": {"delivered": 1}}

    moves = [payload for kind, _, payload in server.writes if kind == "move"]
    assert moves[-1]["from_stage_id"] == server.stage_id(3, "Phone Interview")  # the re-read stage
    assert remote["stage_name"] == "Offer"


def test_dry_run_plans_without_sending(store, config, server):
    seed_people(store, 1)
    put(store, application(0, "offer"))
    report = runner_for(store, config).run(dry_run=True)
    assert [(p["create"], p["version"]) for p in report.planned] == [(True, 1)]
    assert server.writes == [] and [e.status for e in Outbox(store).list()] == ["pending"]


def test_retry_and_cancel_move_entries_between_states(store, config, server):
    seed_people(store, 2)
    put(store, application(0, "offer"), application(1, "offer"))
    outbox = Outbox(store)
    first, second = outbox.list()
    assert outbox.cancel(first.id).status == "cancelled"
    with pytest.raises(Exception, match="only dead or cancelled"):
        outbox.retry(second.id)
    runner_for(store, config).run()
    assert [e.status for e in outbox.list()] == ["cancelled", "delivered"]
    assert outbox.retry(first.id).status == "pending"
    runner_for(store, config).run()
    assert [e.status for e in outbox.list()] == ["delivered", "delivered"]


def test_a_completed_ai_interview_moves_to_the_next_stage_once(tmp_path, keyring, server):
    """`@next` moves to the stage after the one the hub last saw; a repeated delivery moves no further."""
    route = {"name": "ai-done", "entity": "application", "target": "greenhouse",
             "when": [{"field": "status", "changed_to": "ai_interview_completed"}]}
    config = HubConfig.model_validate(hub_config(server, routes=[route]))
    store = Store.open(f"sqlite:///{tmp_path / 'next.db'}", keyring)
    store.upgrade()
    attach_routes(store, config)
    seed_people(store, 1)
    put(store, application(0, "ai_interview_invited").model_copy(update={"stage": "Phone Interview"}))
    put(store, application(0, "ai_interview_completed").model_copy(update={"stage": "Phone Interview"}))
    remote = server._new_application(7, 3, "Phone Interview")  # the application as Greenhouse has it

    runner = runner_for(store, config)
    assert runner.run().counters == {"greenhouse": {"delivered": 1}}
    assert remote["stage_name"] == "Face to Face"
    [entry] = Outbox(store).list()
    with store.transaction() as tx:  # as if the process died after the move, before marking it delivered
        Outbox(store).set_status(tx, entry.id, "pending")
    runner.run()
    assert remote["stage_name"] == "Face to Face"
    assert kinds(server) == ["move"]


def test_a_pass_reads_its_entities_in_one_query_however_many_entries_it_takes(store, config, server):
    seed_people(store, 20)
    put(store, *(application(n, "second_interview") for n in range(20)))
    statements: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    assert runner_for(store, config).run().counters == {"greenhouse": {"delivered": 20}}

    entity_reads = [sql for sql in statements if sql.lstrip().startswith("SELECT") and "FROM entities" in sql]
    assert len(entity_reads) == 1, entity_reads  # read entry by entry, it was one per entry
    assert sorted((r["candidate_id"], r["job_id"]) for r in server.applications.values()) == [(7 + n, 3) for n in range(20)]


def test_an_entity_that_cannot_be_decrypted_fails_its_own_entry_and_the_rest_of_the_pass_is_delivered(store, config, server):
    seed_people(store, 3)
    ids = put(store, *(application(n, "second_interview").model_copy(update={"remote_data": {"stage": "面试"}})
                       for n in range(3)))
    with store.transaction() as tx:  # the middle one's raw payload moved from the first one's row
        tx.execute(sa.update(t.entities).where(t.entities.c.id == ids[1]).values(
            pii=sa.select(t.entities.c.pii).where(t.entities.c.id == ids[0]).scalar_subquery()))

    assert runner_for(store, config).run().counters == {"greenhouse": {"delivered": 2, "dead": 1}}

    [dead] = [e for e in Outbox(store).list() if e.status == "dead"]
    assert dead.entity_id == ids[1] and dead.last_error["code"] == "decryption-failed"
    assert sorted(r["candidate_id"] for r in server.applications.values()) == [7, 9]


def test_taking_due_entries_looks_up_older_pending_ones_through_the_entity_index(store, config, server):
    """Without the index, the "older entry of the same entity pending?" test scanned the outbox once
    per entry: taking a pass was quadratic in the queue (4.3 s for a migration's 5,000 entries)."""
    seed_people(store, 2)
    put(store, *(application(n, "second_interview") for n in range(2)))
    taken: list[tuple[str, object]] = []

    def remember(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001 - SQLAlchemy's event signature
        if "FROM outbox" in statement and "EXISTS" in statement:
            taken.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", remember)
    assert len(Outbox(store).due("greenhouse")) == 2

    [(statement, parameters)] = taken
    with store.engine.connect() as conn:
        plan = " | ".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
    assert "ix_outbox_entity" in plan, plan


def test_an_id_the_target_answers_with_that_belongs_to_another_entity_is_a_dead_letter_and_the_run_goes_on(store, config, server):
    """Greenhouse creates application 101, but the hub already holds 101 for another application: the
    hub never re-points an id silently, and the other entries of the pass are still delivered."""
    seed_people(store, 2)
    with store.transaction() as tx:  # an application synced from Greenhouse earlier, as 101
        store.upsert_many(tx, "greenhouse", [application(5, "interviewing", system="greenhouse").model_copy(
            update={"external_ids": {"greenhouse": "101"}})])
    server._next_id = 100  # the target's next application is 101
    put(store, application(0, "second_interview"), application(1, "second_interview"))

    report = runner_for(store, config).run()

    assert report.counters == {"greenhouse": {"dead": 1, "delivered": 1}}
    [letter] = store.dead_letters(system="greenhouse")
    assert letter.error_code == "store-error" and "already linked" in str(letter.error), letter.error
    assert sorted(a["id"] for a in server.applications.values()) == [101, 102]
