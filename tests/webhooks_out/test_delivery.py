"""Webhooks out end to end: real upserts into a real store (a SQLite file) queue outbox entries, the
delivery runner (in process, or `hub deliver` as a subprocess) sends them to a local consumer that
verifies them with the `standardwebhooks` package; then `hub webhooks list|failures|replay`."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess

from hub.core.store import DEAD, DELIVERED, Outbox
from tests.webhooks_out.conftest import EMAIL, NAME, PHONE, ROUTE, Project, deliver, person, settings, upsert


def test_a_change_is_sent_signed_with_the_person_masked(tmp_path, keyring, hub_cmd, receiver):
    project = Project(tmp_path, keyring, hub_cmd, settings(receiver, tmp_path))
    store = project.store()
    [hub_id] = upsert(store, person())
    store.close()

    sent = project.hub("deliver")
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout)["counters"] == {"payroll_hook": {"delivered": 1}}
    [got] = receiver.received
    assert got.error is None and got.answered == 204  # the reference package verified it
    assert got.webhook_id == f"hub-{ROUTE}-{hub_id}-1" and got.signature.startswith("v1,")
    assert abs(int(got.timestamp) - dt.datetime.now(dt.UTC).timestamp()) < 60
    message = got.message
    assert message["type"] == "candidate.created"
    assert dt.datetime.fromisoformat(message["timestamp"]).tzinfo is not None
    assert message["data"]["id"] == hub_id and message["data"]["tags"] == ["candidate"]
    assert message["data"]["name"] == "**" and message["data"]["phones"].endswith("8000]")
    raw = got.body.decode()
    assert all(value not in raw for value in (NAME, PHONE, EMAIL, "13800138000"))
    store = project.store()
    assert store.audit_entries(hub_id) == []  # nothing of the person was disclosed
    store.close()


def test_pii_true_sends_the_values(tmp_path, keyring, hub_cmd, receiver):
    project = Project(tmp_path, keyring, hub_cmd, settings(receiver, tmp_path, pii=True))
    store = project.store()
    [hub_id] = upsert(store, person())
    assert deliver(project, store) == {"payroll_hook": {"delivered": 1}}
    audited = [(a["actor"], a["action"], a["detail"]) for a in store.audit_entries(hub_id)]
    store.close()
    [message] = receiver.verified
    assert (message["data"]["name"], message["data"]["phones"], message["data"]["emails"]) == (NAME, [PHONE], [EMAIL])
    assert audited == [("target:payroll_hook", "read_pii", {"kind": "candidate", "fields": ["emails", "name", "phones"],
                                                            "route": ROUTE, "version": 1})]


def test_a_503_is_retried_with_the_same_webhook_id(tmp_path, keyring, hub_cmd, receiver):
    project = Project(tmp_path, keyring, hub_cmd, settings(receiver, tmp_path))
    store = project.store()
    [hub_id] = upsert(store, person())
    receiver.answers.extend([503])
    counters = deliver(project, store)
    [entry] = Outbox(store).list()
    store.close()
    assert counters == {"payroll_hook": {"retry_later": 1, "delivered": 1}}
    assert [(r.answered, r.error) for r in receiver.received] == [(503, None), (204, None)]
    assert {r.webhook_id for r in receiver.received} == {f"hub-{ROUTE}-{hub_id}-1"}
    assert (entry.status, entry.attempts) == (DELIVERED, 2)


def test_a_4xx_is_a_dead_letter_at_once(tmp_path, keyring, hub_cmd, receiver):
    project = Project(tmp_path, keyring, hub_cmd, settings(receiver, tmp_path))
    store = project.store()
    upsert(store, person())
    receiver.answers.extend([422])
    assert deliver(project, store) == {"payroll_hook": {"dead": 1}}
    [entry] = Outbox(store).list()
    [letter] = store.dead_letters()
    store.close()
    assert (entry.status, entry.attempts, len(receiver.received)) == (DEAD, 1, 1)
    assert letter.stream == f"outbox:{ROUTE}" and "422" in letter.error["reason"]

    replayed = project.hub("webhooks", "replay", str(entry.id))  # the consumer fixed its side
    assert replayed.returncode == 0 and f"  {entry.id}  payroll_hook" in replayed.stdout, replayed.stderr
    store = project.store()
    assert deliver(project, store) == {"payroll_hook": {"delivered": 1}}
    assert store.dead_letters() == []
    store.close()
    assert [r.answered for r in receiver.received] == [422, 204]


def test_dead_after_max_attempts_then_failures_and_replay(tmp_path, keyring, hub_cmd, receiver):
    project = Project(tmp_path, keyring, hub_cmd, settings(receiver, tmp_path, max_attempts=3))
    store = project.store()
    [hub_id] = upsert(store, person())
    store.close()
    receiver.default = 503

    assert project.hub("deliver").returncode == 0  # one pass: the entry backs off
    [backing_off] = project.json("webhooks", "failures")
    assert (backing_off["status"], backing_off["attempts"]) == ("pending", 1) and backing_off["next_attempt_at"]
    assert project.hub("deliver", "--drain", "20").returncode == 1  # an entry went to dead letters
    assert [r.answered for r in receiver.received] == [503, 503, 503]
    [failure] = project.json("webhooks", "failures")
    assert (failure["status"], failure["attempts"], failure["subscription"]) == ("dead", 3, "payroll_hook")
    assert failure["error"].startswith("connector-transient") and "503" in failure["error"]
    assert "path-secret" not in failure["error"]  # the URL's query is redacted
    assert "503" in project.hub("webhooks", "failures").stdout
    [letter] = project.json("dead-letters", "list")
    assert letter["record"] == f"outbox:{failure['id']}"
    [listed] = project.json("webhooks", "list")
    assert listed == {"subscription": "payroll_hook", "host": "127.0.0.1", "pii": False,
                      "routes": [{"route": ROUTE, "kind": "candidate", "events": ["created", "updated", "deleted"]}],
                      "pending": 0, "delivered": 0, "dead": 1}
    assert "path-secret" not in project.hub("webhooks", "list").stdout

    planned = project.json("webhooks", "replay", "--all", "payroll_hook", "--dry-run")
    assert [row["id"] for row in planned["replayed"]] == [failure["id"]]
    assert project.json("webhooks", "failures")[0]["status"] == "dead"  # a dry run changes nothing
    replayed = project.hub("webhooks", "replay", "--all", "payroll_hook")
    assert replayed.returncode == 0 and "queued 1" in replayed.stdout, replayed.stderr
    assert project.json("dead-letters", "list") == []  # resolved with the replay

    receiver.default = 204
    assert project.hub("deliver").returncode == 0
    assert [r.answered for r in receiver.received] == [503, 503, 503, 204]
    assert {r.webhook_id for r in receiver.received} == {f"hub-{ROUTE}-{hub_id}-1"}
    assert project.json("webhooks", "failures") == []
    assert project.json("webhooks", "list")[0]["delivered"] == 1


def test_replay_refuses_what_is_not_a_dead_webhook_delivery(tmp_path, keyring, hub_cmd, receiver):
    project = Project(tmp_path, keyring, hub_cmd, settings(receiver, tmp_path))
    store = project.store()
    upsert(store, person())
    store.close()
    assert project.hub("webhooks", "replay").returncode == 2  # neither an id nor --all
    pending = project.hub("webhooks", "replay", "1")
    assert pending.returncode == 2 and "is pending" in pending.stderr
    assert "not a webhook subscription" in project.hub("webhooks", "replay", "--all", "nowhere").stderr


def test_an_event_the_route_does_not_take_is_never_queued(tmp_path, keyring, hub_cmd, receiver):
    project = Project(tmp_path, keyring, hub_cmd, settings(receiver, tmp_path, events=["created", "deleted"]))
    store = project.store()
    upsert(store, person())
    assert deliver(project, store) == {"payroll_hook": {"delivered": 1}}
    upsert(store, person(title="hired"))  # an update: not subscribed
    assert [entry.version for entry in Outbox(store).list()] == [1]
    assert deliver(project, store) == {}
    with store.transaction() as tx:
        store.mark_deleted(tx, "beisen", "candidate", ["c1"], origin="beisen")
    assert deliver(project, store) == {"payroll_hook": {"delivered": 1}}
    store.close()
    assert [m["type"] for m in receiver.verified] == ["candidate.created", "candidate.deleted"]
    assert receiver.verified[1]["data"]["tags"] == ["hired"]  # the entity as stored when it was deleted


def test_a_deletion_drops_what_is_queued_for_a_route_that_does_not_take_deletions(tmp_path, keyring, hub_cmd, receiver):
    project = Project(tmp_path, keyring, hub_cmd, settings(receiver, tmp_path, events=["created", "updated"]))
    store = project.store()
    upsert(store, person())
    with store.transaction() as tx:
        store.mark_deleted(tx, "beisen", "candidate", ["c1"], origin="beisen")
    assert [entry.status for entry in Outbox(store).list()] == ["superseded"]
    assert deliver(project, store) == {}
    store.close()
    assert receiver.received == []


def test_a_resend_after_a_crash_carries_the_same_webhook_id(tmp_path, keyring, hub_cmd, receiver):
    """`hub deliver` killed while the consumer holds the request (it has the message, the hub has not
    recorded the delivery): the next run sends it again with the same webhook-id, so the consumer can
    take it once."""
    project = Project(tmp_path, keyring, hub_cmd, settings(receiver, tmp_path))
    store = project.store()
    [hub_id] = upsert(store, person())
    store.close()
    receiver.hold.clear()
    first = subprocess.Popen([*hub_cmd, "deliver"], env=project.env(), cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert receiver.arrived.wait(60)
        first.send_signal(signal.SIGKILL)
    finally:
        first.wait(30)
        receiver.hold.set()
    assert project.hub("deliver").returncode == 0
    assert [r.webhook_id for r in receiver.received] == [f"hub-{ROUTE}-{hub_id}-1"] * 2
    assert all(r.error is None for r in receiver.received)
