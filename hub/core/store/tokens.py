"""The HTTP service's API tokens: created (shown once), looked up by hash, listed, revoked.

Only the SHA-256 of a token is stored (:func:`hub.core.access.token_hash`), with the role and the
scope of its :class:`~hub.core.access.Grant` as JSON. An expired or revoked token authenticates as
nothing, exactly like an unknown one, so the answer does not tell which it was.

Example:
    >>> import datetime as dt
    >>> from hub.core.access import Role
    >>> db = Database.open("sqlite://"); db.upgrade(); tokens = ApiTokens(db)
    >>> token, info = tokens.create("ats-feed", Role.SYSTEM, kinds=["offer"], created_by="ops",
    ...                             expires_at=db.now() + dt.timedelta(days=30))
    >>> tokens.authenticate(token).readable_kinds, tokens.authenticate("hub_nope")
    (frozenset({'offer'}), None)
    >>> tokens.revoke("ats-feed").revoked, tokens.authenticate(token)
    (True, None)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub.core.access import PII_READ, Grant, Role, new_token, token_hash
from hub.core.errors import ConfigError
from hub.core.store import schema as t
from hub.core.store.database import Database

__all__ = ["ApiTokens", "TokenInfo"]


@dataclass(frozen=True)
class TokenInfo:
    """A token as ``hub tokens list`` shows it: never the token or its hash."""

    id: str
    name: str
    role: str
    scope: dict[str, Any]
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def expired(self, now: dt.datetime) -> bool:
        return t.as_utc(self.expires_at) <= now


class ApiTokens:
    """Rows of ``api_tokens``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create(
        self,
        name: str,
        role: Role | str,
        *,
        expires_at: dt.datetime,
        created_by: str,
        departments: Iterable[str] = (),
        interviewer: str | None = None,
        kinds: Iterable[str] = (),
        subject: str | None = None,
        pii_read: bool = False,
    ) -> tuple[str, TokenInfo]:
        """A new token for ``name``: returns the token (shown once, never stored) and what is stored.

        Raises:
            ConfigError: the role is unknown, its scope incomplete (see :class:`Grant`), the expiry is
                not in the future, or another live token has the same name.
        """
        try:
            role = Role(role)
        except ValueError:
            raise ConfigError(f"unknown role {role!r}; roles: {', '.join(r.value for r in Role)}") from None
        token_id = t.new_id()
        grant = Grant(token_id, name, role, frozenset(departments), interviewer, frozenset(kinds), subject, pii_read)
        now = self._db.now()
        if t.as_utc(expires_at) <= now:
            raise ConfigError("a token's expiry must be in the future")
        token = new_token()
        row = {"id": token_id, "name": name, "token_hash": token_hash(token), "role": role.value,
               "scope": json.dumps(_scope(grant)), "created_by": created_by, "created_at": now,
               "expires_at": expires_at, "revoked_at": None, "last_used_at": None}
        a = t.api_tokens
        with self._db.transaction() as tx:
            if tx.execute(sa.select(a.c.id).where(a.c.name == name, a.c.revoked_at.is_(None))).first():
                raise ConfigError(f"a live token named {name!r} exists; revoke it or choose another name")
            tx.execute(a.insert().values(**row))
        return token, self._info(row)

    def authenticate(self, token: str) -> Grant | None:
        """The grant of a live token (known, not revoked, not expired), else None."""
        a = t.api_tokens
        with self._db.reading() as conn:
            row = conn.execute(sa.select(a).where(a.c.token_hash == token_hash(token))).mappings().first()
        if row is None or row["revoked_at"] is not None or t.as_utc(row["expires_at"]) <= self._db.now():
            return None
        scope = json.loads(row["scope"])
        return Grant(row["id"], row["name"], Role(row["role"]), frozenset(scope.get("departments", ())),
                     scope.get("interviewer"), frozenset(scope.get("kinds", ())), scope.get("subject"),
                     PII_READ in scope.get("permissions", ()))

    def mark_used(self, token_id: str) -> None:
        """Record that the token was used now (``hub tokens list`` shows it; callers rate it, see hub.api.auth)."""
        a = t.api_tokens
        with self._db.transaction() as tx:
            tx.execute(a.update().where(a.c.id == token_id).values(last_used_at=self._db.now()))

    def list(self) -> list[TokenInfo]:
        a = t.api_tokens
        with self._db.reading() as conn:
            return [self._info(row) for row in conn.execute(sa.select(a).order_by(a.c.created_at)).mappings()]

    def revoke(self, name_or_id: str) -> TokenInfo:
        """Revoke the live token with this name or id (from then on it authenticates as nothing).

        Raises:
            ConfigError: no live token has that name or id.
        """
        a = t.api_tokens
        with self._db.transaction() as tx:
            row = tx.execute(sa.select(a).where(sa.or_(a.c.name == name_or_id, a.c.id == name_or_id),
                                                a.c.revoked_at.is_(None))).mappings().first()
            if row is None:
                raise ConfigError(f"no live token named or numbered {name_or_id!r} (see `hub tokens list`)")
            now = self._db.now()
            tx.execute(a.update().where(a.c.id == row["id"]).values(revoked_at=now))
        return self._info({**row, "revoked_at": now})

    @staticmethod
    def _info(row: Any) -> TokenInfo:
        return TokenInfo(row["id"], row["name"], row["role"], json.loads(row["scope"]), row["created_by"],
                         t.as_utc(row["created_at"]), t.as_utc(row["expires_at"]),
                         row["revoked_at"] and t.as_utc(row["revoked_at"]), row["last_used_at"] and t.as_utc(row["last_used_at"]))


def _scope(grant: Grant) -> dict[str, Any]:
    """The JSON the ``scope`` column keeps: only what the role uses."""
    scope: dict[str, Any] = {
        "departments": sorted(grant.departments), "interviewer": grant.interviewer, "kinds": sorted(grant.kinds),
        "subject": grant.subject, "permissions": [PII_READ] if grant.pii_read else [],
    }
    return {key: value for key, value in scope.items() if value}
