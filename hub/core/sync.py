"""Pull: a connector's streams → the canonical store, page by page, checkpointed.

For each page the engine maps, validates and upserts the records (:mod:`hub.core.sync_pipeline`),
writes a dead letter per bad record and saves the stream's checkpoint (:mod:`hub.core.sync_state`),
all in ONE store transaction. That is the whole exactly-once story: a crash before the commit
leaves neither the records nor the cursor, a crash after it leaves both, and the rerun resumes at
the first page not committed. Re-fetching a committed page is harmless because upserts are
idempotent by (system, external id) and content hash.

A page that cannot be fetched or parsed (retries exhausted, a 4xx, malformed JSON, a page that
repeats) stops its stream, not the run: nothing of that page is applied, the error is written to
dead letters and to the run summary, and the next run resumes at that very page.

Deletions: records flagged by the stream's ``deleted_field`` and ids listed by its
``tombstones`` endpoint are marked deleted; a ``--full-refresh`` pass marks deleted every entity
of the stream's system and kind that it did not list. The ids a full-refresh pass lists are
recorded in the store with each page (:meth:`~hub.core.store.Store.record_seen`), so a pass killed
half-way resumes knowing them all; the marking happens in the transaction of its last page.

Observers: ``run_started``, ``page_committed``, ``record_failed`` and ``run_finished``
:class:`~hub.core.events.HubEvent` go to the ``hub_event`` plugin hook and to ``listeners`` (the
CLI's progress display is one), always after the transaction they report has committed.

Example:
    >>> report = sync(Acme({"token": "t"}), store, streams=["candidates"])     # doctest: +SKIP
    >>> report.status, report.counters.created                                 # doctest: +SKIP
    ('succeeded', 120)
"""

from __future__ import annotations

import functools
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import pluggy
import sqlalchemy as sa

from hub.core.connector import RestConnector, Stream, WebhookDelivery
from hub.core.errors import HubError, RecordError, WebhookReplayError
from hub.core.events import Events, Listener
from hub.core.forked import ahead, worth_forking
from hub.core.gcpause import settled
from hub.core.http import HttpClient
from hub.core.letter_keys import letter_keys
from hub.core.mapping import load_mapping
from hub.core.paginators import select
from hub.core.record_transform import precompute
from hub.core.store import Store
from hub.core.store import EntityCodec
from hub.core.sync_pipeline import BatchResult, Counters, RecordPipeline, Transformed, Validator
from hub.core.sync_state import TOMBSTONES, StreamState, later

__all__ = ["StreamReport", "SyncReport", "Accepted", "WebhookReceiver", "ingest_webhook", "pipeline_for", "sync"]


@dataclass
class StreamReport:
    """How one stream's run ended: counts, ``succeeded``/``failed`` (``running`` until it ends), the
    masked error if any."""

    stream: str
    counters: Counters = field(default_factory=Counters)
    status: str = "running"
    error: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, **self.counters.as_dict(), **({"error": self.error} if self.error else {})}


@dataclass
class SyncReport:
    """The summary of one ``sync`` call, also stored as the job run's counters.

    Example:
        >>> SyncReport("r1", "acme", [StreamReport("jobs", Counters(records=2), "succeeded")]).status
        'succeeded'
    """

    run_id: str
    connector: str
    streams: list[StreamReport]
    seconds: float = 0.0

    @property
    def status(self) -> str:
        """``succeeded`` if every stream listed all its pages (bad records are counted, not fatal)."""
        return "failed" if any(s.status != "succeeded" for s in self.streams) else "succeeded"

    @property
    def counters(self) -> Counters:
        return sum((s.counters for s in self.streams), Counters())

    def as_dict(self) -> dict[str, Any]:
        rate = self.counters.records / self.seconds if self.seconds else 0.0
        return {"connector": self.connector, "status": self.status, "seconds": round(self.seconds, 3),
                "records_per_second": round(rate, 1), **self.counters.as_dict(),
                "streams": {s.stream: s.as_dict() for s in self.streams}}


#: How many transformed pages the producer may have ready. The committing side stalls now and then
#: for a SQLite WAL checkpoint (150–200 ms with its fsync, every ~40 MB written); with 3 pages of
#: slack the producer stopped too and the run lost that time (~8 % of a 50k-record sync). 32 pages
#: (~3,200 records, a few MB of detached text) cover a stall; memory stays bounded.
PAGES_AHEAD = 32


