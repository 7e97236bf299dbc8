"""File-export connector: reads CSV, XLSX and JSONL exports of legacy HR systems.

A legacy export is a file, not an API: one row holds what the canonical model splits into several
entities (a candidate, the job, the application, the interview result). So an export is described by
a folder of mapping files, one per entity (``files/<export>/<entity>.yaml`` in the mapping folders, see :mod:`hub.core.mapping_files`), all applied to
every row. :meth:`FileExportConnector.read` streams the raw rows; :meth:`FileExportConnector.map_rows`
streams, per row, the validated canonical entities and the typed errors — one bad row (or one bad
field of a row) never stops the file.

Example hub.yaml::

    connectors:
      legacy:
        type: files
        settings:
          path: exports/ai_interview_results.csv
          export: legacy_ai_interview          # hub/mappings/files/legacy_ai_interview/*.yaml
          # format: csv | xlsx | jsonl         (from the extension)
          # encoding: gbk                      (detected for CSV)
          # sheet: AI面试结果                   (XLSX; the first sheet by default)
          # mappings: path/to/mapping/folder   (instead of export)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from hub import hookimpl
from hub.core.connector import Category, Connector
from hub.core.errors import ConfigError, RecordError
from hub.core.mapping import CompiledMapping, load_mapping
from hub.core.mapping_files import MappingLookup, mapping_files
from hub.core.mapping.paths import parse_path
from hub.core.models import Entity, Provenance

from ..readers import Row, detect_format, read_header, read_rows
from .columns import ColumnLists
from .duplicates import DuplicateGuard

__all__ = ["FileExportConnector", "MappedRow"]



@dataclass(frozen=True)
class MappedRow:
    """What one row of an export became: its canonical entities and the errors of the rest.

    Example:
        >>> MappedRow(record_id="export.csv:2").errors
        []
    """

    record_id: str
    entities: list[Entity] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)


class FileExportConnector(Connector):
    """Reads export files row by row; columns are mapped by the export's folder of mapping files.

    Example:
        >>> connector = FileExportConnector({
        ...     "path": "hub/examples/legacy_ai_interview/ai_interview_results.csv", "export": "legacy_ai_interview"})
        >>> sorted(connector.mappings)
        ['application', 'assessment', 'candidate', 'job']
        >>> first = next(connector.map_rows())
        >>> first.record_id, [entity.kind for entity in first.entities]
        ('ai_interview_results.csv:2', ['application', 'assessment', 'candidate', 'job'])
    """

    name = "files"
    category = Category.FILES
    title = "CSV / XLSX / JSONL export files"
    reads = ("candidate", "job", "application", "assessment", "employee")
    required_settings = ("path",)
    optional_settings = ("format", "encoding", "sheet", "delimiter", "export", "mappings")

    #: Canonical fields that identify one person: a second external id with the same value is held back.
    unique_fields: dict[str, tuple[str, ...]] = {"candidate": ("national_id",), "employee": ("national_id",)}

    def __init__(self, settings: dict[str, Any] | None = None, *,
                 mapping_lookup: MappingLookup = MappingLookup()) -> None:  # fmt: skip
        super().__init__(settings, mapping_lookup=mapping_lookup)
        if not (self.settings.get("mappings") or self.settings.get("export")):
            raise ConfigError("set `export` (the mappings files/<export>/) or `mappings` (a folder)", system=self.name)
        self.path = Path(self.settings["path"])

    @property
    def mapping_source(self) -> str:
        """Where this export's mapping files come from, for messages: the ``mappings`` folder or ``files/<export>``."""
        return str(self.settings.get("mappings") or f"files/{self.settings['export']}")

    def _mapping_files(self) -> list[Path]:
        """The ``mappings`` folder's files, else ``files/<export>/`` (user folders first, then built in)."""
        if self.settings.get("mappings"):
            folder = Path(self.settings["mappings"])
            return mapping_files(folder) if folder.is_dir() else []
        return list(self.mapping_lookup.folder(self.mapping_package, str(self.category), str(self.settings["export"])).values())

    @cached_property
    def mappings(self) -> dict[str, CompiledMapping]:
        """Entity kind -> compiled mapping, one per file of :attr:`mapping_source` (compiled once).

        Raises:
            ConfigError: no mapping files there, or two for one entity, or two systems.
            MappingCompileError: a mapping file is wrong (file and line).
        """
        files = self._mapping_files()
        if not files:
            raise ConfigError(f"no mapping files in {self.mapping_source}", system=self.name)
        compiled: dict[str, CompiledMapping] = {}
        for path in files:
            mapping = load_mapping(path)
            if mapping.entity in compiled:
                raise ConfigError(f"two mappings for {mapping.entity}: {compiled[mapping.entity].file}, {path}")
            compiled[mapping.entity] = mapping
        systems = {mapping.system for mapping in compiled.values()}
        if len(systems) != 1:
            raise ConfigError(f"the mappings in {self.mapping_source} name several systems: {sorted(systems)}")
        return dict(sorted(compiled.items()))

    @property
    def system(self) -> str:
        """The system name the export's mappings use (errors and ``external_ids``)."""
        return next(iter(self.mappings.values())).system

    def header(self) -> tuple[str, ...] | None:
        """The export's columns, from its header row alone (``()`` for a blank file); None for JSON
        Lines, which has no header row: each line carries its own keys, and one a line leaves out
        may be on every other.

        Raises:
            UnreadableFileError: the file is missing, of unknown format or undecodable.
        """
        settings = self.settings
        if (settings.get("format") or detect_format(self.path)) == "jsonl":
            return None
        return read_header(self.path, format=settings.get("format"), encoding=settings.get("encoding"),
                           sheet=settings.get("sheet"), delimiter=settings.get("delimiter"))  # fmt: skip

    def read(self, entity: str) -> Iterator[Row | RecordError]:
        """The export's rows as ``entity``'s mapping reads them (column lists filled), streamed.

        A JSONL line that cannot be parsed comes as a :class:`RecordError` in its place.

        Raises:
            ConfigError: the export has no mapping for ``entity``.
            UnreadableFileError: the file is missing, of unknown format or undecodable.
        """
        if entity not in self.mappings:
            raise ConfigError(f"the export maps {', '.join(self.mappings)}, not {entity!r}", system=self.system)
        return self._rows()

    def map_rows(self) -> Iterator[MappedRow]:
        """Per row: every entity its mappings produce, validated, and the typed errors of the others.

        Errors name the row (``file:row``, with the mapping's own id in brackets), the field, the
        source column and the reason, PII masked. Entities carry provenance (system, file, when the
        run started, hash of the row) and, as ``remote_data``, only the columns their mapping reads.
        """
        mappings = self.mappings
        kept = {kind: _top_keys(mapping.source_paths) for kind, mapping in mappings.items()}
        guard = DuplicateGuard(self.unique_fields)
        started = dt.datetime.now(dt.timezone.utc)
        for row in self._rows():
            if isinstance(row, RecordError):
                yield MappedRow(row.record_id or "", errors=[_relabel(row, self.system, row.record_id or "")])
                continue
            provenance = Provenance(system=self.system, stream=row.file, fetched_at=started, raw_hash=_hash(row))
            result = MappedRow(row.record_id)
            for kind, mapping in mappings.items():
                try:
                    entity = mapping.to_entity(row, record_id=row.record_id)
                    guard.check(kind, entity.model_dump(), self.system, row.record_id)
                except RecordError as exc:
                    result.errors.append(_relabel(exc, self.system, row.record_id))
                    continue
                entity.provenance = provenance
                entity.remote_data = {key: row[key] for key in kept[kind] if key in row}
                result.entities.append(entity)
            yield result

    def _rows(self) -> Iterator[Row | RecordError]:
        settings = self.settings
        rows = read_rows(
            self.path,
            format=settings.get("format"),
            encoding=settings.get("encoding"),
            sheet=settings.get("sheet"),
            delimiter=settings.get("delimiter"),
        )
        lists = ColumnLists.from_source_paths(path for m in self.mappings.values() for path in m.source_paths)
        return (row if isinstance(row, RecordError) else lists.fill(row) for row in rows)


def _top_keys(paths: frozenset[str]) -> frozenset[str]:
    return frozenset(str(parse_path(path.split("[*]", 1)[0])[0]) for path in paths)


def _hash(row: Row) -> str:
    text = json.dumps(row, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _relabel(error: RecordError, system: str, where: str) -> RecordError:
    """The same error, naming the row first and the record's own id (if any) after it."""
    own = error.context.get("record_id")
    label = where if own in (None, where) else f"{where} ({own})"
    return type(error)(error.reason, **{**error.context, "system": error.system or system, "record_id": label})


@hookimpl
def hub_register_connectors() -> list[type[Connector]]:
    return [FileExportConnector]
