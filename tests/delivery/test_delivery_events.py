"""``hub_event`` from delivery: a real plugin observer, the real store and outbox, the local Greenhouse
write target over real sockets; each event comes after its bookkeeping committed."""

from __future__ import annotations

from hub.core.config import HubConfig
from hub.core.delivery import DeliveryRunner, Outbox, attach_routes
from hub.core.events import Events
from hub.core.store import Store
from tests.delivery.conftest import application, hub_config, put, seed_people
from tests.support.observer_plugin import ObserverPlugin, manager


def statuses(store: Store) -> list[str]:
    return [entry.status for entry in Outbox(store).list()]


def test_delivery_sent_names_the_entry_and_the_targets_id_once_it_is_marked_delivered(store, config, server) -> None:
    plugin = ObserverPlugin(probe=lambda _: statuses(store))
    seed_people(store, 1)
    [app_id] = put(store, application(0, "second_interview"))
    DeliveryRunner(store, config, events=Events(manager(plugin))).run()
    ((event, seen),) = plugin.seen
    [remote] = server.applications.values()
    assert event.name == "delivery_sent" and seen == ["delivered"]
    assert (event.data["target"], event.data["kind"], event.data["entity_id"], event.data["version"]) == (
        "greenhouse", "application", app_id, 1)
    assert (event.data["route"], event.data["external_id"]) == ("applications-to-greenhouse", str(remote["id"]))


def test_delivery_failed_carries_the_targets_typed_error_once_the_entry_is_dead(tmp_path, keyring, server) -> None:
    config = HubConfig.model_validate(hub_config(server, default_rejection_reason_id=9999))
    store = Store.open(f"sqlite:///{tmp_path / 'dead.db'}", keyring)
    store.upgrade()
    attach_routes(store, config)
    plugin = ObserverPlugin(probe=lambda _: (statuses(store), len(store.dead_letters(system="greenhouse"))))
    seed_people(store, 1)
    [app_id] = put(store, application(0, "rejected"))
    DeliveryRunner(store, config, events=Events(manager(plugin))).run()
    failed = [(event, seen) for event, seen in plugin.seen if event.name == "delivery_failed"]
    ((event, seen),) = failed
    assert seen == (["dead"], 1)
    assert (event.data["code"], event.data["status"], event.data["retry"], event.data["attempts"]) == (
        "connector-permanent", "422", False, 1)
    assert (event.data["target"], event.data["entity_id"]) == ("greenhouse", app_id)
    assert "Rejection reason 9999 does not exist" in event.data["body"]
    store.close()
