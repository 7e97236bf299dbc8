"""A real hub plugin for the tests of the one record path: a record validator and a ``hub_event`` observer.

It is registered with a real plugin manager (:func:`manager`), never an entry point, so the
installed hub never lists it. The validator refuses any record named :data:`REJECTED` (a job's
title, a person's name) with :data:`REASON`; the observer keeps every event, and with each the
answer of ``probe(event)`` at that moment (e.g. what the store holds: events come after their commit).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

from hub import hookimpl
from hub.core.events import HubEvent
from hub.core.models import Entity
from hub.core.plugins import get_plugin_manager

__all__ = ["REASON", "REJECTED", "ObserverPlugin", "manager"]

REJECTED = "REJECT-ME"
REASON = f"{REJECTED!r} is on the do-not-hire list"


def _refuse(entity: Entity) -> list[str]:
    named = getattr(entity, "title", None) or getattr(entity, "name", None)
    return [REASON] if named == REJECTED else []


class ObserverPlugin:
    """The plugin object; :attr:`seen` holds ``(event, probe(event))`` in the order they came."""

    def __init__(self, probe: Callable[[HubEvent], Any] = lambda event: None) -> None:
        self.probe = probe
        self.seen: list[tuple[HubEvent, Any]] = []

    @hookimpl
    def hub_register_validators(self) -> list[Callable[[Entity], list[str]]]:
        return [_refuse]

    @hookimpl
    def hub_event(self, event: HubEvent) -> None:
        self.seen.append((event, self.probe(event)))

    def named(self, name: str) -> list[HubEvent]:
        return [event for event, _ in self.seen if event.name == name]

    def names(self) -> list[str]:
        return [event.name for event, _ in self.seen]


def manager(*plugins: Any) -> pluggy.PluginManager:
    """A plugin manager with the essential plugins and ``plugins`` (no entry points)."""
    pm = get_plugin_manager(load_entry_points=False)
    for n, plugin in enumerate(plugins):
        pm.register(plugin, name=f"test-observer-{n}")
    return pm
