"""What every request of the HTTP service reaches: hub.yaml, the store, the installed connectors.

One :class:`Service` per server process, opened once (``hub serve``), so requests share the store's
connection pool and the plugin registry instead of rebuilding them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pluggy
from fastapi import Request

from hub.core.config import HubConfig
from hub.core.plugins import Registry, get_plugin_manager, load_registry
from hub.core.runtime import open_store
from hub.core.store import Store

__all__ = ["Service", "service_of"]


@dataclass
class Service:
    """The configuration, the store (routes attached: a webhook's records queue their deliveries), the
    plugin manager (its ``hub_event`` observers hear of dead-lettered webhook records) and the registry
    of installed connectors it gives."""

    config: HubConfig
    store: Store
    pm: pluggy.PluginManager
    registry: Registry

    @classmethod
    def open(cls, config: HubConfig) -> Service:
        """Open the configured store (migrating it, as every command that writes does) and the plugins, once."""
        pm = get_plugin_manager()
        return cls(config, open_store(config), pm, load_registry(pm))

    def close(self) -> None:
        self.store.close()


def service_of(request: Request) -> Service:
    """The service of the application handling ``request`` (a FastAPI dependency)."""
    return request.app.state.service
