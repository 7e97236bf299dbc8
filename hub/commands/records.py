"""``hub records``: find stored records by a person's phone, national ID or email, or by a system's id,
and show one — so an erasure request is served (``hub erase``) without opening the database.

Output names records by hub id, kind and external ids, with PII masked; ``show --show-pii`` prints
plaintext through the store's audited read (an ``audit_log`` entry: who, which record, which fields).
Exit codes: 0 found, 1 nothing found (or no such record), 2 a bad or missing option.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from hub.commands.options import actor_option, config_option, json_option
from hub.core.config import load_config
from hub.core.models import ENTITY_TYPES, Entity, masked
from hub.core.store import RecordIds, Store
from hub.core.transforms import identity

__all__ = ["command"]

#: Option → (blind-indexed field, the transform the mappings store that field with): a query is
#: normalized as the record was, so "+86 138 0013 8000" finds the "13800138000" an export held.
_BY_PII: dict[str, tuple[str, Callable[[str], str]]] = {
    "--phone": ("phones", identity.phone),
    "--national-id": ("national_id", identity.cn_resident_id),
    "--email": ("emails", identity.email),
}

#: The PII fields ``find`` shows (masked) to tell people apart.
_SUMMARY = ("name", "national_id", "phones", "emails")


@click.group("records")
def command() -> None:
    """Find stored records and show one, PII masked unless --show-pii (audited)."""


@command.command("find")
@click.option("--phone", metavar="NUMBER", help="A phone number; without + it is read as a Chinese number.")
@click.option("--national-id", metavar="ID", help="A Chinese resident ID (18 characters; spaces and dashes ignored).")
@click.option("--email", metavar="ADDRESS", help="An email address (case ignored).")
@click.option("--external-id", metavar="SYSTEM:ID", help="The id a connector's system has for the record.")
@click.option("--kind", type=click.Choice(sorted(ENTITY_TYPES)), help="Only records of this kind.")
@json_option
@config_option
def find(phone: str | None, national_id: str | None, email: str | None, external_id: str | None, kind: str | None,
         as_json: bool, config_path: Path | None) -> None:
    """Records matching exactly one of --phone, --national-id, --email, --external-id.

    Prints hub id, kind, external ids and the person's identity fields masked. Exits 1 when nothing
    matches.
    """
    given = {option: value for option, value in (("--phone", phone), ("--national-id", national_id),
                                                 ("--email", email), ("--external-id", external_id)) if value}
    if len(given) != 1:
        raise click.UsageError("give exactly one of --phone, --national-id, --email, --external-id")
    [(option, value)] = given.items()
    store = Store.from_config(load_config(config_path))
    try:
        if option == "--external-id":
            found = store.records_by_external_id(*_system_and_id(value), kind=kind)
        else:
            field, normalize = _BY_PII[option]
            found = store.records_by_pii(field, _normalized(option, value, normalize), kind=kind)
        entities = {entity.id: entity for ids in found for entity in store.get_many(ids.kind, [ids.id])}
    finally:
        store.close()
    rows = [_described(ids, {name: shown for name, shown in masked(entities[ids.id]).items() if name in _SUMMARY})
            for ids in found]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif rows:
        _print_table(rows, f"{len(rows)} records matching {option}")
    if not rows:
        click.echo(f"no records match {option}", err=True)
        sys.exit(1)


@command.command("show")
@click.argument("entity_id")
@click.option("--show-pii", is_flag=True, help="Print PII in plaintext; the read is audited under --actor.")
@actor_option
@json_option
@config_option
def show(entity_id: str, show_pii: bool, actor: str, as_json: bool, config_path: Path | None) -> None:
    """One record by hub id: kind, external ids, state and every field, PII masked unless --show-pii.

    Exits 1 when there is no record with that id.
    """
    store = Store.from_config(load_config(config_path))
    try:
        ids = store.record_ids(entity_id)
        if ids is None:
            click.echo(f"error: no record with hub id {entity_id!r}", err=True)
            sys.exit(1)
        entity = store.read_pii(entity_id, actor) if show_pii else store.get(ids.kind, entity_id)
    finally:
        store.close()
    shown = _described(ids, _plain(entity) if show_pii else masked(entity))
    if as_json:
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
        return
    for name, value in {**{k: v for k, v in shown.items() if k != "fields"}, **shown["fields"]}.items():
        click.echo(f"{name}: {value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}")


def _normalized(option: str, value: str, normalize: Callable[[str], str]) -> str:
    """``value`` as the record path stores it; a usage error naming ``option`` if it is not valid
    (the transforms' messages mask the value)."""
    try:
        return normalize(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def _system_and_id(value: str) -> tuple[str, str]:
    system, _, external_id = value.partition(":")
    if not (system and external_id):
        raise click.BadParameter(f"expected SYSTEM:ID (e.g. greenhouse:4080), got {value!r}", param_hint="--external-id")
    return system, external_id


def _plain(entity: Entity) -> dict[str, Any]:
    return entity.model_dump(mode="json", exclude_none=True)


def _described(ids: RecordIds, fields: dict[str, Any]) -> dict[str, Any]:
    """One record as the command prints it: what names it first, then its (masked) fields."""
    rest = {name: value for name, value in fields.items() if name not in ("id", "external_ids")}
    return {"id": ids.id, "kind": ids.kind, "external_ids": ids.external_ids, "erased": ids.erased,
            "deleted": ids.deleted, "fields": rest}


def _print_table(rows: list[dict[str, Any]], title: str) -> None:
    table = Table("hub id", "kind", "external ids", "fields (masked)", title=title)
    for row in rows:
        state = " (erased)" if row["erased"] else " (deleted)" if row["deleted"] else ""
        table.add_row(row["id"], row["kind"] + state, " ".join(f"{s}:{i}" for s, i in row["external_ids"].items()),
                      " ".join(f"{name}={value}" for name, value in row["fields"].items()))
    Console(width=None if sys.stdout.isatty() else 10_000).print(table)  # piped: one line a record
