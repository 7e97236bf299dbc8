"""The delivery loop: pending outbox entries → reverse mapping → target → bookkeeping.

For each target, :meth:`DeliveryRunner.run` takes the due entries (the first pending one of each
entity, oldest first), reads the entity as stored now, translates its references into the target's
ids (``candidate.external_id`` becomes the candidate's id *in the target*), builds the payload with
the target's reverse mapping and hands it to the target. Then, in one transaction: the id the target
assigned is linked (so the next change updates), the entry is marked delivered. A transient failure
(the target's own retries, with its :class:`~hub.core.http.RetryPolicy`, already spent) backs the
entry off with full jitter on the same policy; after the route's ``max_attempts``, or at once for a
permanent refusal, the entry is dead and a dead letter keeps the target's message and the payload.

A crash between the target's write and the bookkeeping repeats the write on the next run; targets
make that harmless (see :mod:`hub.core.delivery.target`). Run one deliverer per target at a time.

Observers get a ``delivery_sent`` :class:`~hub.core.events.HubEvent` per entry the target took and a
``delivery_failed`` per refusal (``retry``: backed off, else dead), after its bookkeeping committed.

Example:
    >>> from hub.core.config import HubConfig
    >>> from hub.core.crypto import KeyRing
    >>> from hub.core.store import Store
    >>> store = Store.open("sqlite://", KeyRing.generate()); store.upgrade()
    >>> DeliveryRunner(store, HubConfig(), targets={}).run().counters
    {}
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.core.chunks import chunks
from hub.core.config import HubConfig
from hub.core.crypto import HUB_IDS
from hub.core.delivery.outbox import DELIVERY_STREAM_PREFIX, RouteEnqueuer
from hub.core.delivery.payload_mask import masked_payload
from hub.core.delivery.related import read_related, related_json
from hub.core.delivery.target import Delivery, DeliveryTarget
from hub.core.errors import ConfigError, HubError, PluginError, StoreError, Transient
from hub.core.events import Events
from hub.core.http import RetryPolicy
from hub.core.letter_keys import letter_keys
from hub.core.mapping import CompiledMapping
from hub.core.models import Entity, pii_fields
from hub.core.store import DEAD, PENDING, Outbox, OutboxEntry, external_ids_of, kind_info, link_external_id

__all__ = ["DeliveryReport", "DeliveryRunner", "attach_routes", "build_target", "enqueuer_from_config", "target_classes",
           "targets_from_config"]

log = logging.getLogger(__name__)

#: What a dry run links an entity it plans to create to, standing in for the id the target would assign.
PLANNED_ID = "(planned)"


def target_classes(config: HubConfig, registry: Any = None) -> dict[str, type | None]:
    """hub.yaml connector name → its connector class (None when no plugin provides the type)."""
    if registry is None:
        from hub.core.plugins import load_registry

        registry = load_registry()
    return {name: registry.connectors.get(conn.type) for name, conn in config.connectors.items()}


def _system(name: str, settings: Mapping[str, Any]) -> str:
    """The system name a target's ids are kept under: ``settings.system``, else the connector name."""
    return str(settings.get("system") or name)


def enqueuer_from_config(config: HubConfig) -> RouteEnqueuer:
    """The change listener for hub.yaml's routes (register it with ``store.add_change_listener``)."""
    systems = {name: _system(name, conn.settings) for name, conn in config.connectors.items()}
    return RouteEnqueuer(config.routes, systems)


def attach_routes(store: Any, config: HubConfig) -> RouteEnqueuer:
    """Make ``store`` queue deliveries for hub.yaml's routes with every change it stores.

    Call once after opening the store in any process that writes canonical entities (sync, migrate,
    webhooks); ``hub deliver`` itself only reads the outbox and needs no listener.
    """
    enqueuer = enqueuer_from_config(config)
    store.add_change_listener(enqueuer)
    return enqueuer


def build_target(config: HubConfig, name: str, classes: Mapping[str, type | None]) -> DeliveryTarget | None:
    """hub.yaml's connector ``name`` as a delivery target, with its settings (None: it does not write)."""
    cls = classes.get(name)
    if cls is None or not issubclass(cls, DeliveryTarget):
        return None
    return cls({**config.connectors[name].settings, "target_name": name}, mapping_lookup=config.mapping_lookup)


