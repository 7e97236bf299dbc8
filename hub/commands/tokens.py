"""``hub tokens``: the HTTP service's API tokens — created (shown once), listed, revoked.

The store keeps only a token's hash (:mod:`hub.core.store.tokens`), so ``create`` is the one moment
the token exists in plaintext; ``list`` never shows it or its hash.

A personal link (role ``personal``) is for a candidate or employee to read their own assessments and
feedback. The hub serves no pages, so the link points at the page the HR team runs for them
(``--link-base``) and carries the token in the URL *fragment*: ``<link-base>#<token>``. Browsers
never send a fragment to any server, so the token stays out of access logs, proxies and ``Referer``
headers (a query string would land in all three); the page reads ``location.hash`` and calls the API
with ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.table import Table

from hub.commands.options import actor_option, config_option, json_option
from hub.commands.tables import print_table
from hub.core.access import Role
from hub.core.config import load_config
from hub.core.errors import ConfigError
from hub.core.store import Store, TokenInfo

__all__ = ["command", "expiry"]

_DEFAULT_EXPIRY = {Role.PERSONAL: "7d"}
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def expiry(text: str, now: dt.datetime) -> dt.datetime:
    """When a token given ``--expires text`` at ``now`` expires: a duration (``30d``, ``12h``, ``90m``,
    ``2w``) from now, or an ISO date or date-time (a date alone: its midnight, UTC).

    Example:
        >>> now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        >>> expiry("12h", now).isoformat(), expiry("2026-03-01", now).isoformat()
        ('2026-01-01T12:00:00+00:00', '2026-03-01T00:00:00+00:00')
        >>> expiry("soon", now)
        Traceback (most recent call last):
        ...
        hub.core.errors.ConfigError: [config-error] --expires 'soon': give a duration (30d, 12h, 90m, 2w) or an ISO date
    """
    if match := re.fullmatch(r"(\d{1,6})([mhdw])", text.strip()):
        return now + dt.timedelta(**{_UNITS[match[2]]: int(match[1])})
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"--expires {text!r}: give a duration (30d, 12h, 90m, 2w) or an ISO date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@click.group("tokens")
def command() -> None:
    """API tokens of the HTTP service (`hub serve`): each carries a role and a scope (docs/access.md)."""


@command.command("create")
@click.option("--name", required=True, help="A label for the token; the audit log names reads 'token:<name>'.")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]),
              help="hr_admin: everything; department_head: its departments' applications, assessments, feedback, "
                   "offers; interviewer: the candidates they interviewed; system: the kinds granted; "
                   "personal: one person's own assessments and feedback.")
@click.option("--department", "departments", multiple=True, help="A department head's department (repeatable).")
@click.option("--interviewer", help="An interviewer's name, as assessments carry it.")
@click.option("--kind", "kinds", multiple=True, help="A kind a system token may read (repeatable), e.g. offer.")
@click.option("--subject", help="A personal link's person: the hub id of the candidate or employee.")
@click.option("--pii-read", is_flag=True, help="Show PII in plaintext (every such read is audited); masked otherwise.")
@click.option("--expires", help="A duration (30d, 12h, 90m, 2w) or an ISO date.  [default: 90d; personal links 7d]")
@click.option("--link-base", help="For a personal link: the URL of the page that reads the token from the link's "
                                  "fragment, e.g. https://careers.example.com/my-results")
@actor_option
@config_option
def create(name: str, role: str, departments: tuple[str, ...], interviewer: str | None, kinds: tuple[str, ...],
           subject: str | None, pii_read: bool, expires: str | None, link_base: str | None, actor: str,
           config_path: Path | None) -> None:
    """Create a token and print it once: only its hash is stored, it cannot be shown again."""
    if link_base and role != Role.PERSONAL:
        raise ConfigError("--link-base is for a personal link (--role personal)")
    with _tokens_store(config_path) as store:
        expires_at = expiry(expires or _DEFAULT_EXPIRY.get(Role(role), "90d"), store.now())
        token, info = store.api_tokens.create(
            name, role, expires_at=expires_at, created_by=actor, departments=departments, interviewer=interviewer,
            kinds=kinds, subject=subject, pii_read=pii_read)
    click.echo(f"created token {info.name!r} ({info.role}, {_scope_summary(info)}), expires {info.expires_at:%Y-%m-%d %H:%M} UTC")
    click.echo("This token is shown once and not stored; keep it now (revoke and create another if it is lost):",
               err=True)
    click.echo(token)
    if info.role == Role.PERSONAL:
        if link_base:
            click.echo(f"personal link: {link_base}#{token}")
        else:
            click.echo("no --link-base given: the person's page must send this token as 'Authorization: Bearer'",
                       err=True)


@command.command("list")
@json_option
@config_option
def list_(as_json: bool, config_path: Path | None) -> None:
    """Every token, live or not: name, role, scope, dates; never the token or its hash."""
    with _tokens_store(config_path) as store:
        tokens, now = store.api_tokens.list(), store.now()
    if as_json:
        click.echo(json.dumps([{**dataclasses.asdict(info), "expired": info.expired(now), "revoked": info.revoked}
                               for info in tokens], default=str, ensure_ascii=False, indent=2))
        return
    table = Table("id", "name", "role", "scope", "created", "by", "expires", "state", "last used")
    for info in tokens:
        state = "revoked" if info.revoked else "expired" if info.expired(now) else "live"
        table.add_row(info.id, info.name, info.role, _scope_summary(info), _when(info.created_at), info.created_by,
                      _when(info.expires_at), state, _when(info.last_used_at))
    print_table(table)


@command.command("revoke")
@click.argument("name_or_id")
@config_option
def revoke(name_or_id: str, config_path: Path | None) -> None:
    """Revoke the live token with this name or id: from now on it is refused (401)."""
    with _tokens_store(config_path) as store:
        info = store.api_tokens.revoke(name_or_id)
    click.echo(f"revoked token {info.name!r} ({info.id})")


@contextmanager
def _tokens_store(config_path: Path | None) -> Iterator[Store]:
    """The configured store, migrated (the tokens table may be new), closed afterwards."""
    store = Store.from_config(load_config(config_path))
    try:
        store.upgrade()
        yield store
    finally:
        store.close()


def _scope_summary(info: TokenInfo) -> str:
    """The scope in a few words, e.g. ``departments 销售部, pii:read``."""
    scope = info.scope
    parts = [f"{label} {', '.join(scope[key]) if isinstance(scope[key], list) else scope[key]}"
             for key, label in (("departments", "departments"), ("interviewer", "interviewer"), ("kinds", "kinds"),
                                ("subject", "subject")) if key in scope]
    parts += scope.get("permissions", [])
    return "; ".join(parts) or "everything"


def _when(moment: dt.datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "-"
