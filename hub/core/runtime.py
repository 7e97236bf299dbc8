"""Opening the configured hub: the one place that turns hub.yaml into a ready store.

Every command that writes canonical entities (sync, migrate, dead-letter replay, webhooks) opens the
store here so that hub.yaml's routes are attached to it: each change it stores queues its deliveries in
the same transaction. Opening it elsewhere would silently skip deliveries.
"""

from __future__ import annotations

from hub.core.config import HubConfig
from hub.core.delivery.runner import attach_routes
from hub.core.store import Store

__all__ = ["open_store"]


def open_store(config: HubConfig, *, upgrade: bool = True) -> Store:
    """The store hub.yaml (or ``HUB_DATABASE_URL``) points at, with the routes' outbox listener attached.

    Args:
        config: the loaded hub.yaml.
        upgrade: apply pending schema migrations first (a dry run passes False: it must not write).
    """
    store = Store.from_config(config)
    if upgrade:
        store.upgrade()
    if config.routes:
        attach_routes(store, config)
    return store
