"""What every request of the HTTP service reaches: hub.yaml, the store, the installed connectors.

One :class:`Service` per server process, opened once (``hub serve``), so requests share the store's
connection pool and the plugin registry instead of rebuilding them.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from hub.core.config import HubConfig
from hub.core.plugins import Registry, get_plugin_manager, load_registry
from hub.core.runtime import open_store
from hub.core.store import Store

__all__ = ["Service", "service_of"]


@dataclass
class Service:
    """The configuration, the store (routes attached: a webhook's records queue their deliveries) and
    the registry of installed connectors."""

    config: HubConfig
    store: Store
    registry: Registry

    @classmethod
    def open(cls, config: HubConfig) -> Service:
        """Open the configured store (migrating it, as every command that writes does) and the plugins."""
        return cls(config, open_store(config), load_registry(get_plugin_manager()))

    def close(self) -> None:
        self.store.close()


def service_of(request: Request) -> Service:
    """The service of the application handling ``request`` (a FastAPI dependency)."""
    return request.app.state.service