@dataclass
class _Page:
    """One fetched page as the committing loop needs it: where the next page is, its latest cursor
    value (None if it has none), and either its transformed batch or (tombstones) its raw records."""

    next_request: Any
    newest_cursor: str | None
    batch: Transformed | None = None
    records: list[Any] = field(default_factory=list)


def pipeline_for(
    connector: RestConnector, stream: Stream, store: Store, *, client: HttpClient, key: str | None = None,
    validators: Sequence[Validator] = (),
) -> RecordPipeline:
    """The :class:`RecordPipeline` of one stream: its mapping compiled, validators and page preparation attached."""
    mapping = load_mapping(connector.mapping_path(stream.mapping_file))
    return RecordPipeline(store, mapping, stream=stream, validators=validators,
                          origin=f"sync:{key or connector.name}",
                          prepare=functools.partial(connector.prepare_page, client, stream))


def sync(
    connector: RestConnector,
    store: Store,
    *,
    key: str | None = None,
    streams: Sequence[str] | None = None,
    full_refresh: bool = False,
    since: str | None = None,
    validators: Sequence[Validator] = (),
    pm: pluggy.PluginManager | None = None,
    listeners: Sequence[Listener] = (),
    transport: httpx.BaseTransport | None = None,
    prefetch: bool | None = None,
) -> SyncReport:
    """Pull ``streams`` (default: all) of ``connector`` into ``store``; see the module docstring.

    Args:
        connector: a configured connector instance.
        store: the open, upgraded store.
        key: the connector's name in hub.yaml (cursors and dead letters are kept under it);
            defaults to ``connector.name``.
        streams: stream names to run, in this order.
        full_refresh: list everything from the start, then mark unlisted entities deleted.
        since: start the pass from this incremental value instead of the saved one.
        validators: extra record validators (``Registry.validators``).
        pm: the plugin manager whose ``hub_event`` observers get the events.
        listeners: in-process event listeners (progress display).
        transport: an httpx transport for the connector's client (tests, proxies).
        prefetch: fetch and transform pages in a forked producer process while this one stores
            the previous page (see :mod:`hub.core.forked`). Default: :func:`~hub.core.forked.worth_forking`.
            Results are the same either way.

    Returns:
        The run summary, also stored as a job run (kind ``sync``).
    """
    key = key or connector.name
    if prefetch is None:
        prefetch = worth_forking()
    chosen = [connector.stream(name) for name in streams] if streams else [s for s in connector.streams if s.pulled]
    run_id = store.start_job_run("sync")
    events = Events(pm, listeners, run_id)
    started = time.monotonic()
    report = SyncReport(run_id, key, [])
    events("run_started", engine="sync", connector=key, streams=[s.name for s in chosen], full_refresh=full_refresh, since=since)
    try:
        with settled(), connector.client(transport=transport) as client:
            for stream in chosen:
                run = _StreamRun(connector, stream, store, client, key=key, run_id=run_id, events=events,
                                 validators=validators, prefetch=prefetch)
                report.streams.append(run.report)  # counted so far even if the run ends inside it
                run.run(full_refresh=full_refresh, since=since)
    except BaseException as exc:
        report.seconds = time.monotonic() - started
        ending = store.abort_job_run(run_id, exc, report.as_dict())
        events("run_finished", engine="sync", **{**report.as_dict(), **ending})
        raise
    report.seconds = time.monotonic() - started
    store.finish_job_run(run_id, report.status, report.as_dict())
    events("run_finished", engine="sync", **report.as_dict())
    return report


