"""``hub plugins``: what is installed and what each plugin can do."""

from __future__ import annotations

import json

import click
from rich.table import Table

from hub.commands.tables import stdout_console
from hub.core.plugins import Registry, load_registry

__all__ = ["command", "registry_as_dict"]


@click.group("plugins")
def command() -> None:
    """Inspect installed plugins (built-in and third-party, all found through entry points)."""


def registry_as_dict(registry: Registry) -> dict:
    """The registry as plain JSON-safe data: plugins with their connectors, transforms and failures."""
    plugins = []
    for info in registry.plugins:
        connectors = [
            {
                "name": cls.name,
                "category": str(cls.category),
                "title": cls.title,
                "capabilities": cls.capabilities(),
                "streams": cls.stream_entities(),
                "documentation": cls.documentation,
            }
            for name, cls in registry.connectors.items()
            if registry.connector_owner[name] == info.name
        ]
        plugins.append(
            {
                "name": info.name,
                "module": info.module,
                "distribution": info.distribution,
                "version": info.version,
                "essential": info.essential,
                "connectors": connectors,
            }
        )
    return {
        "plugins": plugins,
        "transforms": sorted(registry.transforms),
        "key_providers": sorted(registry.key_providers),
        "failures": [{"plugin": f.plugin, "reason": f.reason} for f in registry.failures],
    }


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON instead of a table.")
def list_plugins(as_json: bool) -> None:
    """List every plugin: name, category, version, what it can do and the streams it reads.

    A stream shows as ``name→kind``: the vendor list it pages through and the canonical record it
    becomes (``hub sync --stream name``); ``--json`` adds the documents each connector follows.

    A plugin that fails to load is listed under "failed" with the reason; the others still work.
    The exit code is 0 even then, so one broken third-party plugin does not break scripts.
    """
    data = registry_as_dict(load_registry())
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    console = stdout_console()
    table = Table(title="hub plugins")
    for column in ("plugin", "connector", "category", "version", "can do", "streams"):
        table.add_column(column)
    for plugin in data["plugins"]:
        rows = plugin["connectors"] or [{"name": "-", "category": "core" if plugin["essential"] else "-",
                                         "capabilities": [], "streams": {}}]
        for connector in rows:
            can_do = ", ".join(connector["capabilities"]) or ("transforms" if plugin["essential"] else "")
            streams = ", ".join(f"{name}→{kind}" for name, kind in connector["streams"].items())
            table.add_row(plugin["name"], connector["name"], connector["category"], plugin["version"] or "?", can_do,
                          streams)
    console.print(table)
    for failure in data["failures"]:
        console.print(f"[red]failed[/red] {failure['plugin']}: {failure['reason']}")
