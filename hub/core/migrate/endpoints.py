"""Where a migration reads from and writes to.

A source is an export file read through the file-export connector and a folder of mapping files
(:class:`FileSource`). A target is the hub store (:class:`StoreTarget`). Both are small classes with
the few verbs a migration needs, so another source (a configured connector stream) or a writing
connector as target plugs in by implementing the same verbs; :func:`open_source` and
:func:`open_target` are where they would be chosen.

Example:
    >>> source = FileSource({"path": "examples/legacy_ai_interview/ai_interview_results.csv",
    ...                      "export": "legacy_ai_interview"})
    >>> source.system, sorted(source.mappings)
    ('legacy_ai_interview', ['application', 'assessment', 'candidate', 'job'])
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hub.core.config import HubConfig
from hub.core.errors import ConfigError, HubError, RecordError
from hub.core.mapping import CompiledMapping
from hub.core.store import Store, bulk
from hub.core.store import schema as t
from hub.core.store.codec import Prepared, field_texts

__all__ = ["FileSource", "StoreTarget", "open_source", "open_target", "CHECKPOINT_CONNECTOR"]

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

    Example:
        >>> src = FileSource({"path": "examples/legacy_ai_interview/ai_interview_results.csv",
        ...                   "export": "legacy_ai_interview"}, entities=["job"])
        >>> number, record, row = next(src.rows())
        >>> number, record, row["应聘岗位"]
        (2, 'ai_interview_results.csv:2', '产品经理')
    """

    def __init__(self, settings: dict[str, Any], entities: Iterable[str] | None = None) -> None:
        from plugins.files.export import FileExportConnector

        self.settings = dict(settings)
        self.connector = FileExportConnector(self.settings)
        every = self.connector.mappings
        wanted = list(entities) if entities else list(every)
        unknown = sorted(set(wanted) - set(every))
        if unknown:
            raise ConfigError(f"the export maps {', '.join(every)}; not {', '.join(unknown)}", system=self.system)
        self.mappings: dict[str, CompiledMapping] = {kind: every[kind] for kind in wanted}
        self.name = self.connector.path.name

    @property
    def system(self) -> str:
        return self.connector.system

    def rows(self, after: int = 0) -> Iterator[tuple[int | None, str, dict[str, Any] | RecordError]]:
        """(row number, record label, row) for rows numbered above ``after``; unparsable lines as errors."""
        first = next(iter(self.connector.mappings))
        for row in self.connector.read(first):
            if isinstance(row, RecordError):
                yield None, row.record_id or "", row
                continue
            if row.number > after:
                yield row.number, row.record_id, row


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

    def write(self, tx: sa.Connection, prepared: list[Prepared], run_id: str) -> None:
        """Upsert records prepared by the store's codec (:func:`~hub.core.migrate.validate.prepare_rows`)."""
        if prepared:
            self.store.upsert_prepared(tx, self.system, prepared, origin=f"migrate:{run_id}"[:64])

    def known(self, kind: str, exts: Iterable[str]) -> set[str]:
        """Which of ``exts`` the target holds for this system and ``kind``."""
        x = t.external_ids
        query = sa.select(x.c.external_id).where(
            x.c.system == self.system, x.c.kind == kind, x.c.external_id.in_(sa.bindparam("ids", expanding=True))
        )
        wanted, found = sorted(set(exts)), set()
        with self.store.reading() as conn:
            for start in range(0, len(wanted), 500):
                found.update(conn.execute(query, {"ids": wanted[start : start + 500]}).scalars())
        return found

    def read_back(self, kind: str, exts: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(external id, {field: JSON text})`` — the row's data fields and its decrypted PII, as
        stored — for the ids held, in no particular order.

        The stored row is read as it is (no model is rebuilt, no value parsed): reconciliation
        compares what the target holds, so it must not be normalized by the same code that wrote
        it. Yielded one at a time so the caller digests each record and drops it: parsing a chunk's
        rows into a dict first and digesting them afterwards cost ~29 µs an assessment, one at a
        time ~16.
        """
        codec = self.store.codec
        with self.store.reading() as conn:
            for start in range(0, len(exts), _READ_CHUNK):
                chunk = exts[start : start + _READ_CHUNK]
                for ext, entity_id, data, pii in bulk.by_external_id(conn, self.system, kind, chunk, read="content"):
                    texts = field_texts(data)
                    texts.update((name, text.encode()) for name, text in codec.pii_texts(kind, entity_id, pii).items())
                    yield ext, texts

    def count(self, kind: str) -> int:
        x = t.external_ids
        query = sa.select(sa.func.count()).where(x.c.system == self.system, x.c.kind == kind)
        with self.store.reading() as conn:
            return int(conn.execute(query).scalar_one())

    def save_checkpoint(self, tx: sa.Connection, run_id: str, state: dict[str, Any]) -> None:
        self.store.set_cursor(tx, CHECKPOINT_CONNECTOR, run_id, json.dumps(state, ensure_ascii=False))

    def load_checkpoint(self, run_id: str) -> dict[str, Any]:
        """The last committed state of run ``run_id``. Raises ConfigError if there is none."""
        text = self.store.get_cursor(None, CHECKPOINT_CONNECTOR, run_id) if self.ready() else None
        if text is None:
            raise ConfigError(f"no migration run {run_id!r} to resume in this database")
        return json.loads(text)

    def dead_letter(self, tx: sa.Connection, run_id: str, error: HubError, payload: Any, kind: str, record: str) -> None:
        """Keep a rejected record (payload encrypted) so it can be fixed and replayed."""
        self.store.add_dead_letter(tx, system=self.system, error=error, payload=payload, stream=kind,
                                   record_ref=record[:255], run_id=run_id)  # fmt: skip


def open_source(spec: str, config: HubConfig, *, export: str | None, mappings: str | None,
                entities: Iterable[str] | None) -> FileSource:  # fmt: skip
    """The source ``spec`` names: an export file (with ``export`` or ``mappings``) or a configured
    ``files`` connector of hub.yaml.

    Raises:
        ConfigError: unknown source, a connector type that cannot be migrated from yet, no mappings.
    """
    if spec in config.connectors:
        connector = config.connectors[spec]
        if connector.type != "files":
            raise ConfigError(
                f"connector {spec!r} is of type {connector.type!r}; migrating from connector streams is not "
                "supported yet — export the data to a file, or configure a `files` connector"
            )
        return FileSource(connector.settings, entities)
    if not Path(spec).is_file():
        raise ConfigError(f"--source {spec!r} is neither a file nor a connector configured in hub.yaml")
    if not (export or mappings):
        raise ConfigError("an export file needs --export NAME (mapping/files/NAME/) or --mappings DIR")
    settings = {"path": spec, **({"export": export} if export else {}), **({"mappings": mappings} if mappings else {})}
    return FileSource(settings, entities)


def open_target(spec: str, store: Store, system: str) -> StoreTarget:
    """The target ``spec`` names; only ``store`` is supported (connector targets need delivery).

    Raises:
        ConfigError: any other target.
    """
    if spec != "store":
        raise ConfigError(f"--target {spec!r}: only `store` (the hub store) is supported as a migration target yet")
    return StoreTarget(store, system)