class _StreamRun:
    """One stream of one run: the page loop, the checkpoint and the failure handling."""

    def __init__(
        self, connector: RestConnector, stream: Stream, store: Store, client: HttpClient, *, key: str,
        run_id: str, events: Events, validators: Sequence[Validator], prefetch: bool,
    ) -> None:
        self.connector, self.stream, self.store, self.client = connector, stream, store, client
        self.key, self.run_id, self.events, self.validators = key, run_id, events, validators
        self.prefetch = prefetch
        self.report = StreamReport(stream.name)

    def run(self, *, full_refresh: bool, since: str | None) -> StreamReport:
        try:
            pipeline = pipeline_for(self.connector, self.stream, self.store, client=self.client, key=self.key,
                                    validators=self.validators)
            state = StreamState.from_json(self.store.get_cursor(None, self.key, self.stream.name),
                                          where=f"of {self.key}/{self.stream.name}")
            if full_refresh or since is not None or not state.in_pass:
                abandoned = state.seen_pass
                state = state.begin(full_refresh=full_refresh, since=since,
                                    track_seen=full_refresh and self.stream.full_refresh_deletes)
                state = state.at(self.connector.first_request(self.stream, since=state.pass_since))
                if abandoned is not None:  # an unfinished full-refresh pass is replaced: drop its ids with it
                    with self.store.transaction() as tx:
                        self.store.forget_pass(tx, abandoned)
                        self.store.set_cursor(tx, self.key, self.stream.name, state.to_json())
            while state.in_pass:
                state = self._phase(pipeline, state)
            with self.store.transaction() as tx:
                self.store.resolve_stream_failures(tx, system=self.key, stream=self.stream.name)
            self.report.status = "succeeded"
        except HubError as exc:
            self._fail(exc)
        return self.report

    def _phase(self, pipeline: RecordPipeline, state: StreamState) -> StreamState:
        """Fetch and commit the pages of the current phase; return the state after its last page."""
        tombstones = state.phase == TOMBSTONES
        for page in self._pages(pipeline, state, tombstones):
            with self.store.transaction() as tx:
                batch = self._tombstones(tx, pipeline, page.records) if tombstones else pipeline.apply(tx, page.batch)
                for raw, error in batch.failures:
                    self.store.add_dead_letter(tx, system=self.key, stream=self.stream.name, error=error,
                                               payload=raw, record_ref=error.record_id, run_id=self.run_id,
                                               keys=letter_keys(self.store.keyring, raw))
                state = self._advance(tx, pipeline, state, page, batch, tombstones)
                self.store.set_cursor(tx, self.key, self.stream.name, state.to_json())
            batch.counters.pages = 1
            self.report.counters += batch.counters
            self.events("page_committed", connector=self.key, stream=self.stream.name, **batch.counters.as_dict())
            for _raw, error in batch.failures:
                self.events.record_failed(error, connector=self.key, stream=self.stream.name)
        return state

    def _pages(self, pipeline: RecordPipeline, state: StreamState, tombstones: bool) -> Iterator[_Page]:
        """The phase's pages, fetched and transformed — in a forked producer process when ``prefetch``.

        The producer only computes (HTTP, parsing, mapping, validation, hashing); this process keeps
        the transactions and commits pages in order, so a crash anywhere still resumes at the first
        page not committed. Tombstone pages carry only ids and stay in-process.
        """
        assert state.resume is not None
        first = state.resume
        forked = self.prefetch and not tombstones
        field_path = None if tombstones else self.stream.cursor_field

        def produce() -> Iterator[_Page]:
            for page in self.connector.pages(self.client, self.stream, first, tombstones=tombstones):
                newest = None  # the page's latest cursor value, folded here: the committing side is the busier one
                if field_path:
                    for raw in page.records:
                        if isinstance(raw, dict) and (value := select(raw, field_path)) is not None:
                            newest = later(newest, str(value))
                if tombstones:
                    yield _Page(page.next_request, newest, records=page.records)
                else:
                    yield _Page(page.next_request, newest, batch=pipeline.transform(page.records, detach=forked))

        return ahead(produce, depth=PAGES_AHEAD, enabled=forked, in_child=self.store.forget_connections,
                     spare=functools.partial(_precompute, self.store.codec))  # fmt: skip

    def _advance(
        self, tx: sa.Connection, pipeline: RecordPipeline, state: StreamState, page: _Page, batch: BatchResult,
        tombstones: bool,
    ) -> StreamState:
        """The checkpoint after a page, moved to the next phase or finished when this phase ended."""
        state = state.after_page(next_request=page.next_request, newest=page.newest_cursor)
        if state.seen_pass is not None and not tombstones:
            self.store.record_seen(tx, state.seen_pass, batch.ids)
        if state.in_pass:
            return state
        if not tombstones and self.stream.tombstones is not None:
            return state.enter_tombstones(self.connector.first_request(self.stream, since=state.pass_since,
                                                                      tombstones=True))
        if state.seen_pass is not None:
            missing = self.store.mark_missing_deleted(tx, pipeline.system, pipeline.mapping.entity, state.seen_pass,
                                                      origin=pipeline.origin)
            batch.counters.deleted += missing
        return state.finish()

    def _tombstones(self, tx: sa.Connection, pipeline: RecordPipeline, records: list[Any]) -> BatchResult:
        """Mark the records a tombstones page lists as deleted; a listed record without id fails."""
        assert self.stream.tombstones is not None
        id_path = self.stream.tombstones.id_path
        batch = BatchResult(Counters(records=len(records)))
        ids: list[str] = []
        for raw in records:
            value = select(raw, id_path) if isinstance(raw, dict) else None
            if value is None or isinstance(value, (dict, list)):
                batch.failures.append((raw, RecordError(f"a tombstone has no id at {id_path!r}", system=pipeline.system,
                                                        entity=pipeline.mapping.entity, stream=self.stream.name)))
            else:
                ids.append(str(value))
        batch.counters.failed = len(batch.failures)
        if ids:
            batch.counters.deleted = self.store.mark_deleted(tx, pipeline.system, pipeline.mapping.entity, ids,
                                                             origin=pipeline.origin)
        return batch

    def _fail(self, error: HubError) -> None:
        """The stream cannot go on: record why (run summary and dead letters); the next run resumes."""
        self.report.status, self.report.error = "failed", error.to_dict()
        with self.store.transaction() as tx:
            self.store.add_dead_letter(tx, system=self.key, stream=self.stream.name, error=error, run_id=self.run_id)


