"""`hub routes check`, `hub deliver` and `hub outbox` as subprocesses on a real hub.yaml and database."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import yaml

from hub.core.config import HubConfig
from hub.core.delivery import attach_routes
from hub.core.store import Store
from hub.core.models import Application, Candidate, Provenance, Ref
from tests.delivery.conftest import FETCHED, ROUTE, application, hub_config, put, seed_people


@pytest.fixture
def project(tmp_path, keyring, server):
    """A hub.yaml and database; returns a function running ``hub ...`` there."""

    def write(settings: dict) -> None:
        settings["database"] = {"url": f"sqlite:///{tmp_path / 'hub.db'}"}
        (tmp_path / "hub.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")

    def run(hub_cmd, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "HUB_CONFIG": str(tmp_path / "hub.yaml"), "HUB_KEYS": keyring.to_json()}
        return subprocess.run([*hub_cmd, *args], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)

    write(hub_config(server))
    run.write = write  # type: ignore[attr-defined]
    return run


def test_routes_check_accepts_good_routes(project, hub_cmd):
    result = project(hub_cmd, "routes", "check")
    assert result.returncode == 0, result.stderr
    assert "ok  applications-to-greenhouse: application → greenhouse when status in" in result.stdout


def test_routes_check_names_every_bad_route(project, hub_cmd, server):
    project.write(hub_config(server, routes=[
        {**ROUTE, "name": "offers", "entity": "offer"},                                  # greenhouse writes no offers
        {**ROUTE, "name": "nowhere", "target": "payroll"},                               # no such connector
        {**ROUTE, "name": "pii", "entity": "candidate", "when": [{"field": "national_id", "equals": "x"}]},
        {**ROUTE, "name": "typo", "when": [{"field": "stauts", "equals": "offer"}]},
    ]))
    result = project(hub_cmd, "routes", "check")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "route 'offers': connector 'greenhouse' cannot write 'offer' (it writes application)",
        "route 'nowhere': target 'payroll' is not a connector in hub.yaml",
        "route 'pii': connector 'greenhouse' cannot write 'candidate' (it writes application)",
        "route 'pii': field 'national_id' is PII; routes may only test non-PII fields",
        "route 'typo': application has no field 'stauts' (condition stauts == 'offer')",
    ]


def test_routes_check_refuses_a_malformed_condition(project, hub_cmd, server):
    project.write(hub_config(server, routes=[{**ROUTE, "when": [{"field": "status"}]}]))
    result = project(hub_cmd, "routes", "check")
    assert result.returncode == 2 and "needs exactly one of equals, in, changed_to" in result.stderr


def test_deliver_and_outbox_commands(project, hub_cmd, tmp_path, keyring, server):
    store = Store.open(f"sqlite:///{tmp_path / 'hub.db'}", keyring)
    store.upgrade()
    attach_routes(store, HubConfig.model_validate(hub_config(server)))
    seed_people(store, 2)
    put(store, application(0, "offer"), application(1, "offer"))
    store.close()

    assert project(hub_cmd, "outbox", "list", "--status", "dead").stdout.strip() == "no dead entries in the outbox"
    listed = project(hub_cmd, "outbox", "list", "--status", "pending")
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 2
    as_json = json.loads(project(hub_cmd, "outbox", "list", "--json").stdout)
    assert [(entry["id"], entry["status"], entry["route"]) for entry in as_json] == [
        (1, "pending", "applications-to-greenhouse"), (2, "pending", "applications-to-greenhouse")]
    cancelled = project(hub_cmd, "outbox", "cancel", "1")
    assert "cancelled" in cancelled.stdout

    delivered = project(hub_cmd, "deliver")
    assert delivered.returncode == 0, delivered.stderr
    assert json.loads(delivered.stdout)["counters"] == {"greenhouse": {"delivered": 1}}
    assert json.loads(project(hub_cmd, "outbox", "show", "2").stdout)["status"] == "delivered"

    assert "pending" in project(hub_cmd, "outbox", "retry", "1").stdout  # back in the queue, due now
    assert sorted(server.creates) == [(8, 3)]  # application 0 (entry 1, cancelled) was never sent


def test_dead_letters_cover_deliveries(project, hub_cmd, tmp_path, keyring, server):
    """A rejected delivery is listed by `hub dead-letters list`; `retry` puts it back in the outbox."""
    project.write(hub_config(server, default_rejection_reason_id=9999))
    store = Store.open(f"sqlite:///{tmp_path / 'hub.db'}", keyring)
    store.upgrade()
    attach_routes(store, HubConfig.model_validate(hub_config(server)))
    seed_people(store, 1)
    put(store, application(0, "rejected"))
    store.close()

    assert project(hub_cmd, "deliver").returncode == 1  # the target refused the rejection reason
    listed = project(hub_cmd, "dead-letters", "list", "--json")
    assert listed.returncode == 0
    [letter] = json.loads(listed.stdout)
    assert letter["stream"] == "outbox:applications-to-greenhouse"

    project.write(hub_config(server))  # the operator fixes the rejection reason, then replays
    retried = project(hub_cmd, "dead-letters", "retry")
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert "resolved 1" in retried.stdout
    assert json.loads(project(hub_cmd, "outbox", "show", "1").stdout)["status"] == "pending"
    assert project(hub_cmd, "deliver").returncode == 0
    assert [app["status"] for app in server.applications.values()] == ["rejected"]


def _candidate_unknown_to_greenhouse(store: Store) -> None:
    """Candidate b1 and its application, as an AI-interview vendor reports them: Greenhouse has no id for them."""
    with store.transaction() as tx:
        store.upsert_many(tx, "beisen", [Candidate(external_ids={"beisen": "b1"}, name="李雷",
                                                   provenance=Provenance(system="beisen", fetched_at=FETCHED))])
    put(store, Application(external_ids={"beisen": "a-b1"}, status="offer", candidate=Ref(system="beisen", external_id="b1"),
                           job=Ref(system="greenhouse", external_id="3"), provenance=Provenance(system="beisen", fetched_at=FETCHED)))


def test_deliver_dry_run_shows_payloads_and_predicts_what_a_real_run_refuses(project, hub_cmd, tmp_path, keyring, server):
    """Each planned payload is shown; an application whose candidate Greenhouse does not know is
    predicted refused with the reason the real run then gives its dead letter. --config works
    without HUB_CONFIG."""
    store = Store.open(f"sqlite:///{tmp_path / 'hub.db'}", keyring)
    store.upgrade()
    attach_routes(store, HubConfig.model_validate(hub_config(server)))
    seed_people(store, 1)
    put(store, application(0, "offer"))
    _candidate_unknown_to_greenhouse(store)
    store.close()
    env = {**os.environ, "HUB_KEYS": keyring.to_json()}
    env.pop("HUB_CONFIG", None)

    def hub(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*hub_cmd, *args, "--config", str(tmp_path / "hub.yaml")], env=env, capture_output=True,
                              text=True, timeout=60, cwd=tmp_path.parent)  # fmt: skip

    dry = hub("deliver", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    planned = json.loads(dry.stdout)["planned"]
    sent = [plan for plan in planned if "refused" not in plan]
    [refused] = [plan for plan in planned if "refused" in plan]
    assert [(plan["create"], plan["payload"]["candidate_id"], plan["payload"]["job_id"]) for plan in sent] == [(True, 7, 3)]
    assert refused["refused"]["reason"] == "the application's candidate has no Greenhouse id yet; deliver or sync it first"
    assert ("route 'applications-to-greenhouse': 1 would be sent (1 to create), 1 would be refused: "
            "the application's candidate has no Greenhouse id yet") in dry.stderr
    assert server.writes == []
    assert json.loads(hub("deliver", "--dry-run").stdout)["planned"] == planned  # the dry run changed nothing

    forecast = hub("routes", "check")
    assert forecast.returncode == 0 and "1 would be sent (1 to create), 1 would be refused" in forecast.stdout

    real = hub("deliver")
    assert real.returncode == 1 and json.loads(real.stdout)["counters"] == {"greenhouse": {"delivered": 1, "dead": 1}}
    [letter] = json.loads(hub("dead-letters", "list", "--json").stdout)
    assert letter["reason"] == refused["refused"]["reason"]


def test_routes_check_without_a_database_creates_none(project, hub_cmd, tmp_path):
    result = project(hub_cmd, "routes", "check")
    assert result.returncode == 0 and result.stdout.splitlines()[-1] == "nothing queued yet"
    assert not (tmp_path / "hub.db").exists()


def test_routes_check_without_routes_says_so(project, hub_cmd, server):
    project.write(hub_config(server, routes=[]))
    result = project(hub_cmd, "routes", "check")
    assert result.returncode == 0 and result.stdout.startswith("no routes in hub.yaml")