def targets_from_config(config: HubConfig, names: set[str] | None = None, registry: Any = None) -> dict[str, DeliveryTarget]:
    """Instances of the connectors that routes deliver to (only ``names`` if given)."""
    classes = target_classes(config, registry)
    wanted = {route.target for route in config.routes if names is None or route.target in names}
    targets: dict[str, DeliveryTarget] = {}
    for name in sorted(wanted):
        target = build_target(config, name, classes)
        if target is None:
            raise ConfigError(f"route target {name!r} is not a connector that writes; run `hub routes check`")
        targets[name] = target
    return targets


@dataclass
class DeliveryReport:
    """What one run did, per target: ``delivered``, ``retry_later``, ``dead``; a dry run counts ``planned``
    and ``refused`` (what a real run would send, and what it would have refused), listed in ``planned``.

    Example:
        >>> report = DeliveryReport(); report.count("greenhouse", "delivered"); report.counters
        {'greenhouse': {'delivered': 1}}
    """

    counters: dict[str, dict[str, int]] = field(default_factory=dict)
    planned: list[dict[str, Any]] = field(default_factory=list)

    def count(self, target: str, what: str) -> None:
        bucket = self.counters.setdefault(target, {})
        bucket[what] = bucket.get(what, 0) + 1

    def forecast(self) -> list[str]:
        """A dry run's plan, a line per route: what would be sent, and each refusal with its count.

        Example:
            >>> report = DeliveryReport(planned=[
            ...     {"route": "r", "create": True}, {"route": "r", "refused": {"reason": "no id yet"}},
            ...     {"route": "r", "refused": {"reason": "no id yet"}}])
            >>> report.forecast()
            ["route 'r': 1 would be sent (1 to create), 2 would be refused: no id yet (2)"]
        """
        lines = []
        for route in dict.fromkeys(plan["route"] for plan in self.planned):
            plans = [plan for plan in self.planned if plan["route"] == route]
            sent = [plan for plan in plans if "refused" not in plan]
            reasons = Counter(plan["refused"]["reason"] for plan in plans if "refused" in plan)
            line = f"route {route!r}: {len(sent)} would be sent ({sum(plan['create'] for plan in sent)} to create)"
            if reasons:
                line += f", {reasons.total()} would be refused: " + "; ".join(f"{why} ({n})" for why, n in reasons.most_common())
            lines.append(line)
        return lines


