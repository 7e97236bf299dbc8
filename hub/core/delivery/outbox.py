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

A route takes only the kinds of change in its ``events`` (:func:`hub.core.routes.change_event`); a
change of another kind queues nothing and leaves an older entry as it is (it still goes out, with
the entity as stored when it is sent), except a deletion: the entity is gone, so what the older entry announced
is superseded too — a subscriber that does not hear deletions hears nothing more of it.

Loop prevention: a change whose origin is the route's target system is never queued for it. The
rows themselves — statuses, queries, updates — are the store's (:mod:`hub.core.store.outbox`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from hub.core.routes import Route, change_event
from hub.core.store import NewEntry, Outbox

__all__ = ["RouteEnqueuer", "DELIVERY_STREAM_PREFIX"]

#: Dead letters of deliveries carry ``stream="outbox:<route>"`` and ``record_ref="outbox:<entry id>"``.
DELIVERY_STREAM_PREFIX = "outbox:"


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
        queued: list[NewEntry] = []
        for change in changes:
            routes = self.routes_for(change.kind, origin=change.origin)
            if not routes:
                continue
            pending = Outbox.pending_by_route(tx, change.entity_id, [r.name for r in routes])
            event = change_event(change.version, deleted=change.op == "delete")
            for route in routes:
                older = pending.get(route.name, [])
                if event not in route.events:
                    if event == "deleted":
                        Outbox.supersede(tx, older)
                    continue
                Outbox.supersede(tx, older)
                if route.matches(change.data, change.previous) or (older and route.holds(change.data)):
                    queued.append(NewEntry(route.name, route.target, change.entity_id, change.version))
        Outbox.enqueue(tx, queued)
