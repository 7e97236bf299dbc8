"""The outbox table: one row per (route, entity version) to deliver, and its statuses.

Entry statuses: ``pending`` → ``delivered`` | ``superseded`` | ``dead`` (attempts used up or refused
by the target; a dead letter holds the reason) | ``cancelled`` (by an operator). ``hub outbox retry``
puts a dead or cancelled entry back to ``pending``. Which changes get an entry is delivery's
decision (:mod:`hub.core.delivery.outbox`); this part only reads and writes the rows, so delivery,
migration and the commands keep to the store's public names.

Example:
    >>> OutboxEntry(id=1, route="r", target="t", entity_id="e", version=1, status="pending", attempts=0,
    ...             next_attempt_at=None, last_error=None, created_at=None).done
    False
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa

from hub.core.chunks import chunks
from hub.core.errors import ConfigError
from hub.core.store import schema as t
from hub.core.store.database import Transactional

__all__ = ["Outbox", "OutboxEntry", "NewEntry", "RoutedEntry", "PENDING", "DELIVERED", "SUPERSEDED", "DEAD", "CANCELLED"]

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


@dataclass(frozen=True)
class NewEntry:
    """An outbox entry to queue: ``entity_id`` at ``version``, for ``route`` to ``target``."""

    route: str
    target: str
    entity_id: str
    version: int


class RoutedEntry(NamedTuple):
    """An outbox entry with the id one system has for its entity (None if it has none)."""

    route: str
    entity_id: str
    status: str
    last_error: str | None  # the masked error as stored (JSON text)
    external_id: str | None


class Outbox:
    """Reads and updates outbox entries on one store's database.

    Example:
        >>> from hub.core.crypto import KeyRing
        >>> from hub.core.store import Store
        >>> store = Store.open("sqlite://", KeyRing.generate()); store.upgrade()
        >>> Outbox(store).list()
        []
    """

    def __init__(self, store: Transactional, clock: Callable[[], dt.datetime] = _now) -> None:
        self.store = store
        self.clock = clock

    @staticmethod
    def pending_by_route(tx: sa.Connection, entity_id: str, routes: Iterable[str]) -> dict[str, list[int]]:
        """``{route: ids of its pending entries}`` of ``entity_id``, for ``routes``, in ``tx``."""
        o = t.outbox
        rows = tx.execute(sa.select(o.c.route, o.c.id).where(o.c.entity_id == entity_id, o.c.status == PENDING,
                                                             o.c.route.in_(list(routes))))
        found: dict[str, list[int]] = {}
        for route, entry_id in rows:
            found.setdefault(route, []).append(entry_id)
        return found

    @staticmethod
    def supersede(tx: sa.Connection, entry_ids: Sequence[int]) -> None:
        """Mark ``entry_ids`` superseded in ``tx`` (a newer version of their entity was queued or undone)."""
        if entry_ids:
            o = t.outbox
            tx.execute(o.update().where(o.c.id.in_(list(entry_ids))).values(status=SUPERSEDED))

    @staticmethod
    def enqueue(tx: sa.Connection, entries: Sequence[NewEntry]) -> None:
        """Queue ``entries`` as pending, due at once, in ``tx``."""
        if entries:
            now = _now()
            tx.execute(t.outbox.insert(), [
                {"route": e.route, "target": e.target, "entity_id": e.entity_id, "version": e.version,
                 "status": PENDING, "attempts": 0, "next_attempt_at": None, "created_at": now} for e in entries
            ])  # fmt: skip

    @staticmethod
    def queued(tx: sa.Connection, routes: Sequence[str], entity_ids: Iterable[str]) -> list[OutboxEntry]:
        """The entries of ``routes`` for ``entity_ids`` that were not superseded, in ``tx``."""
        o, found = t.outbox, []
        for chunk in chunks(entity_ids):
            query = sa.select(o).where(o.c.route.in_(list(routes)), o.c.entity_id.in_(chunk), o.c.status != SUPERSEDED)
            found += [OutboxEntry.from_row(row) for row in tx.execute(query).mappings()]
        return found

    def routed(
        self, system: str, routes: Sequence[str], *, statuses: Collection[str] | None = None, exclude: Collection[str] = ()
    ) -> Iterator[RoutedEntry]:
        """The entries of ``routes`` (in ``statuses``, if given, and not in ``exclude``) in queue order,
        each with the external id ``system`` has for its entity."""
        o, x = t.outbox, t.external_ids
        query = (
            sa.select(o.c.route, o.c.entity_id, o.c.status, o.c.last_error, x.c.external_id)
            .join(x, sa.and_(x.c.entity_id == o.c.entity_id, x.c.system == system), isouter=True)
            .where(o.c.route.in_(list(routes)))
            .order_by(o.c.id)
        )  # fmt: skip
        if statuses is not None:
            query = query.where(o.c.status.in_(list(statuses)))
        if exclude:
            query = query.where(o.c.status.not_in(list(exclude)))
        with self.store.reading() as conn:
            for row in conn.execute(query):
                yield RoutedEntry(*row)

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

    def counts(self, target: str) -> dict[str, int]:
        """``{status: number of entries}`` of ``target``, statuses without entries left out."""
        o = t.outbox
        query = sa.select(o.c.status, sa.func.count()).where(o.c.target == target).group_by(o.c.status)
        with self.store.reading() as conn:
            return {status: count for status, count in conn.execute(query)}

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
        return t.as_utc(when) if when is not None else self.clock()

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