class DeliveryRunner:
    """Delivers the outbox of a store to the targets of hub.yaml's routes.

    Args:
        store: the :class:`~hub.core.store.Store`.
        config: hub.yaml (routes and connector settings).
        targets: target name → instance; built from ``config`` when not given.
        clock: current UTC time (tests pin it); rng: the jitter source.
        pass_size: due entries taken per target and pass; a batched target (import files) writes
            one file per pass.
        events: where ``delivery_sent`` and ``delivery_failed`` go (the plugins' ``hub_event``
            observers; a migration's carry its run id). None: nowhere.
    """

    def __init__(self, store: Any, config: HubConfig, *, targets: Mapping[str, DeliveryTarget] | None = None,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
                 rng: Callable[[], float] = random.random, pass_size: int = 200,
                 events: Events | None = None) -> None:  # fmt: skip
        self.store = store
        self.events = events or Events()
        self.config = config
        self.routes = {route.name: route for route in config.routes}
        self.targets = dict(targets) if targets is not None else targets_from_config(config)
        self.outbox = Outbox(store, clock)
        self.clock, self.rng, self.pass_size = clock, rng, pass_size
        self._mappings: dict[tuple[str, str], CompiledMapping] = {}

    def system_of(self, name: str) -> str:
        settings = self.config.connectors[name].settings if name in self.config.connectors else {}
        return _system(name, settings)

    # -- the loop

    def run(self, *, target: str | None = None, dry_run: bool = False) -> DeliveryReport:
        """One pass over every due entry of every target (or just ``target``)."""
        report = DeliveryReport()
        for name, instance in self.targets.items():
            if target is None or name == target:
                self._pass(name, instance, report, dry_run)
        return report

    def drain(self, *, target: str | None = None, timeout: float = 60.0) -> DeliveryReport:
        """Run passes, sleeping until the next backed-off entry is due, until nothing is pending or
        ``timeout`` seconds have passed (what ``hub deliver --drain`` and the tests use)."""
        report = DeliveryReport()
        deadline = time.monotonic() + timeout
        idle = 0  # passes in a row that found work due but could do none of it (orphaned routes)
        while True:
            one = self.run(target=target)
            for name, counts in one.counters.items():
                for what, n in counts.items():
                    report.counters.setdefault(name, {}).setdefault(what, 0)
                    report.counters[name][what] += n
            due = [d for d in (self.outbox.next_due_at(n) for n in self.targets if target is None or n == target) if d]
            if not due or time.monotonic() >= deadline:
                return report
            wait = (min(due) - self.clock()).total_seconds()
            idle = idle + 1 if not one.counters and wait <= 0 else 0
            if idle >= 2:
                return report
            time.sleep(min(max(wait, 0.01), max(deadline - time.monotonic(), 0.0)))

    def close(self) -> None:
        for instance in self.targets.values():
            instance.close()

    def _pass(self, name: str, target: DeliveryTarget, report: DeliveryReport, dry_run: bool) -> None:
        batch: list[tuple[OutboxEntry, Delivery, str | None]] = []
        due = []
        for entry in self.outbox.due(name, limit=self.pass_size):
            route = self.routes.get(entry.route)
            if route is None:
                log.warning("outbox entry %s: route %r is no longer in hub.yaml; cancel it or restore the route",
                            entry.id, entry.route)
                continue
            due.append((entry, route))
        stored = _Stored.read(self.store, self.system_of(name), [(route.entity, entry.entity_id) for entry, route in due])
        for entry, route in due:
            plan: dict[str, Any] = {"entry": entry.id, "target": name, "route": entry.route, "kind": route.entity,
                                    "entity_id": entry.entity_id, "version": entry.version}  # fmt: skip
            try:
                item = self._prepare(name, target, entry, route.entity, stored)
            except HubError as exc:
                self._undeliverable(name, entry, exc, None, report, plan if dry_run else None)
                continue
            refusal = target.refusal(item)
            if refusal is not None:
                self._undeliverable(name, entry, refusal, item.payload, report, plan if dry_run else None)
                continue
            if dry_run:
                report.planned.append({**plan, "create": item.external_id is None,
                                       "payload": masked_payload(item.payload, item.entity, *item.related.values())})  # fmt: skip
                report.count(name, "planned")
                if item.external_id is None and not target.batched:
                    stored.linked(entry.entity_id, PLANNED_ID)  # a real pass links the id it gets here
                continue
            try:
                external_id = target.deliver(item)
            except HubError as exc:
                self._failed(name, entry, exc, item.payload, route.max_attempts, report)
                continue
            except Exception as exc:  # noqa: BLE001 — a plugin bug becomes a dead letter, not a stuck queue
                error = PluginError(f"target raised {type(exc).__name__}: {exc}", system=name, record_id=entry.entity_id)
                self._failed(name, entry, error, item.payload, 1, report)
                continue
            if target.batched:
                batch.append((entry, item, external_id))
            else:
                try:
                    self._delivered(name, [(entry, item, external_id)], report)
                except StoreError as exc:  # the target answered with an id the hub holds for another entity
                    self._failed(name, entry, exc, item.payload, 1, report)
                    continue
                if external_id is not None:
                    stored.linked(entry.entity_id, str(external_id))
        if batch:
            self._finished(name, target, batch, report)

    def _finished(self, name: str, target: DeliveryTarget, batch: list[tuple[OutboxEntry, Delivery, str | None]],
                  report: DeliveryReport) -> None:
        """A batched target's pass made durable (:meth:`DeliveryTarget.finish`), entry by entry: an id
        it assigned is linked, an error it names fails that entry alone; an error it raises fails them all."""
        try:
            outcomes = target.finish() or {}
        except HubError as exc:
            outcomes = dict.fromkeys((item.entity_id for _, item, _ in batch), exc)
        done = []
        for entry, item, external_id in batch:
            outcome = outcomes.get(item.entity_id, external_id)
            if isinstance(outcome, HubError):
                self._failed(name, entry, outcome, item.payload, self.routes[entry.route].max_attempts, report)
            else:
                done.append((entry, item, outcome))
        try:
            self._delivered(name, done, report)
        except StoreError:  # an id the hub holds for another entity: that entry fails, the others are delivered
            for entry, item, external_id in done:
                try:
                    self._delivered(name, [(entry, item, external_id)], report)
                except StoreError as exc:
                    self._failed(name, entry, exc, item.payload, 1, report)

    # -- one entry

    def _prepare(self, name: str, target: DeliveryTarget, entry: OutboxEntry, kind: str, stored: _Stored) -> Delivery:
        system = self.system_of(name)
        entity = stored.entity(kind, entry.entity_id)
        data = _translated(entity, system, stored.known)
        key = (name, kind)
        if key not in self._mappings:
            self._mappings[key] = target.reverse_mapping(kind)
        related = read_related(entity, tuple(target.related.get(kind, ())), self.store.get, target=name)
        if related:
            data["related"] = related_json(related)
        payload = self._mappings[key].reverse(data)
        # a deletion is never an entity's first version: a migration's new records cost no extra query
        deleted = entry.version > 1 and self.store.deleted_at(kind, entry.entity_id) is not None
        return Delivery(route=entry.route, kind=kind, entity_id=entry.entity_id, version=entry.version,
                        payload=payload, external_id=entity.external_ids.get(system), entity=entity, deleted=deleted,
                        related=related)

    def _delivered(self, name: str, done: list[tuple[OutboxEntry, Delivery, str | None]], report: DeliveryReport) -> None:
        system, disclosed = self.system_of(name), self.targets[name].discloses_pii
        with self.store.transaction() as tx:
            for entry, item, external_id in done:
                if external_id is not None and item.external_id is None:
                    link_external_id(tx, system, item.kind, str(external_id), item.entity_id)
                shown = [item.entity] if disclosed and item.entity is not None else []
                # one entry per person however many paths reach them (an offer's candidate, its application's)
                for entity in {entity.id: entity for entity in [*shown, *item.related.values()]}.values():
                    detail = {"kind": entity.kind, "fields": _pii_set(entity), "route": entry.route,
                              "version": entry.version}  # fmt: skip
                    if entity is not item.entity:
                        detail["for"] = f"{item.kind} {item.entity_id}"
                    self.store.audit(tx, f"target:{name}", "read_pii", entity.id, detail)
            self.outbox.set_delivered(tx, [entry for entry, _, _ in done])
        for entry, item, external_id in done:
            report.count(name, "delivered")
            self.events("delivery_sent", target=name, route=entry.route, kind=item.kind, entity_id=entry.entity_id,
                        version=entry.version, external_id=None if external_id is None else str(external_id))  # fmt: skip

    def _undeliverable(self, name: str, entry: OutboxEntry, error: HubError, payload: Any, report: DeliveryReport,
                       plan: dict[str, Any] | None) -> None:
        """An entry that cannot be sent: a dead letter or a retry, or in a dry run (``plan``) the refusal
        a real run would meet, so the operator sees it before anything is sent."""
        if plan is None:
            self._failed(name, entry, error, payload, self.routes[entry.route].max_attempts, report)
        else:
            report.planned.append({**plan, "refused": error.to_dict()})
            report.count(name, "refused")

    def _failed(self, name: str, entry: OutboxEntry, error: HubError, payload: Any, max_attempts: int,
                report: DeliveryReport) -> None:
        attempts = entry.attempts + 1
        detail = error.to_dict()
        retry = isinstance(error, Transient) and attempts < max_attempts
        with self.store.transaction() as tx:
            if retry:
                delay = self.rng() * min(self._policy(name).backoff_cap, self._policy(name).backoff_base * 2 ** attempts)
                self.outbox.set_status(tx, entry.id, PENDING, attempts=attempts, last_error=detail,
                                       next_attempt_at=self.clock() + dt.timedelta(seconds=delay))
            else:
                self.outbox.set_status(tx, entry.id, DEAD, attempts=attempts, last_error=detail)
                self.store.add_dead_letter(tx, system=self.system_of(name), error=error, payload=payload,
                                           stream=f"{DELIVERY_STREAM_PREFIX}{entry.route}",
                                           record_ref=f"{DELIVERY_STREAM_PREFIX}{entry.id}", attempts=attempts,
                                           keys=letter_keys(self.store.keyring, payload, [(HUB_IDS, entry.entity_id)]))  # fmt: skip
        report.count(name, "retry_later" if retry else "dead")
        self.events("delivery_failed", **{**detail, "target": name, "route": entry.route, "entity_id": entry.entity_id,
                                          "version": entry.version, "attempts": attempts, "retry": retry})  # fmt: skip

    def _policy(self, name: str) -> RetryPolicy:
        target = self.targets[name]
        return target.retry_policy() if hasattr(target, "retry_policy") else RetryPolicy()