def _precompute(codec: EntityCodec, page: _Page) -> None:
    """The producer's spare work while the committing side is behind: see :func:`precompute`."""
    if page.batch is not None:
        precompute(codec, page.batch.prepared)


@dataclass
class Accepted:
    """A delivery stored by :meth:`WebhookReceiver.receive_many`: its records, and how many of them
    failed mapping or validation and wait in dead letters.

    Example:
        >>> Accepted(records=2, dead_lettered=1).stored
        1
    """

    records: int
    dead_lettered: int = 0

    @property
    def stored(self) -> int:
        """Records taken by the store (created, updated, or found unchanged or stale)."""
        return self.records - self.dead_lettered


class WebhookReceiver:
    """One connector's webhooks into the store, with what every delivery needs built once: the
    connector's client and each stream's compiled pipeline.

    Building an HTTP client (its TLS context) and compiling a mapping take far longer than storing
    a webhook's records, so a server keeps one receiver per connector for all its deliveries;
    :func:`ingest_webhook` is one delivery through a receiver of its own. :meth:`receive` and
    :meth:`receive_many` may be called from several threads at once (each call is its own transaction).

    Example:
        >>> with WebhookReceiver(Greenhouse(settings), store, key="greenhouse") as receiver:   # doctest: +SKIP
        ...     receiver.receive(headers, raw_body).created
        1
    """

    def __init__(self, connector: RestConnector, store: Store, *, key: str | None = None,
                 validators: Sequence[Validator] = (), pm: pluggy.PluginManager | None = None) -> None:
        self.connector, self.store, self.key = connector, store, key or connector.name
        self.validators = validators
        self.events = Events(pm)
        self.client = connector.client()
        self._pipelines: dict[str, RecordPipeline] = {}
        self._building = threading.Lock()

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def receive(self, headers: Mapping[str, str], raw_body: bytes, *,
                query: Mapping[str, str] | None = None) -> Counters:
        """Receive one delivery: size, signature, replay, then its records through the same
        pipeline as pulled pages. ``query``: the query parameters of the URL it was posted to.

        The body's size is checked before its signature (:meth:`RestConnector.parse_webhook`). The
        vendor's delivery id, when it sends one, is recorded with the records: a delivery received
        before is refused and nothing of it stored again. A record older than the version its source
        last sent is counted ``stale`` and not written (the store compares ``remote_updated_at``). All
        records of the webhook are committed in one transaction with their dead letters and the
        receipt; cursors are not touched (a webhook says nothing about what a listing has covered).

        Raises:
            WebhookTooLargeError: the body is over the connector's ``webhook_max_bytes``; nothing is read.
            WebhookVerificationError: the signature is wrong; nothing is stored.
            WebhookReplayError: the delivery id was received before; nothing is stored.
        """
        outcomes, total = self.receive_many([(headers, raw_body, query or {})])
        if isinstance(outcomes[0], HubError):
            raise outcomes[0]
        return total

    def receive_many(
        self, deliveries: Sequence[tuple[Mapping[str, str], bytes] | tuple[Mapping[str, str], bytes, Mapping[str, str]]]
    ) -> tuple[list[Accepted | HubError], Counters]:
        """Receive several deliveries in ONE transaction (a group commit), each as :meth:`receive` does:
        each one's outcome in its place, and what the group's records did. A delivery is its headers,
        raw body and, optionally, the query parameters of the URL it was posted to.

        Each delivery is checked on its own: one refused (size, signature, a replay — also of a copy
        earlier in the same group — or the connector's settings) is its error in its place, and the
        others are stored all the same. Records a delivery names by id (a stream with a detail
        endpoint) are fetched before the transaction (:meth:`RestConnector.resolve_webhook`); a failed
        fetch is that delivery's error. Their records go through each stream's pipeline together, in
        the order they arrived, so a server under load pays for one transaction and one batch of
        statements per group of webhooks, not per webhook, and still answers each after its commit.

        Raises:
            StoreError: the database refused the transaction: none of the group is stored.
        """
        store, key = self.store, self.key
        outcomes: list[Accepted | HubError] = []
        taken: list[tuple[int, WebhookDelivery]] = []
        accepted: dict[int, Accepted] = {}
        for headers, raw_body, *query in deliveries:
            try:
                delivery = self.connector.parse_webhook(headers, raw_body, query=query[0] if query else None)
                for stream_name in {stream_name for stream_name, _ in delivery.records}:
                    self._pipeline(stream_name)
                delivery = self.connector.resolve_webhook(self.client, delivery)  # records named by id, fetched
            except HubError as exc:
                outcomes.append(exc)
                continue
            taken.append((len(outcomes), delivery))
            accepted[len(outcomes)] = Accepted(len(delivery.records))
            outcomes.append(accepted[len(outcomes)])
        total = Counters()
        if not taken:
            return outcomes, total
        failures: list[tuple[str, HubError]] = []
        with store.transaction() as tx:
            by_stream: dict[str, list[tuple[int, Any]]] = defaultdict(list)
            new = store.record_webhook_receipts(tx, key, [d.delivery_id for _, d in taken if d.delivery_id is not None])
            for index, delivery in taken:
                if delivery.delivery_id is not None and delivery.delivery_id not in new:
                    outcomes[index] = WebhookReplayError(f"delivery {delivery.delivery_id!r} was received before and is "
                                                         "stored; not stored again", system=key)  # fmt: skip
                    continue
                new.discard(delivery.delivery_id)  # a second copy in the group is a replay of this one
                for stream_name, record in delivery.records:
                    by_stream[stream_name].append((index, record))
            for stream_name, owned in by_stream.items():
                batch = self._pipelines[stream_name].process(tx, [record for _, record in owned])
                owner = {id(record): index for index, record in owned}
                for raw, error in batch.failures:
                    store.add_dead_letter(tx, system=key, stream=stream_name, error=error, payload=raw,
                                          record_ref=error.record_id, keys=letter_keys(store.keyring, raw))
                    accepted[owner[id(raw)]].dead_lettered += 1
                    failures.append((stream_name, error))
                total += batch.counters
        for stream_name, error in failures:
            self.events.record_failed(error, connector=key, stream=stream_name)
        return outcomes, total

    def _pipeline(self, stream_name: str) -> RecordPipeline:
        """The stream's pipeline, its mapping compiled on the first delivery that names it."""
        with self._building:
            if stream_name not in self._pipelines:
                stream = self.connector.stream(stream_name)
                self._pipelines[stream_name] = pipeline_for(self.connector, stream, self.store, client=self.client,
                                                            key=self.key, validators=self.validators)
            return self._pipelines[stream_name]


def ingest_webhook(
    connector: RestConnector,
    headers: Mapping[str, str],
    raw_body: bytes,
    store: Store,
    *,
    key: str | None = None,
    validators: Sequence[Validator] = (),
    pm: pluggy.PluginManager | None = None,
    query: Mapping[str, str] | None = None,
) -> Counters:
    """Receive one vendor's webhook through a :class:`WebhookReceiver` of its own (see
    :meth:`WebhookReceiver.receive`: what is checked, what is stored, what is raised).
    """
    with WebhookReceiver(connector, store, key=key, validators=validators, pm=pm) as receiver:
        return receiver.receive(headers, raw_body, query=query)
