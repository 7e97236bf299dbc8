"""The plugin manager: built-in and third-party plugins, both found through entry points.

The host recipe is short: make a PluginManager for project "hub", add the hook specs, register the
essential plugins (the core transform library; a failure there is fatal), then load every entry point
of the ``hub.plugins`` group — built-in connectors are registered there exactly like third-party ones.
A broken entry-point plugin (import error, bad return value) becomes a :class:`PluginFailure` naming
it, and the others still load. ``HUB_TRACE_PLUGINS=1`` prints every hook call to stderr.

The manager is built by :func:`get_plugin_manager`, never at import time.

Example:
    >>> registry = load_registry()
    >>> "files" in registry.connectors
    True
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import pluggy

from hub.core import hookspecs
from hub.core.connector import Category, Connector
from hub.core.errors import PluginError

__all__ = [
    "ENTRY_POINT_GROUP",
    "PluginFailure",
    "PluginInfo",
    "Registry",
    "get_plugin_manager",
    "load_registry",
]


ENTRY_POINT_GROUP = "hub.plugins"

#: Modules registered before entry points; a failure in one of them stops the hub.
ESSENTIAL_PLUGINS = ("hub.core.transforms", "hub.core.crypto")


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that could not be used, and why."""

    plugin: str
    reason: str


@dataclass(frozen=True)
class PluginInfo:
    """One loaded plugin: its name, the distribution it came from and its version."""

    name: str
    module: str
    distribution: str | None
    version: str | None
    essential: bool


def get_plugin_manager(*, load_entry_points: bool = True) -> pluggy.PluginManager:
    """Build a plugin manager with the hub's hooks, its essential plugins and (optionally) entry points.

    Entry-point load failures are kept on ``pm.hub_failures`` (a list of :class:`PluginFailure`).
    """
    pm = pluggy.PluginManager("hub")
    pm.add_hookspecs(hookspecs)
    pm.hub_failures = []  # type: ignore[attr-defined]
    pm.hub_infos = []  # type: ignore[attr-defined]
    for module_name in ESSENTIAL_PLUGINS:
        module = __import__(module_name, fromlist=["_"])
        pm.register(module, name=module_name)
        pm.hub_infos.append(PluginInfo(module_name, module_name, "hub", _own_version(), True))  # type: ignore[attr-defined]
    if load_entry_points:
        _load_entry_points(pm)
    if os.environ.get("HUB_TRACE_PLUGINS") == "1":
        pm.trace.root.setwriter(sys.stderr.write)
        pm.enable_tracing()
    return pm


def _own_version() -> str:
    from hub import __version__

    return __version__


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
            continue
        try:
            plugin = ep.load()
            pm.register(plugin, name=ep.name)
        except Exception as exc:  # noqa: BLE001 — any failure of a third-party import is reported, not fatal
            pm.hub_failures.append(PluginFailure(ep.name, f"could not load {ep.value}: {exc!r}"))  # type: ignore[attr-defined]
            continue
        dist = ep.dist
        pm.hub_infos.append(  # type: ignore[attr-defined]
            PluginInfo(ep.name, ep.value, dist.name if dist else None, dist.version if dist else None, False)
        )


@dataclass
class Registry:
    """Everything the loaded plugins contribute, validated, keyed by name."""

    plugins: list[PluginInfo] = field(default_factory=list)
    connectors: dict[str, type[Connector]] = field(default_factory=dict)
    transforms: dict[str, Callable[..., Any]] = field(default_factory=dict)
    key_providers: dict[str, Callable[..., Any]] = field(default_factory=dict)
    validators: list[Callable[..., Any]] = field(default_factory=list)
    connector_owner: dict[str, str] = field(default_factory=dict)
    failures: list[PluginFailure] = field(default_factory=list)


def load_registry(pm: pluggy.PluginManager | None = None) -> Registry:
    """Call every registration hook plugin by plugin and validate what each returns.

    A plugin whose hook raises or returns the wrong shape is recorded in ``failures`` and skipped;
    if that plugin is essential a :class:`PluginError` is raised instead.
    """
    pm = pm or get_plugin_manager()
    registry = Registry(plugins=list(pm.hub_infos), failures=list(pm.hub_failures))
    for hook_name, collect in (
        ("hub_register_connectors", _collect_connectors),
        ("hub_register_transforms", _collect_named("transforms")),
        ("hub_register_key_providers", _collect_named("key_providers")),
        ("hub_register_validators", _collect_validators),
    ):
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            try:
                collect(registry, impl.plugin_name, impl.function())
            except Exception as exc:  # noqa: BLE001 — plugin code is foreign; report and go on
                reason = f"{hook_name}: {exc}"
                if impl.plugin_name in ESSENTIAL_PLUGINS:
                    raise PluginError(reason, system=impl.plugin_name) from exc
                registry.failures.append(PluginFailure(impl.plugin_name, reason))
    return registry


def _collect_connectors(registry: Registry, plugin: str, result: Any) -> None:
    items = _expect(result, list, "a list of Connector subclasses")
    for item in items:
        if not (isinstance(item, type) and issubclass(item, Connector)):
            raise TypeError(f"returned {item!r}, which is not a Connector subclass")
        if not getattr(item, "name", None) or getattr(item, "category", None) not in set(Category):
            raise TypeError(f"{item.__name__} needs a name and a category from {', '.join(Category)}")
    for item in items:
        if item.name in registry.connectors:
            raise TypeError(f"connector {item.name!r} is already provided by {registry.connector_owner[item.name]}")
        registry.connectors[item.name] = item
        registry.connector_owner[item.name] = plugin


def _collect_named(attribute: str) -> Callable[[Registry, str, Any], None]:
    def collect(registry: Registry, plugin: str, result: Any) -> None:
        items = _expect(result, dict, "a dict of name -> callable")
        target: dict[str, Any] = getattr(registry, attribute)
        for name, function in items.items():
            if not callable(function):
                raise TypeError(f"{attribute} entry {name!r} is not callable")
            if name in target:
                raise TypeError(f"{attribute} name {name!r} is already registered")
        target.update(items)

    return collect


def _collect_validators(registry: Registry, plugin: str, result: Any) -> None:
    items = _expect(result, list, "a list of callables")
    if not all(callable(item) for item in items):
        raise TypeError("every validator must be callable")
    registry.validators.extend(items)


def _expect(result: Any, kind: type, what: str) -> Iterable[Any]:
    if not isinstance(result, kind):
        raise TypeError(f"must return {what}, got {type(result).__name__}")
    return result
