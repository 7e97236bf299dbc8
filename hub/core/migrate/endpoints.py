"""Where a migration reads from and writes to.

A source is an export file read through the file-export connector and a folder of mapping files
(:class:`FileSource`), or the streams of a configured REST connector (:class:`ConnectorSource`).
A target is the hub store (:class:`StoreTarget`), or the store and a connector that writes
(:class:`~hub.core.migrate.connector_target.ConnectorTarget`). Each is a small class with the few
verbs a migration needs; :func:`open_source` and
:func:`~hub.core.migrate.connector_target.open_target` choose them from the command line, and
:func:`source_from_settings` opens a source again from a checkpoint's settings (``--resume``).

A source's rows are numbered in source order, and :meth:`rows` starts at a given number, that
row included: a resumed migration checks that the row its checkpoint ended on is still there,
unchanged, before it skips to the next (:class:`~hub.core.migrate.resume.ResumePoint`).

Example:
    >>> source = FileSource({"path": "hub/examples/legacy_ai_interview/ai_interview_results.csv",
    ...                      "export": "legacy_ai_interview"})
    >>> source.system, sorted(source.mappings)
    ('legacy_ai_interview', ['application', 'assessment', 'candidate', 'job'])
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from hub.core.config import HubConfig
from hub.core.connector import RestConnector, Stream
from hub.core.errors import ConfigError, HubError, RecordError
from hub.core.events import Events
from hub.core.letter_keys import letter_keys
from hub.core.mapping import CompiledMapping, load_mapping
from hub.core.mapping_files import MappingLookup
from hub.core.migrate.findings import Finding
from hub.core.migrate.header import check_header
from hub.core.plugins import get_plugin_manager, load_registry
from hub.core.runtime import build_connector
from hub.core.store import Prepared, Store

__all__ = [
    "FileSource",
    "ConnectorSource",
    "StoreTarget",
    "SourceRow",
    "open_source",
    "source_from_settings",
    "CHECKPOINT_CONNECTOR",
]

#: One row of a source: its number (None for a line that could not be parsed), its label in
#: findings and reports, the row itself (or why it could not be read), and the entity kinds it
#: holds (None: every mapping of the source applies, as to an export's wide rows).
SourceRow = tuple[int | None, str, "dict[str, Any] | RecordError", "frozenset[str] | None"]

#: The cursor "connector" under which migration checkpoints are kept (stream = run id).
CHECKPOINT_CONNECTOR = "migrate"
#: External ids per read-back query (well under SQLite's 32,766 bound parameters).
_READ_CHUNK = 2000


class FileSource:
    """An export file, mapped by its export's folder of mapping files (file-export connector settings).

    Args:
        settings: the file connector's settings (``path`` and ``export`` or ``mappings``, optional
            ``format``, ``encoding``, ``sheet``, ``delimiter``).
        entities: only these entity kinds (default: every mapping of the export).
        mapping_lookup: where ``export`` is looked up (hub.yaml's ``mappings`` first, then built in).

    Raises:
        MissingColumnsError: the export's header lacks a column the migrated mappings require
            (:mod:`hub.core.migrate.header`); no row has been read.

    Example:
        >>> src = FileSource({"path": "hub/examples/legacy_ai_interview/ai_interview_results.csv",
        ...                   "export": "legacy_ai_interview"}, entities=["job"])
        >>> number, record, row, kinds = next(src.rows())
        >>> number, record, row["应聘岗位"], kinds
        (2, 'ai_interview_results.csv:2', '产品经理', None)
    """

    def __init__(self, settings: dict[str, Any], entities: Iterable[str] | None = None, *,
                 mapping_lookup: MappingLookup = MappingLookup()) -> None:  # fmt: skip
        from plugins.files.export import FileExportConnector

        self.settings = dict(settings)
        self.connector = FileExportConnector(self.settings, mapping_lookup=mapping_lookup)
        every = self.connector.mappings
        wanted = list(entities) if entities else list(every)
        unknown = sorted(set(wanted) - set(every))
        if unknown:
            raise ConfigError(f"the export maps {', '.join(every)}; not {', '.join(unknown)}", system=self.system)
        self.mappings: dict[str, CompiledMapping] = {kind: every[kind] for kind in wanted}
        self.name = self.connector.path.name
        if header := self.connector.header():  # a blank export is reported by the run itself
            check_header(self.name, header, self.mappings.values())

    @property
    def system(self) -> str:
        return self.connector.system

    @property
    def every_mapping(self) -> Iterable[CompiledMapping]:
        """Every mapping of the export, also of kinds not migrated (they decide which columns are read)."""
        return self.connector.mappings.values()

    @staticmethod
    def columns(row: dict[str, Any]) -> list[str]:
        """The row's source columns, for the unmapped-column check (not the ``a|b`` keys the reader adds)."""
        return [key for key in row if "|" not in key]

    def rows(self, start: int = 0) -> Iterator[SourceRow]:
        """The rows numbered ``start`` and above, by line; a line that cannot be parsed comes as an
        error with its line number (None if the reader gave none)."""
        first = next(iter(self.connector.mappings))
        for row in self.connector.read(first):
            if isinstance(row, RecordError):
                number = row.context.get("row")
                if number is None or number >= start:
                    yield number, row.record_id or "", row, None
            elif row.number >= start:
                yield row.number, row.record_id, row, None


class ConnectorSource:
    """The streams of a configured REST connector: every record each lists, from the start.

    Each chosen stream is listed as a full sync pass lists it (the connector's first request,
    paginator and client, with its retries, rate limits and authentication), its pages prepared by
    the connector (:meth:`~hub.core.connector.RestConnector.prepare_page`, e.g. Greenhouse joins
    scorecard attributes) and each record mapped by that stream's mapping only. Records are
    numbered 1, 2, … across the streams, in the connector's stream order (referenced kinds first:
    departments and jobs before candidates and applications). A page lying wholly before ``start``
    is fetched (links lead from page to page) but not prepared.

    Args:
        key: the connector's name in hub.yaml (what ``--source`` and the checkpoint name; its
            settings, credentials included, are read from hub.yaml, never saved with the run).
        connector: the configured connector.
        entities: only the streams of these kinds (default: every stream).
        transport: an httpx transport for the connector's client (tests, proxies).

    Raises:
        ConfigError: a kind no stream reads, or two chosen streams of one kind (choose with ``entities``).
    """

    def __init__(self, key: str, connector: RestConnector, entities: Iterable[str] | None = None, *,
                 transport: httpx.BaseTransport | None = None) -> None:  # fmt: skip
        wanted = set(entities) if entities else {stream.entity for stream in connector.streams}
        unknown = sorted(wanted - {stream.entity for stream in connector.streams})
        if unknown:
            raise ConfigError(f"connector {key!r} has no stream of {', '.join(unknown)}; it reads "
                              f"{', '.join(connector.reads)}", system=connector.name)  # fmt: skip
        self.streams: list[Stream] = [stream for stream in connector.streams if stream.entity in wanted]
        kinds = [stream.entity for stream in self.streams]
        if len(kinds) != len(set(kinds)):
            raise ConfigError(f"connector {key!r} has several streams of one kind ({', '.join(kinds)}); "
                              "choose the kinds with --entities", system=connector.name)  # fmt: skip
        self.key, self.connector, self.transport = key, connector, transport
        self.mappings: dict[str, CompiledMapping] = {
            stream.entity: load_mapping(connector.mapping_path(stream.mapping_file)) for stream in self.streams
        }
        self.settings = {"connector": key}
        self.name = key

    @classmethod
    def configured(cls, key: str, config: HubConfig, entities: Iterable[str] | None) -> ConnectorSource:
        """The connector hub.yaml names ``key``, with its settings. Raises ConfigError if it cannot pull."""
        return cls(key, build_connector(config, load_registry(get_plugin_manager()), key), entities)

    @property
    def system(self) -> str:
        """The system of the records' external ids: the one the mappings name (as in a sync)."""
        return next(iter(self.mappings.values())).system

    @property
    def every_mapping(self) -> Iterable[CompiledMapping]:
        return self.mappings.values()

    @staticmethod
    def columns(row: dict[str, Any]) -> list[str]:
        """No columns: a vendor's record is an API object whose fields the connector may read while it
        prepares the page (Greenhouse joins other responses into ``_hub``), so which of
        them no mapping reads cannot be told from the mappings. Fields a mapping declares but no
        record filled are still reported."""
        return []

    def rows(self, start: int = 0) -> Iterator[SourceRow]:
        """The records numbered ``start`` and above, labelled ``<stream>:<id>``."""
        connector, number = self.connector, 0
        with connector.client(transport=self.transport) as client:
            for stream in self.streams:
                kinds = frozenset({stream.entity})
                for page in connector.pages(client, stream, connector.first_request(stream, since=None)):
                    records = page.records
                    if number + len(records) < start:
                        number += len(records)
                        continue
                    for raw in connector.prepare_page(client, stream, records):
                        number += 1
                        if number < start:
                            continue
                        own = raw.get(stream.primary_key) if isinstance(raw, dict) else None
                        label = f"{stream.name}:{own if own not in (None, '') else f'#{number}'}"
                        if not isinstance(raw, dict):
                            raw = RecordError("the record is not a JSON object", system=self.system,
                                              stream=stream.name, record_id=label)  # fmt: skip
                        yield number, label, raw, kinds


class StoreTarget:
    """The hub store as a migration target: write, look up, read back, checkpoint.

    Example:
        >>> from hub.core.crypto import KeyRing
        >>> store = Store.open("sqlite://", KeyRing.generate()); store.upgrade()
        >>> target = StoreTarget(store, "legacy")
        >>> target.known("job", ["产品经理"])
        set()
    """

    def __init__(self, store: Store, system: str) -> None:
        self.store, self.system = store, system

    def forget_connections(self) -> None:
        """In a forked child: see :meth:`Store.forget_connections`."""
        self.store.forget_connections()

    @property
    def forkable(self) -> bool:
        """Whether a forked child can read this target: not an in-memory SQLite database, which a new
        connection would see empty."""
        url = self.store.engine.url
        return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))

    def ready(self) -> bool:
        """True when the database has its tables (a dry run never creates them)."""
        return self.store.current_revision() is not None

    def write(self, tx: sa.Connection, prepared: list[Prepared], run_id: str) -> list[str]:
        """Upsert records prepared by the store's codec (:func:`~hub.core.migrate.validate.prepare_rows`);
        their hub ids, in order."""
        if not prepared:
            return []
        return self.store.upsert_prepared(tx, self.system, prepared, origin=f"migrate:{run_id}"[:64]).ids

    def deliver(self, run_id: str, events: Events | None = None) -> None:
        """Nothing to deliver: the store is the whole target (see :class:`~hub.core.migrate.connector_target.ConnectorTarget`)."""

    def delivery_findings(self, run_id: str) -> dict[str, list[Finding]]:
        """``{kind: findings}`` of records written but not delivered, or delivered otherwise: none, for the store."""
        return {}

    def known(self, kind: str, exts: Iterable[str]) -> set[str]:
        """Which of ``exts`` the target holds for this system and ``kind``."""
        return self.store.known_external_ids(self.system, kind, exts)

    def read_back(self, kind: str, exts: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(external id, {field: JSON text})`` — the row's data fields and its decrypted PII, as
        stored — for the ids held, in no particular order.

        The stored row is read as it is (no model is rebuilt, no value parsed): reconciliation
        compares what the target holds, so it must not be normalized by the same code that wrote
        it. Yielded one at a time so the caller digests each record and drops it: parsing a chunk's
        rows into a dict first and digesting them afterwards cost ~29 µs an assessment, one at a
        time ~16.
        """
        return self.store.fields_as_stored(self.system, kind, exts, chunk_size=_READ_CHUNK)

    def count(self, kind: str) -> int:
        return self.store.count_external_ids(self.system, kind)

    def save_checkpoint(self, tx: sa.Connection, run_id: str, state: dict[str, Any]) -> None:
        self.store.set_cursor(tx, CHECKPOINT_CONNECTOR, run_id, json.dumps(state, ensure_ascii=False))

    def load_checkpoint(self, run_id: str) -> dict[str, Any]:
        """The last committed state of run ``run_id``. Raises ConfigError if there is none."""
        text = self.store.get_cursor(None, CHECKPOINT_CONNECTOR, run_id) if self.ready() else None
        if text is None:
            raise ConfigError(f"no migration run {run_id!r} to resume in this database")
        return json.loads(text)

    def dead_letter(self, tx: sa.Connection, run_id: str, error: HubError, payload: Any, kind: str, record: str,
                    links: Iterable[tuple[str, str]]) -> None:  # fmt: skip
        """Keep a rejected record (payload encrypted) so it can be fixed and replayed, keyed by the PII
        it holds and its ``links`` (the records its row makes) so an erasure finds it."""
        self.store.add_dead_letter(tx, system=self.system, error=error, payload=payload, stream=kind,
                                   record_ref=record[:255], run_id=run_id,
                                   keys=letter_keys(self.store.keyring, payload, links))  # fmt: skip


#: A migration's source, whichever kind.
Source = FileSource | ConnectorSource


def open_source(spec: str, config: HubConfig, *, export: str | None, mappings: str | None,
                entities: Iterable[str] | None) -> Source:  # fmt: skip
    """The source ``spec`` names: an export file (with ``export`` or ``mappings``), a configured
    ``files`` connector of hub.yaml, a configured connector whose export file is set
    (:meth:`~hub.core.connector.RestConnector.export_settings`: the AI-interview vendors), or any
    other configured connector that pulls (its streams).

    Raises:
        ConfigError: unknown source, a connector that cannot be read, no mappings.
    """
    if spec in config.connectors:
        if config.connectors[spec].type == "files":
            return FileSource(config.connectors[spec].settings, entities, mapping_lookup=config.mapping_lookup)
        connector = build_connector(config, load_registry(get_plugin_manager()), spec)
        export = connector.export_settings()  # a vendor without an API: its export file instead
        if export is not None:
            return FileSource(export, entities, mapping_lookup=config.mapping_lookup)
        return ConnectorSource(spec, connector, entities)
    if not Path(spec).is_file():
        raise ConfigError(f"--source {spec!r} is neither a file nor a connector configured in hub.yaml")
    if not (export or mappings):
        raise ConfigError("an export file needs --export NAME (a mapping folder files/NAME/) or --mappings DIR")
    settings = {"path": spec, **({"export": export} if export else {}), **({"mappings": mappings} if mappings else {})}
    return FileSource(settings, entities, mapping_lookup=config.mapping_lookup)


def source_from_settings(settings: dict[str, Any], config: HubConfig, entities: Iterable[str] | None) -> Source:
    """The source a job's saved settings name (``--resume``): a connector by its hub.yaml name, or
    an export file by its file connector settings."""
    if "connector" in settings:
        return ConnectorSource.configured(settings["connector"], config, entities)
    return FileSource(settings, entities, mapping_lookup=config.mapping_lookup)
