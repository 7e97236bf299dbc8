"""``hub webhooks``: the consumers subscribed to the hub's changes (Standard Webhooks), and their failures.

A subscription is a ``type: webhook`` connector of hub.yaml plus the routes that target it; its
deliveries are ordinary outbox entries, so this group reads and steers them through the store's
:class:`~hub.core.store.Outbox`, and `hub deliver` sends them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from rich.table import Table

from hub.commands.options import config_option, json_option
from hub.commands.tables import print_table
from hub.core.config import HubConfig, load_config
from hub.core.delivery.outbox import DELIVERY_STREAM_PREFIX
from hub.core.errors import ConfigError
from hub.core.store import DEAD, DELIVERED, PENDING, Outbox, OutboxEntry, Store
from hub.core.webhooks import new_secret

__all__ = ["command"]

#: The connector type of a subscription (plugins/outbound/webhook.py).
WEBHOOK = "webhook"
#: Entries read per subscription by `failures` and `replay --all`.
_LIMIT = 10_000


def _subscriptions(config: HubConfig) -> dict[str, dict[str, Any]]:
    """hub.yaml's webhook connectors: name → what `list` shows of it (never its secrets or URL path)."""
    found = {}
    for name, connector in config.connectors.items():
        if connector.type != WEBHOOK:
            continue
        routes = [{"route": route.name, "kind": route.entity, "events": list(route.events)}
                  for route in config.routes if route.target == name]
        found[name] = {"subscription": name, "host": urlsplit(str(connector.settings.get("url", ""))).hostname or "",
                       "routes": routes, "pii": connector.settings.get("pii") is True}
    return found


def _chosen(config: HubConfig, name: str | None) -> dict[str, dict[str, Any]]:
    found = _subscriptions(config)
    if name is not None and name not in found:
        raise ConfigError(f"{name!r} is not a webhook subscription in hub.yaml (those are: {', '.join(found) or 'none'})")
    return {key: value for key, value in found.items() if name in (None, key)}


def _open(config: HubConfig) -> tuple[Store, Outbox]:
    store = Store.from_config(config)
    return store, Outbox(store)


@click.group("webhooks")
def command() -> None:
    """Consumers subscribed to the hub's changes as Standard Webhooks (hub.yaml connectors of `type: webhook`
    and the routes that target them): list them, see their failed deliveries, replay them, make a secret.

    `hub deliver` sends the messages; see docs/webhooks.md.
    """


@command.command("list")
@json_option
@config_option
def list_(as_json: bool, config_path: Path | None) -> None:
    """Each subscription: its connector name, the URL's host, the entity kinds and events of each route
    to it, whether it receives PII (else masked), and its deliveries pending, delivered and dead."""
    config = load_config(config_path)
    found = _subscriptions(config)
    for row in found.values():
        row.update(dict.fromkeys((PENDING, DELIVERED, DEAD), 0))
    if found and Store.exists(config.database.url):
        store, outbox = _open(config)
        try:
            for name, row in found.items():
                counts = outbox.counts(name)
                row.update({status: counts.get(status, 0) for status in (PENDING, DELIVERED, DEAD)})
        finally:
            store.close()
    if as_json:
        click.echo(json.dumps(list(found.values()), ensure_ascii=False))
        return
    if not found:
        click.echo("no webhook subscriptions in hub.yaml (a connector of `type: webhook`; see docs/webhooks.md)")
        return
    table = Table("subscription", "host", "kinds: events (route)", "pii", PENDING, DELIVERED, DEAD,
                  title=f"{len(found)} webhook subscriptions")
    for row in found.values():
        routes = "\n".join(f"{r['kind']}: {', '.join(r['events'])} ({r['route']})" for r in row["routes"]) or "(no routes)"
        table.add_row(row["subscription"], row["host"], routes, "yes" if row["pii"] else "masked",
                      *(str(row[status]) for status in (PENDING, DELIVERED, DEAD)))
    print_table(table)


def _failures(outbox: Outbox, names: Iterable[str]) -> list[OutboxEntry]:
    """Dead entries and pending ones that failed at least once (backing off), oldest first."""
    entries = [entry for name in names for status in (DEAD, PENDING)
               for entry in outbox.list(status=status, target=name, limit=_LIMIT) if entry.status == DEAD or entry.attempts]
    return sorted(entries, key=lambda entry: entry.id)


def _fields(entry: OutboxEntry) -> dict[str, Any]:
    """An entry as `failures --json` prints it (its last error is stored masked)."""
    error = entry.last_error or {}
    return {"id": entry.id, "subscription": entry.target, "route": entry.route, "entity_id": entry.entity_id,
            "version": entry.version, "status": entry.status, "attempts": entry.attempts,
            "next_attempt_at": entry.next_attempt_at.isoformat() if entry.next_attempt_at else None,
            "error": f"{error.get('code', '')}: {error.get('reason', '')}" if error else None}


