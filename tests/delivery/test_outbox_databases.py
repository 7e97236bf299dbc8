"""Outbox basics on both databases: entries are written in the change's transaction (and vanish with
its rollback), newer versions supersede, the runner delivers and links the target's id."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from hub.core.config import HubConfig
from hub.core.delivery import DeliveryRunner, Outbox, attach_routes
from hub.core.store import Store
from hub.core.store.schema import metadata
from tests.delivery.conftest import application, put, seed_people
from tests.store.conftest import pg_url  # noqa: F401 — the session fixture: a fresh, migrated schema


@pytest.fixture(params=["sqlite", "postgresql"])
def db_store(request: pytest.FixtureRequest, tmp_path, keyring, config: HubConfig) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path / 'hub.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    store = Store.open(url, keyring)
    store.upgrade()
    attach_routes(store, config)
    yield store
    if request.param == "postgresql":
        with store.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {', '.join(t.name for t in metadata.sorted_tables)} RESTART IDENTITY CASCADE"))
    store.close()


def test_entries_commit_and_roll_back_with_the_change(db_store):
    seed_people(db_store, 2)
    with pytest.raises(RuntimeError), db_store.transaction() as tx:
        db_store.upsert_many(tx, "beisen", [application(0, "offer")])
        raise RuntimeError("the page failed after the upsert")
    assert Outbox(db_store).list() == []

    put(db_store, application(1, "offer"))
    put(db_store, application(1, "rejected"))
    assert [(e.version, e.status) for e in Outbox(db_store).list()] == [(1, "superseded"), (2, "pending")]


def test_delivery_links_the_targets_id(db_store, config, server):
    seed_people(db_store, 1)
    [app_id] = put(db_store, application(0, "offer"))
    assert DeliveryRunner(db_store, config).run().counters == {"greenhouse": {"delivered": 1}}
    [remote] = server.applications.values()
    assert db_store.find("greenhouse", str(remote["id"]), "application") == app_id
    assert remote["stage_name"] == "Offer"
