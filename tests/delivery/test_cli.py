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
from tests.delivery.conftest import ROUTE, application, hub_config, put, seed_people


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

    listed = project(hub_cmd, "outbox", "list", "--status", "pending")
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 2
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
