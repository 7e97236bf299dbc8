"""The outbox: one row per (route, entity version) to deliver, written with the change itself.

:class:`RouteEnqueuer` is the store's change listener (``store.add_change_listener``): inside the
transaction that stores a change it writes an entry for every route the change matches, so a change is
never stored without its deliveries nor delivered without being stored. Per route and entity at most
one entry is pending, the newest — an undelivered older entry is *superseded* (delivery always sends
the entity as stored now, so sending the old entry would be a stale overwrite):

* the new version matches the route → the old entry is superseded by a new one;
* it does not match, but the route's tests still hold on it (``changed_to`` read as ``equals``) → the
  old entry is superseded by a new one too: the change it announced is still true, only newer;
* otherwise the old entry is superseded without replacement: the change it announced was undone.

Loop prevention: a change whose origin is the route's target system is never queued for it.

Entry statuses: ``pending`` → ``delivered`` | ``superseded`` | ``dead`` (attempts used up or refused
by the target; a dead letter holds the reason) | ``cancelled`` (by an operator). ``hub outbox retry``
puts a dead or cancelled entry back to ``pending``.

Example:
    >>> OutboxEntry(id=1, route="r", target="t", entity_id="e", version=1, status="pending", attempts=0,
    ...             next_attempt_at=None, last_error=None, created_at=None).done
    False
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub.core.errors import ConfigError
from hub.core.routes import Route
from hub.core.store import schema as t

__all__ = [
    "Outbox", "OutboxEntry", "RouteEnqueuer", "PENDING", "DELIVERED", "SUPERSEDED", "DEAD", "CANCELLED",
    "DELIVERY_STREAM_PREFIX",
]

#: Dead letters of deliveries carry ``stream="outbox:<route>"`` and ``record_ref="outbox:<entry id>"``.
DELIVERY_STREAM_PREFIX = "outbox:"

PENDING, DELIVERED, SUPERSEDED, DEAD, CANCELLED = "pending", "delivered", "superseded", "dead", "cancelled"
_FINAL = (DELIVERED, SUPERSEDED, DEAD, CANCELLED)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class OutboxEntry:
    """One outbox row. ``last_error`` is the masked error dict of the last failed attempt."""

    id: int
    route: str
    target: str
    entity_id: str
    version: int
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: dict[str, Any] | None
    created_at: dt.datetime | None

    @property
    def done(self) -> bool:
        return self.status in _FINAL

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> OutboxEntry:
        fields = {k: row[k] for k in ("id", "route", "target", "entity_id", "version", "status", "attempts",
                                      "next_attempt_at", "created_at")}
        return cls(**fields, last_error=json.loads(row["last_error"]) if row["last_error"] else None)


class RouteEnqueuer:
    """The store change listener that writes outbox entries for matching routes.

    Args:
        routes: the routes of hub.yaml.
        target_systems: route target (hub.yaml connector name) → the system name its records carry in
            ``external_ids`` and change origins; defaults to the connector name itself.

    Example:
        >>> from hub.core.routes import Route
        >>> enqueuer = RouteEnqueuer([Route(name="r", entity="offer", target="payroll")])
        >>> [r.name for r in enqueuer.routes_for("offer", origin="ats")], enqueuer.routes_for("offer", origin="payroll")
        (['r'], [])
    """

    def __init__(self, routes: Sequence[Route], target_systems: Mapping[str, str] | None = None) -> None:
        self.routes = list(routes)
        self.systems = dict(target_systems or {})

    def system_of(self, target: str) -> str:
        return self.systems.get(target, target)

    def routes_for(self, kind: str, *, origin: str | None) -> list[Route]:
        """Routes of ``kind`` whose target is not where the change came from (loop prevention).

        An origin is a system name (``greenhouse``) or a run label ending in the connector name
        (``sync:greenhouse``); both name the target when they end in its connector or system name.
        """
        source = (origin or "").rsplit(":", 1)[-1]
        return [r for r in self.routes if r.entity == kind and source not in (r.target, self.system_of(r.target))]

    def __call__(self, tx: sa.Connection, changes: Iterable[Any]) -> None:
        """Queue the deliveries of ``changes`` (the store's change records) inside ``tx``."""
        o, now = t.outbox, _now()
        inserts: list[dict[str, Any]] = []
        for change in changes:
            routes = self.routes_for(change.kind, origin=change.origin)
            if not routes:
                continue
            pending = self._pending(tx, change.entity_id, [r.name for r in routes])
            for route in routes:
                older = pending.get(route.name, [])
                if older:
                    tx.execute(o.update().where(o.c.id.in_(older)).values(status=SUPERSEDED))
                if route.matches(change.data, change.previous) or (older and route.holds(change.data)):
                    inserts.append({"route": route.name, "target": route.target, "entity_id": change.entity_id,
                                    "version": change.version, "status": PENDING, "attempts": 0,
                                    "next_attempt_at": None, "created_at": now})
        if inserts:
            tx.execute(o.insert(), inserts)

    @staticmethod
    def _pending(tx: sa.Connection, entity_id: str, routes: list[str]) -> dict[str, list[int]]:
        o = t.outbox
        rows = tx.execute(sa.select(o.c.route, o.c.id).where(o.c.entity_id == entity_id, o.c.status == PENDING,
                                                             o.c.route.in_(routes)))
        found: dict[str, list[int]] = {}
        for route, entry_id in rows:
            found.setdefault(route, []).append(entry_id)
        return found


class Outbox:
    """Reads and updates outbox entries on one store's database.

    Example:
        >>> from hub.core.crypto import KeyRing
        >>> from hub.core.store import Store
        >>> store = Store.open("sqlite://", KeyRing.generate()); store.upgrade()
        >>> Outbox(store).list()
        []
    """

    def __init__(self, store: Any, clock: Callable[[], dt.datetime] = _now) -> None:
        self.store = store
        self.clock = clock

    def list(self, *, status: str | None = None, target: str | None = None, entity_id: str | None = None,
             limit: int = 100) -> list[OutboxEntry]:
        """Entries in id order, optionally filtered."""
        o = t.outbox
        query = sa.select(o).order_by(o.c.id).limit(limit)
        for column, value in ((o.c.status, status), (o.c.target, target), (o.c.entity_id, entity_id)):
            if value is not None:
                query = query.where(column == value)
        with self.store.reading() as conn:
            return [OutboxEntry.from_row(row) for row in conn.execute(query).mappings()]

    def get(self, entry_id: int) -> OutboxEntry:
        """One entry; :class:`ConfigError` if there is none with that id."""
        with self.store.reading() as conn:
            row = conn.execute(sa.select(t.outbox).where(t.outbox.c.id == entry_id)).mappings().one_or_none()
        if row is None:
            raise ConfigError(f"no outbox entry {entry_id}")
        return OutboxEntry.from_row(row)

    def due(self, target: str, *, limit: int = 200) -> list[OutboxEntry]:
        """Pending entries of ``target`` that may be sent now, oldest first — the first pending entry of
        each entity only, so one entity's changes go out in order even while an older one backs off."""
        o, older = t.outbox, t.outbox.alias("older")
        blocked = sa.exists().where(older.c.target == o.c.target, older.c.entity_id == o.c.entity_id,
                                    older.c.status == PENDING, older.c.id < o.c.id)
        query = (sa.select(o).where(o.c.target == target, o.c.status == PENDING, ~blocked,
                                    sa.or_(o.c.next_attempt_at.is_(None), o.c.next_attempt_at <= self.clock()))
                 .order_by(o.c.id).limit(limit))
        with self.store.reading() as conn:
            return [OutboxEntry.from_row(row) for row in conn.execute(query).mappings()]

    def next_due_at(self, target: str) -> dt.datetime | None:
        """When the earliest backing-off entry of ``target`` becomes due (None: nothing pending)."""
        o = t.outbox
        with self.store.reading() as conn:
            pending = conn.execute(sa.select(sa.func.count()).where(o.c.target == target, o.c.status == PENDING)).scalar_one()
            when = conn.execute(sa.select(sa.func.min(o.c.next_attempt_at)).where(
                o.c.target == target, o.c.status == PENDING)).scalar_one()
        if not pending:
            return None
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return when or self.clock()

    def set_status(self, tx: sa.Connection, entry_id: int, status: str, *, current: tuple[str, ...] = (PENDING,),
                   **values: Any) -> None:
        """Move an entry to ``status`` inside ``tx`` — only from a ``current`` status, so a delivery that
        finishes after a newer version superseded its entry never puts the old entry back in the queue."""
        if "last_error" in values and values["last_error"] is not None:
            values["last_error"] = json.dumps(values["last_error"], ensure_ascii=False)
        o = t.outbox
        tx.execute(o.update().where(o.c.id == entry_id, o.c.status.in_(current)).values(status=status, **values))

    def set_delivered(self, tx: sa.Connection, entries: Sequence[OutboxEntry]) -> None:
        """Mark ``entries`` delivered inside ``tx``, one more attempt each, error cleared — only those
        still pending (see :meth:`set_status`); one statement for a whole pass of a batched target."""
        if not entries:
            return
        o = t.outbox
        statement = (o.update().where(o.c.id == sa.bindparam("entry_id"), o.c.status == PENDING)
                     .values(status=DELIVERED, attempts=sa.bindparam("tries"), last_error=None))  # fmt: skip
        tx.execute(statement, [{"entry_id": entry.id, "tries": entry.attempts + 1} for entry in entries])

    def retry(self, entry_id: int) -> OutboxEntry:
        """Put a dead or cancelled entry back in the queue, due now, with its attempts reset."""
        entry = self.get(entry_id)
        if entry.status not in (DEAD, CANCELLED):
            raise ConfigError(f"outbox entry {entry_id} is {entry.status}; only dead or cancelled entries can be retried")
        with self.store.transaction() as tx:
            self.set_status(tx, entry_id, PENDING, current=(DEAD, CANCELLED), attempts=0, next_attempt_at=None)
        return self.get(entry_id)

    def cancel(self, entry_id: int) -> OutboxEntry:
        """Stop a pending entry from being delivered."""
        entry = self.get(entry_id)
        if entry.status != PENDING:
            raise ConfigError(f"outbox entry {entry_id} is {entry.status}; only pending entries can be cancelled")
        with self.store.transaction() as tx:
            self.set_status(tx, entry_id, CANCELLED)
        return self.get(entry_id)
