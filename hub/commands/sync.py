"""``hub sync``: pull records from the configured connectors into the store, with live progress."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.commands.options import config_option
from hub.core.config import load_config
from hub.core.delivery import DeliveryRunner, targets_from_config
from hub.core.errors import ConfigError
from hub.core.events import Events, HubEvent
from hub.core.plugins import get_plugin_manager, load_registry
from hub.core.runtime import build_connector, open_store, pull_connector_keys
from hub.core.sync import SyncReport, sync

__all__ = ["command", "ProgressDisplay"]


class ProgressDisplay:
    """A ``hub_event`` listener drawing one rich progress line per stream on stderr.

    Example:
        >>> with ProgressDisplay(Console(stderr=True, quiet=True)) as display:
        ...     display(HubEvent("page_committed", data={"stream": "jobs", "records": 100, "created": 100}))
    """

    COUNTS = ("pages", "records", "created", "updated", "unchanged", "failed", "deleted")

    def __init__(self, console: Console) -> None:
        self._progress = Progress(TextColumn("{task.description}"), TextColumn("{task.fields[counts]}"),
                                  TimeElapsedColumn(), console=console, transient=False)
        self._tasks: dict[str, tuple[TaskID, dict[str, int], float]] = {}

    def __enter__(self) -> ProgressDisplay:
        self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._progress.stop()

    def __call__(self, event: HubEvent) -> None:
        if event.name != "page_committed":
            return
        stream = f"{event.data.get('connector', '')}/{event.data['stream']}"
        if stream not in self._tasks:
            task = self._progress.add_task(stream, total=None, counts="")
            self._tasks[stream] = (task, dict.fromkeys(self.COUNTS, 0), time.monotonic())
        task, totals, started = self._tasks[stream]
        for name in self.COUNTS:
            totals[name] += int(event.data.get(name, 0))
        rate = totals["records"] / max(time.monotonic() - started, 1e-6)
        counts = " ".join(f"{name} {totals[name]}" for name in self.COUNTS) + f"  {rate:,.0f} rec/s"
        self._progress.update(task, counts=counts)


def _summary(reports: list[SyncReport]) -> Table:
    table = Table("connector", "stream", "status", *ProgressDisplay.COUNTS, "error", title="sync summary")
    for report in reports:
        for stream in report.streams:
            counts = stream.counters.as_dict()
            error = f"{stream.error['code']}: {stream.error['reason']}" if stream.error else ""
            table.add_row(report.connector, stream.stream, stream.status, *(str(counts[n]) for n in ProgressDisplay.COUNTS),
                          error)
    return table


@click.command("sync")
@click.option("--connector", "-c", "connector_key", metavar="NAME", help="Only this connector (its name in hub.yaml).")
@click.option("--stream", "-s", "streams", multiple=True, metavar="STREAM", help="Only this stream (repeatable).")
@click.option("--full-refresh", is_flag=True, help="List everything again; mark records the vendor no longer lists as deleted.")
@click.option("--since", metavar="VALUE", help="Start from this incremental value (e.g. 2024-06-01T00:00:00Z) instead of the saved cursor.")
@config_option
@click.option("--no-deliver", is_flag=True, help="Only pull; leave queued deliveries for a later `hub deliver`.")
def command(connector_key: str | None, streams: tuple[str, ...], full_refresh: bool, since: str | None,
            config_path: Path | None, no_deliver: bool) -> None:
    """Pull records from the configured connectors into the store, then deliver what the routes queued.

    Each page is mapped, validated and stored together with the stream's cursor in one transaction,
    so an interrupted sync resumes where it stopped. Bad records go to dead letters (`hub dead-letters
    list`) and the run goes on. Changes matching hub.yaml's routes are delivered right after the pull
    (as `hub deliver` would) unless --no-deliver is given. Exits 1 if a stream could not finish or a
    delivery went to dead letters (the error is in the summary).
    """
    config = load_config(config_path)
    if streams and not connector_key:
        raise ConfigError("--stream needs --connector")
    pm = get_plugin_manager()
    registry = load_registry(pm)
    keys = [connector_key] if connector_key else pull_connector_keys(config, registry)
    if not keys:
        raise ConfigError("no pull connectors are configured in hub.yaml")
    connectors = {key: build_connector(config, registry, key) for key in keys}
    store = open_store(config)
    console = Console(stderr=True)
    reports: list[SyncReport] = []
    options: dict[str, Any] = {"full_refresh": full_refresh, "since": since, "validators": registry.validators, "pm": pm}
    delivered = None
    try:
        with ProgressDisplay(console) as display:
            for key, connector in connectors.items():
                reports.append(sync(connector, store, key=key, streams=list(streams) or None, listeners=[display], **options))
        if config.routes and not no_deliver:
            runner = DeliveryRunner(store, config, targets=targets_from_config(config, registry=registry), events=Events(pm))
            try:
                delivered = runner.run()
            finally:
                runner.close()
    finally:
        store.close()
    Console().print(_summary(reports))
    dead = False
    if delivered is not None:
        Console().print(f"deliveries: {json.dumps(delivered.counters, ensure_ascii=False)}")
        dead = any(counts.get("dead") for counts in delivered.counters.values())
    if dead or any(report.status != "succeeded" for report in reports):
        sys.exit(1)
