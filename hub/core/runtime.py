"""Opening the configured hub: the one place that turns hub.yaml into a ready store and connectors.

Every command that writes canonical entities (sync, migrate, dead-letter replay, webhooks) opens the
store here so that hub.yaml's routes are attached to it: each change it stores queues its deliveries in
the same transaction. Opening it elsewhere would silently skip deliveries.
"""

from __future__ import annotations

from hub.core.config import HubConfig
from hub.core.connector import RestConnector
from hub.core.delivery.runner import attach_routes
from hub.core.errors import ConfigError, KeyNotFoundError
from hub.core.keys import keyring_from_config
from hub.core.plugins import Registry
from hub.core.store import Store

__all__ = ["open_store", "open_dry_run_store", "build_connector", "pull_connector_keys"]


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


def open_dry_run_store(config: HubConfig) -> Store:
    """The configured store for a dry run (:meth:`Store.for_dry_run`): nothing created, no key ring
    needed — the configured one is used and verified when there is one. No routes: nothing is queued."""
    try:
        keyring = keyring_from_config(config.keys.provider, config.keys.settings)
    except KeyNotFoundError:
        keyring = None
    return Store.for_dry_run(config.database.url, keyring)


def build_connector(config: HubConfig, registry: Registry, key: str) -> RestConnector:
    """The connector configured under ``connectors.<key>`` in hub.yaml, with its settings."""
    if key not in config.connectors:
        known = ", ".join(config.connectors) or "none"
        raise ConfigError(f"no connector {key!r} in hub.yaml; configured: {known}")
    entry = config.connectors[key]
    cls = registry.connectors.get(entry.type)
    if cls is None:
        raise ConfigError(f"connector {key!r} has type {entry.type!r}, which no installed plugin provides; "
                          f"installed: {', '.join(sorted(registry.connectors))}")
    if not issubclass(cls, RestConnector):
        raise ConfigError(f"connector {key!r} ({entry.type}) is not a pull connector: it only receives "
                          "deliveries, so nothing can be read from it")
    return cls(entry.settings, mapping_lookup=config.mapping_lookup)


def pull_connector_keys(config: HubConfig, registry: Registry) -> list[str]:
    """hub.yaml's connectors that pull (REST connectors), leaving out write-only targets such as import files."""
    return [key for key, entry in config.connectors.items()
            if issubclass(registry.connectors.get(entry.type, object), RestConnector)]
