"""One batch of raw vendor records → canonical entities in the store, inside the caller's transaction.

Pulled pages, pushed webhooks and replayed dead letters all take this one path, so a record is
treated the same whichever way it arrived: mapped (``related`` rules reading the other records of
its batch), validated (the canonical model, then every validator plugins registered through
``hub_register_validators``) and stamped with provenance and
its raw payload (``remote_data``, encrypted by the store) by the per-record transform migration uses
too (:class:`~hub.core.record_transform.RecordTransform`), then upserted (identity resolution and
the content-hash no-op happen in the store). Records the vendor flags as deleted are marked deleted
instead.

A bad record never stops the batch: it comes back in :attr:`BatchResult.failures` with its typed
error, and the caller decides what to do with it (a sync writes a dead letter; a dead-letter retry
counts another attempt).

Example:
    >>> c = Counters(records=3, created=2, failed=1)
    >>> (c + Counters(records=1, unchanged=1)).as_dict()["records"]
    4
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import sqlalchemy as sa

from hub.core.connector import Stream
from hub.core.errors import HubError, MappingError, RecordError
from hub.core.mapping import CompiledMapping, Page
from hub.core.models import Provenance
from hub.core.paginators import select
from hub.core.record_transform import RecordTransform, Validator, prepare_for_store
from hub.core.store import Prepared, Store

__all__ = ["BatchResult", "Counters", "RecordPipeline", "Transformed", "Validator"]


@dataclass
class Counters:
    """What a page, stream or run did. Every field is a count; ``+`` adds them up.

    Example:
        >>> Counters(created=1) + Counters(created=2, failed=1)
        Counters(pages=0, records=0, created=3, updated=0, unchanged=0, failed=1, deleted=0, stale=0)

    ``stale`` counts records older than the version their source last sent, which are not stored.
    """

    pages: int = 0
    records: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    deleted: int = 0
    stale: int = 0

    def __add__(self, other: Counters) -> Counters:
        return Counters(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class BatchResult:
    """The outcome of :meth:`RecordPipeline.process`: counts, the failed records and every id seen.

    ``ids`` holds the external id of every record of the batch that had one, failed or not, so a
    full-refresh pass knows which records still exist at the vendor.
    """

    counters: Counters
    failures: list[tuple[Any, HubError]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)


@dataclass
class Transformed(BatchResult):
    """A batch after :meth:`RecordPipeline.transform`: ready to store, computed without the database.

    ``prepared`` are the entities to upsert (detached — plain data — when the batch crosses to
    another process), ``deleted`` the external ids the vendor flagged as deleted.
    """

    prepared: list[Prepared] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


class RecordPipeline:
    """Maps, validates and stores the raw records of one stream; see the module docstring.

    The work is split in two so that it can run in two processes: :meth:`transform` (map,
    validate, hash, split — no database) and :meth:`apply` (upsert and mark deleted, in the
    caller's transaction). :meth:`process` does both.

    Args:
        store: the open :class:`~hub.core.store.Store`.
        mapping: the stream's compiled mapping (its ``system`` names the records' source).
        stream: the stream declaration (deleted flag and primary key are read from it).
        validators: extra ``validator(entity) -> problems`` checks from plugins.
        origin: written to the change log with every change (``sync:<connector>``).
        prepare: the connector's ``prepare_page`` bound to its client and stream: the copies it
            returns are mapped, the originals stored as ``remote_data``.

    Example:
        >>> pipeline = RecordPipeline(store, mapping, stream=stream)        # doctest: +SKIP
        >>> with store.transaction() as tx:                                 # doctest: +SKIP
        ...     result = pipeline.process(tx, page.records)
    """

    def __init__(
        self,
        store: Store,
        mapping: CompiledMapping,
        *,
        stream: Stream,
        validators: Sequence[Validator] = (),
        origin: str | None = None,
        prepare: Callable[[list[Any]], list[Any]] | None = None,
    ) -> None:
        self.store, self.mapping, self.stream = store, mapping, stream
        self.step = RecordTransform(mapping, validators)
        self.origin = origin or mapping.system
        self.prepare = prepare

    @property
    def system(self) -> str:
        return self.mapping.system

    def process(self, tx: sa.Connection, records: Iterable[Any], *, fetched_at: dt.datetime | None = None) -> BatchResult:
        """Store one batch inside ``tx``; bad records come back as failures, never as exceptions.

        Raises:
            StoreError: the database refused the batch (the caller's transaction rolls back).
        """
        return self.apply(tx, self.transform(records, fetched_at=fetched_at))

    def transform(
        self, records: Iterable[Any], *, fetched_at: dt.datetime | None = None, detach: bool = False
    ) -> Transformed:
        """Map, validate and prepare one batch for the store, without touching the database.

        ``detach=True`` makes the result plain data (see :meth:`EntityCodec.detach`), cheap to send
        to another process; otherwise the store splits each record only if it is written.

        A compiled mapping always gives an entity its own external id (or fails the record with a
        ``MappingError``), so the store's "no external id" ``StoreError`` cannot come from here.
        """
        provenance = Provenance(system=self.system, stream=self.stream.name, fetched_at=fetched_at or dt.datetime.now(dt.UTC))
        codec = self.store.codec
        result = Transformed(Counters())
        records = list(records)
        sources = self.prepare(records) if self.prepare else records
        page = Page(sources)  # what the mapping's `related` rules find the page's other records in
        for raw, source in zip(records, sources, strict=True):
            result.counters.records += 1
            external_id = self.external_id(raw)
            if external_id is not None:
                result.ids.append(external_id)
            try:
                if self._flagged_deleted(raw):
                    result.deleted.append(self._require_id(raw, external_id))
                    continue
                entity = self.step.entity(source, provenance=provenance, raw=raw, page=page)
                result.prepared.append(prepare_for_store(codec, entity, self.system, detach=detach))
            except RecordError as exc:
                result.failures.append((raw, exc))
        result.counters.failed = len(result.failures)
        return result

    def apply(self, tx: sa.Connection, batch: Transformed) -> BatchResult:
        """Upsert a transformed batch and mark its deleted records, inside ``tx``.

        Raises:
            StoreError: the database refused the batch (the caller's transaction rolls back).
        """
        result = BatchResult(Counters(records=batch.counters.records, failed=batch.counters.failed),
                             batch.failures, batch.ids)
        if batch.prepared:
            upserted = self.store.upsert_prepared(tx, self.system, batch.prepared, origin=self.origin)
            result.counters.created += upserted.created
            result.counters.updated += upserted.updated
            result.counters.unchanged += upserted.unchanged
            result.counters.stale += upserted.stale
        if batch.deleted:
            result.counters.deleted += self.store.mark_deleted(
                tx, self.system, self.mapping.entity, batch.deleted, origin=self.origin
            )
        return result

    def external_id(self, raw: Any) -> str | None:
        """The record's own id at the stream's ``primary_key``, as text (None if it has none)."""
        value = select(raw, self.stream.primary_key) if isinstance(raw, dict) else None
        return None if value is None or isinstance(value, (dict, list)) else str(value)

    def _flagged_deleted(self, raw: Any) -> bool:
        if not (self.stream.deleted_field and isinstance(raw, dict)):
            return False
        flag = select(raw, self.stream.deleted_field)
        return bool(flag) if self.stream.deleted_value is None else flag == self.stream.deleted_value

    def _require_id(self, raw: Any, external_id: str | None) -> str:
        if external_id is None:
            raise MappingError(
                f"a deleted record has no id at {self.stream.primary_key!r}",
                system=self.system, entity=self.mapping.entity, stream=self.stream.name,
            )
        return external_id
