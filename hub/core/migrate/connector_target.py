"""A connector that writes, as a migration target: into the hub store, then delivered to the connector.

The records go into the hub store first, exactly as with :class:`~hub.core.migrate.endpoints.StoreTarget`
(encrypted, identities resolved, read back and reconciled): the store is what a delivery is read
from, retried from and linked to the target's ids, as for every delivery the hub makes. Each batch
also queues a delivery of each record it wrote, to the connector, in the batch's own transaction,
so a checkpoint never holds records without their deliveries, and a record written again
unchanged (a resumed run, a row repeated in the source) is not queued twice. After the last
batch, :meth:`ConnectorTarget.deliver` runs them through the delivery runner
(:mod:`hub.core.delivery`: the connector's reverse mappings, its retries, dead letters), and
:meth:`ConnectorTarget.delivery_findings` says which records the connector did not take (counted
against ``max_missing``) and, for a connector that can be read back (import files), which values
it holds otherwise than the store (counted against ``max_mismatches``).

Example:
    >>> ConnectorTarget.route_name("4f2a", "employee")
    'migrate.4f2a.employee'
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa

from hub.core.chunks import chunks
from hub.core.config import HubConfig
from hub.core.delivery.runner import DeliveryReport, DeliveryRunner, build_target, target_classes
from hub.core.delivery.target import DeliveryTarget
from hub.core.errors import ConfigError, HubError, ReconciliationError, RecordError
from hub.core.events import Events
from hub.core.mapping import CompiledMapping
from hub.core.migrate.endpoints import StoreTarget
from hub.core.migrate.findings import Finding
from hub.core.migrate.reconcile import Digester, entity_values, normalized_fields, shown
from hub.core.models import ENTITY_TYPES, Entity, pii_fields
from hub.core.routes import Route
from hub.core.store import DELIVERED, PENDING, SUPERSEDED, NewEntry, Outbox, OutboxEntry, Prepared, Store, kind_info

__all__ = ["ConnectorTarget", "DELIVERY_TIMEOUT", "PASS_SIZE", "open_target"]

#: Seconds the deliveries may take after the last batch, retries included; what is still pending
#: then is reported as not delivered (``hub deliver`` goes on with it).
DELIVERY_TIMEOUT = 300.0
#: Deliveries per pass after a migration: an import-file target writes one file per pass, and a
#: migration's hundreds of thousands of records should arrive as a few files, not one per 200
#: (the runner's default, sized for the trickle of changes routes deliver).
PASS_SIZE = 10_000


class ConnectorTarget(StoreTarget):
    """The hub store, and a connector of hub.yaml that writes each migrated record.

    Args:
        store: the hub store.
        system: the source system (the records' external ids).
        name: the connector's name in hub.yaml.
        config: hub.yaml (the connector's settings, and the routes whose deliveries share the outbox).
        kinds: the entity kinds the migration writes; the connector must write each, with a
            reverse mapping for it.

    Raises:
        ConfigError: no such connector, one that does not write, or a kind it cannot write.
    """

    def __init__(self, store: Store, system: str, name: str, config: HubConfig, kinds: Iterable[str]) -> None:
        super().__init__(store, system)
        classes = target_classes(config)
        connector = build_target(config, name, classes)  # None: not a connector of hub.yaml, or one that does not write
        if connector is None:
            writers = [key for key, found in classes.items() if found and issubclass(found, DeliveryTarget)]
            raise ConfigError(f"--target {name!r} is neither `store` nor a connector of hub.yaml that writes; "
                              f"connectors that write: {', '.join(writers) or 'none'}")  # fmt: skip
        self.name, self.config, self.connector = name, config, connector
        self.kinds = tuple(kinds)
        self.mappings: dict[str, CompiledMapping] = {}  # the connector's mapping per kind, loaded once
        for kind in self.kinds:
            if kind not in connector.writes:
                raise ConfigError(f"connector {name!r} cannot write {kind}; it writes {', '.join(connector.writes)}")
            try:
                self.mappings[kind] = connector.reverse_mapping(kind)
            except HubError as exc:
                raise ConfigError(f"connector {name!r} has no reverse mapping for {kind}: {exc.reason}") from None

    @staticmethod
    def route_name(run_id: str, kind: str) -> str:
        """The outbox route of one run's deliveries of one kind (stable across resumes of the run)."""
        return f"migrate.{run_id}.{kind}"

    def write(self, tx: sa.Connection, prepared: list[Prepared], run_id: str) -> list[str]:
        """Upsert the records, then queue a delivery of each to the connector, in ``tx``."""
        ids = super().write(tx, prepared, run_id)
        self._queue(tx, run_id, {entity_id: p.kind for p, entity_id in zip(prepared, ids)})
        return ids

    def _queue(self, tx: sa.Connection, run_id: str, written: dict[str, str]) -> None:
        """One pending entry per record and version: a version already queued is not queued again
        (a record written again unchanged: repeated in the source, a job on every batch, a resumed
        run), and an older pending one is superseded (delivery sends the entity as stored now, so one
        entry is enough)."""
        routes = [self.route_name(run_id, kind) for kind in self.kinds]
        versions = self.store.versions(tx, sorted(written))
        queued: dict[str, list[OutboxEntry]] = {}
        for entry in Outbox.queued(tx, routes, sorted(written)):
            queued.setdefault(entry.entity_id, []).append(entry)
        inserts: list[NewEntry] = []
        superseded: list[int] = []
        for entity_id, kind in written.items():
            earlier = queued.get(entity_id, [])
            if any(entry.version == versions[entity_id] for entry in earlier):
                continue
            superseded += [entry.id for entry in earlier if entry.status == PENDING]
            inserts.append(NewEntry(self.route_name(run_id, kind), self.name, entity_id, versions[entity_id]))
        Outbox.supersede(tx, superseded)
        Outbox.enqueue(tx, inserts)

    def deliver(self, run_id: str, events: Events | None = None) -> DeliveryReport:
        """Deliver what the run queued (and anything else pending for this connector), until nothing
        is pending or :data:`DELIVERY_TIMEOUT` has passed; ``events`` get each delivery's outcome."""
        routes = [Route(name=self.route_name(run_id, kind), entity=kind, target=self.name) for kind in self.kinds]
        config = self.config.model_copy(update={"routes": [*self.config.routes, *routes]})
        runner = DeliveryRunner(self.store, config, targets={self.name: self.connector}, pass_size=PASS_SIZE,
                                events=events)  # fmt: skip
        try:
            return runner.drain(target=self.name, timeout=DELIVERY_TIMEOUT)
        finally:
            runner.close()

    def delivery_findings(self, run_id: str) -> dict[str, list[Finding]]:
        """``{kind: findings}`` of the run's deliveries: ``not_delivered`` for each record the
        connector did not take, and, where the connector can be read back
        (:meth:`~hub.core.delivery.target.DeliveryTarget.read_back`), ``not_delivered`` for a record
        it took but does not hold and ``checksum_mismatch`` for each field it holds otherwise than
        the store (a value cut or re-encoded on the way; shown masked when it is PII)."""
        found = self._not_taken(run_id)
        for kind in self.kinds:
            held = self.connector.read_back(kind)
            if held is not None:
                found[kind] += self._compared(run_id, kind, held)
        return found

    def _not_taken(self, run_id: str) -> dict[str, list[Finding]]:
        routes = {self.route_name(run_id, kind): kind for kind in self.kinds}
        found: dict[str, list[Finding]] = {kind: [] for kind in self.kinds}
        for route, _, status, last_error, external_id in Outbox(self.store).routed(
            self.system, list(routes), exclude=(DELIVERED, SUPERSEDED)
        ):  # fmt: skip
            kind = routes[route]
            error = ReconciliationError(f"not delivered to {self.name}: {_reason(status, last_error)}", system=self.name,
                                        entity=kind, record_id=external_id)  # fmt: skip
            found[kind].append(Finding(None, external_id or "", kind, kind, "not_delivered", error))
        return found

    def _compared(self, run_id: str, kind: str, held: Iterator[tuple[str, Entity | RecordError]]) -> list[Finding]:
        """The read-back records of ``kind`` against the store, a chunk at a time, on the fields the
        connector's mapping reads back; then the delivered records it does not hold."""
        names = _compared_fields(kind, self.mappings[kind].target_fields)
        pii, findings, seen = pii_fields(ENTITY_TYPES[kind]), [], set()
        unreadable, first_unreadable = 0, None  # lines the target holds that name no record (do not parse)
        for chunk in chunks(held):
            stored = {entity.id: entity for entity in self.store.get_many(kind, [hub_id for hub_id, _ in chunk])}
            for hub_id, read in chunk:
                mine = stored.get(hub_id)
                if mine is None:  # not a record of this store (an older file, another hub), or not readable
                    if isinstance(read, RecordError):
                        unreadable, first_unreadable = unreadable + 1, first_unreadable or read
                    continue
                seen.add(hub_id)
                label = mine.external_ids.get(self.system, hub_id)
                if isinstance(read, RecordError):
                    error = ReconciliationError(f"{self.name} holds the record in a form that cannot be read back: "
                                                f"{read.reason}", system=self.name, entity=kind, record_id=label)  # fmt: skip
                    findings.append(Finding(None, label, kind, kind, "checksum_mismatch", error))
                    continue
                ours, theirs = (normalized_fields(kind, entity_values(entity)) for entity in (mine, read))
                for name in names:
                    if ours[name] != theirs[name]:
                        error = ReconciliationError(
                            f"{self.name} holds another value than the store", system=self.name, entity=kind,
                            record_id=label, field_path=name, value=shown(theirs[name], name in pii),
                        )  # fmt: skip
                        findings.append(Finding(None, label, kind, f"{kind}.{name}", "checksum_mismatch", error))
        missing = f"delivered to {self.name}, which does not hold it when read back{_unreadable(unreadable, first_unreadable)}"
        for entity_id, label in self._delivered(run_id, kind):
            if entity_id not in seen:
                error = ReconciliationError(missing, system=self.name, entity=kind, record_id=label)
                findings.append(Finding(None, label, kind, kind, "not_delivered", error))
        return findings

    def _delivered(self, run_id: str, kind: str) -> Iterator[tuple[str, str]]:
        """(hub id, external id) of the run's records of ``kind`` marked delivered."""
        entries = Outbox(self.store).routed(self.system, [self.route_name(run_id, kind)], statuses=(DELIVERED,))
        for entry in entries:
            yield entry.entity_id, entry.external_id or entry.entity_id


def _compared_fields(kind: str, target_fields: Iterable[str]) -> list[str]:
    """The reconciled fields of ``kind`` that a mapping's forward rules fill (top-level names), but its
    references: a target holds a reference in its own ids (an import file, the hub's id of a record
    it never holds), which the store keeps apart from the source's as links; the store's reference
    checks have already compared what the reference names."""
    filled = {name.split(".", 1)[0] for name in target_fields} - {name for name, _ in kind_info(kind).refs}
    return [name for name in Digester.fields(kind) if name in filled]


def _unreadable(count: int, first: RecordError | None) -> str:
    """Why a record the target took may seem absent: its files hold ``count`` lines that cannot be
    read (a line that does not parse names no record); the first one's place and reason. "" if none.

    Example:
        >>> _unreadable(2, RecordError("not valid JSON", record_id="e.jsonl:3"))
        '; its files hold 2 lines that cannot be read, which may be this record (e.jsonl:3: not valid JSON)'
    """
    if first is None:
        return ""
    lines = "1 line" if count == 1 else f"{count} lines"
    return f"; its files hold {lines} that cannot be read, which may be this record ({first.record_id}: {first.reason})"


def _reason(status: str, last_error: Any) -> str:
    """The connector's last word on an entry (already masked when it was recorded), or why there is none."""
    detail = json.loads(last_error) if isinstance(last_error, str) and last_error else {}
    said = detail.get("reason") if isinstance(detail, dict) else None
    if status == PENDING:
        return f"still pending ({said or 'not attempted yet'}); `hub deliver` goes on with it"
    return f"{status}: {said or 'no reason recorded'}; see `hub dead-letters list`"


def open_target(spec: str, store: Store, system: str, config: HubConfig, kinds: Iterable[str]) -> StoreTarget:
    """The target ``spec`` names: ``store`` (the hub store), or a connector of hub.yaml that writes
    (:class:`ConnectorTarget`: the store, then delivered to it).

    Raises:
        ConfigError: an unknown target, one that does not write, or a kind it cannot write.
    """
    if spec == "store":
        return StoreTarget(store, system)
    return ConnectorTarget(store, system, spec, config, kinds)