@command.command("failures")
@click.argument("subscription", required=False)
@json_option
@config_option
def failures(subscription: str | None, as_json: bool, config_path: Path | None) -> None:
    """Deliveries of webhook subscriptions (all, or SUBSCRIPTION) that failed: dead ones (replay them with
    `hub webhooks replay`) and ones backing off before their next attempt, each with its last error."""
    config = load_config(config_path)
    names = _chosen(config, subscription)
    store, outbox = _open(config)
    try:
        entries = _failures(outbox, names)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps([_fields(entry) for entry in entries], ensure_ascii=False))
        return
    if not entries:
        click.echo("no failed webhook deliveries" + (f" for {subscription}" if subscription else ""))
        return
    table = Table("id", "subscription", "route", "entity", "status", "attempts", "next attempt", "last error",
                  title=f"{len(entries)} failed webhook deliveries")
    for row in map(_fields, entries):
        table.add_row(str(row["id"]), row["subscription"], row["route"], f"{row['entity_id']} v{row['version']}",
                      row["status"], str(row["attempts"]), row["next_attempt_at"] or "", row["error"] or "")
    print_table(table)


@command.command("replay")
@click.argument("entry_id", type=int, required=False)
@click.option("--all", "subscription", metavar="SUBSCRIPTION", help="Every dead delivery of this subscription.")
@click.option("--dry-run", is_flag=True, help="List what would be queued again; change nothing.")
@json_option
@config_option
def replay(entry_id: int | None, subscription: str | None, dry_run: bool, as_json: bool, config_path: Path | None) -> None:
    """Queue dead webhook deliveries again, due now, attempts reset: the one ENTRY_ID (an id from
    `hub webhooks failures`), or --all of a SUBSCRIPTION. Their dead letters are resolved; the next
    `hub deliver` sends them with the same webhook-id as before, so a consumer that had seen one
    takes it once."""
    if (entry_id is None) == (subscription is None):
        raise click.UsageError("give one ENTRY_ID or --all SUBSCRIPTION")
    config = load_config(config_path)
    names = _chosen(config, subscription)
    store, outbox = _open(config)
    try:
        entries = [outbox.get(entry_id)] if entry_id is not None else _failures(outbox, names)
        entries = [entry for entry in entries if _replayable(entry, names, asked=entry_id is not None)]
        if not dry_run:
            _requeue(store, outbox, entries)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps({"dry_run": dry_run, "replayed": [_fields(entry) for entry in entries]}, ensure_ascii=False))
        return
    verb = "would queue" if dry_run else "queued"
    click.echo(f"{verb} {len(entries)} dead webhook deliver{'y' if len(entries) == 1 else 'ies'} again"
               + ("" if dry_run or not entries else "; `hub deliver` sends them"))
    for entry in entries:
        click.echo(f"  {entry.id}  {entry.target}  {entry.route}  {entry.entity_id} v{entry.version}")


def _replayable(entry: OutboxEntry, names: dict[str, Any], *, asked: bool) -> bool:
    """Dead entries of webhook subscriptions; one ``asked`` for by id that is not is an error, not skipped."""
    if entry.target not in names:
        raise ConfigError(f"outbox entry {entry.id} goes to {entry.target!r}, not a webhook subscription; use `hub outbox retry`")
    if asked and entry.status != DEAD:
        raise ConfigError(f"outbox entry {entry.id} is {entry.status}; only dead deliveries are replayed")
    return entry.status == DEAD


def _requeue(store: Store, outbox: Outbox, entries: list[OutboxEntry]) -> None:
    """Each entry back in the queue, and its open dead letter resolved (as `hub dead-letters retry` does)."""
    refs = {f"{DELIVERY_STREAM_PREFIX}{entry.id}" for entry in entries}
    letters = [letter.id for letter in store.dead_letters(status="open", limit=_LIMIT)
               if letter.stream and letter.stream.startswith(DELIVERY_STREAM_PREFIX) and letter.record_ref in refs]
    for entry in entries:
        outbox.retry(entry.id)
    with store.transaction() as tx:
        for letter_id in letters:
            store.settle_dead_letter(tx, letter_id, error=None)


@command.command("secret")
def secret() -> None:
    """Print a new secret (whsec_ and 32 random bytes, base64) for a subscription's `secrets`.

    To rotate: put the new secret first in `secrets`, keep the old one after it (each message is
    signed with both), give the new one to the consumer, then remove the old one."""
    click.echo(new_secret())
