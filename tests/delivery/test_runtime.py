"""Commands open the store through hub.core.runtime, so hub.yaml's routes queue deliveries."""

from __future__ import annotations

from hub.core.config import HubConfig
from hub.core.delivery import Outbox
from hub.core.runtime import open_store
from tests.delivery.conftest import application, hub_config, put, seed_people


def configured(tmp_path, server, keyring, *, routes=None) -> HubConfig:
    data = hub_config(server, routes=routes)
    data["database"] = {"url": f"sqlite:///{tmp_path / 'hub.db'}"}
    data["keys"] = {"provider": "env"}
    return HubConfig.model_validate(data)


def test_a_store_opened_from_config_queues_deliveries_for_its_routes(tmp_path, server, keyring, monkeypatch):
    monkeypatch.setenv("HUB_KEYS", keyring.to_json())
    store = open_store(configured(tmp_path, server, keyring))
    seed_people(store, 1)
    put(store, application(0, "second_interview"))
    assert [(e.target, e.status) for e in Outbox(store).list()] == [("greenhouse", "pending")]


def test_without_routes_nothing_is_queued(tmp_path, server, keyring, monkeypatch):
    monkeypatch.setenv("HUB_KEYS", keyring.to_json())
    store = open_store(configured(tmp_path, server, keyring, routes=[]))
    seed_people(store, 1)
    put(store, application(0, "second_interview"))
    assert Outbox(store).list() == []
