"""Fixtures for the delivery tests: the real store on a SQLite file with routes attached, the local
Greenhouse v3 write target, and canonical records as the hub would hold them.

Candidates and jobs are stored as synced from Greenhouse (so they have Greenhouse ids); applications
arrive from an AI-interview vendor ("beisen") and reference them — delivery must create them in
Greenhouse once and then move or reject them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from hub.core.config import HubConfig
from hub.core.crypto import KeyRing
from hub.core.delivery import attach_routes
from hub.core.models import Application, Candidate, Job, Provenance, Ref
from hub.core.store import Store
from tests.support.target_server import GreenhouseTargetServer

FETCHED = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)
ROUTE = {"name": "applications-to-greenhouse", "entity": "application", "target": "greenhouse",
         "when": [{"field": "status", "in": ["interviewing", "second_interview", "offer", "rejected"]}]}


def hub_config(server: GreenhouseTargetServer, routes: list[dict[str, Any]] | None = None, **settings: Any) -> dict[str, Any]:
    """hub.yaml as a dict: the greenhouse connector pointed at the local target, quick retries."""
    gh = {"client_id": "cid", "client_secret": "secret", "base_url": server.url("/v3"), "token_url": server.url("/token"),
          "default_rejection_reason_id": 4000,
          "retry": {"max_attempts": 2, "backoff_base": 0.01, "backoff_cap": 0.02, "max_elapsed_seconds": 5}}
    gh.update(settings)
    return {"connectors": {"greenhouse": {"type": "greenhouse", "settings": gh}},
            "routes": [ROUTE] if routes is None else routes}


@pytest.fixture
def server() -> Iterator[GreenhouseTargetServer]:
    with GreenhouseTargetServer() as srv:
        yield srv


@pytest.fixture
def keyring() -> KeyRing:
    return KeyRing.generate()


@pytest.fixture
def config(server: GreenhouseTargetServer) -> HubConfig:
    return HubConfig.model_validate(hub_config(server))


@pytest.fixture
def store(tmp_path, keyring: KeyRing, config: HubConfig) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'hub.db'}", keyring)
    store.upgrade()
    attach_routes(store, config)
    yield store
    store.close()


def seed_people(store: Store, count: int) -> None:
    """Candidates ``7+n`` and job 3, as synced from Greenhouse (origin greenhouse: never routed back)."""
    with store.transaction() as tx:
        store.upsert_many(tx, "greenhouse", [Job(external_ids={"greenhouse": "3"}, title="后端工程师")])
        store.upsert_many(tx, "greenhouse", [
            Candidate(external_ids={"greenhouse": str(7 + n)}, name=f"王{n}芳",
                      provenance=Provenance(system="greenhouse", fetched_at=FETCHED)) for n in range(count)])


def application(n: int, status: str, system: str = "beisen") -> Application:
    """Application ``a<n>`` of candidate ``7+n`` for job 3, as the vendor ``system`` reports it."""
    return Application(external_ids={system: f"a{n}"}, status=status,
                       candidate=Ref(system="greenhouse", external_id=str(7 + n)),
                       job=Ref(system="greenhouse", external_id="3"),
                       provenance=Provenance(system=system, fetched_at=FETCHED))


def put(store: Store, *apps: Application, system: str = "beisen", origin: str | None = None) -> list[str]:
    """Store applications (one transaction, like one synced page); their hub ids."""
    with store.transaction() as tx:
        return store.upsert_many(tx, system, list(apps), origin=origin).ids