@dataclass
class _Stored:
    """What a pass reads of the store before it delivers: its entities, and the target's ids of the
    entities they reference (``known``, hub id → id in ``system``), a few queries for the whole pass.

    Why: read entry by entry, each delivery cost three queries (the entity, its external ids, the
    ids of its references); a migration's 10,000-entry pass spent most of its time there. An
    entity the batch read cannot give (one that fails to decrypt, or is gone) is read again on its
    own when its entry comes, so its error goes to that entry and the rest of the pass is delivered.
    """

    store: Any
    system: str
    entities: dict[tuple[str, str], Entity]
    known: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, store: Any, system: str, wanted: list[tuple[str, str]]) -> _Stored:
        """The entities ``wanted`` ((kind, hub id) pairs) and the ids ``system`` has for their references."""
        by_kind: dict[str, list[str]] = {}
        for kind, entity_id in wanted:
            by_kind.setdefault(kind, []).append(entity_id)
        entities: dict[tuple[str, str], Entity] = {}
        for kind, ids in by_kind.items():
            try:
                entities.update(((kind, entity.id), entity) for entity in store.get_many(kind, ids))  # type: ignore[misc]
            except HubError:
                continue  # each is read on its own when delivered: the one that fails fails its own entry
        stored = cls(store, system, entities)
        stored._learn(entities.values())
        return stored

    def entity(self, kind: str, entity_id: str) -> Entity:
        """The entity as stored; read now if the pass's batch read did not give it (raising its error)."""
        found = self.entities.get((kind, entity_id))
        if found is None:
            found = self.store.get(kind, entity_id)
            self._learn([found])
        return found

    def linked(self, entity_id: str, external_id: str) -> None:
        """The target assigned ``external_id`` to ``entity_id`` mid-pass: later entries that
        reference it are sent with it."""
        self.known.setdefault(entity_id, external_id)

    def _learn(self, entities: Iterable[Entity]) -> None:
        """Add the target's ids of the entities that ``entities`` reference, those not known yet."""
        referenced = {ref.id for entity in entities for name, _ in kind_info(entity.kind).refs
                      if (ref := getattr(entity, name)) is not None and ref.id and ref.id not in self.known}  # fmt: skip
        if not referenced:
            return
        with self.store.reading() as conn:
            for chunk in chunks(sorted(referenced)):
                self.known.update(external_ids_of(conn, self.system, chunk))


def _pii_set(entity: Entity) -> list[str]:
    """The names of the entity's PII fields that hold a value: what a target was shown of the person."""
    return sorted(name for name in pii_fields(type(entity)) if getattr(entity, name) not in (None, [], {}))


def _translated(entity: Entity, system: str, known: Mapping[str, str]) -> dict[str, Any]:
    """The entity's JSON form with each reference pointing at the target's id of the referenced
    entity (``known``; ``external_id`` None when the target does not know it yet)."""
    data = entity.model_dump(mode="json")
    for name, _kind in kind_info(entity.kind).refs:
        ref = data.get(name)
        if isinstance(ref, dict) and (ref.get("id") or ref.get("system") != system):  # never pass on another system's id
            data[name] = {"id": ref.get("id"), "system": system, "external_id": known.get(ref.get("id") or "")}
    return data
