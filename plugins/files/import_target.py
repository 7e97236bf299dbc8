"""Import-file target: changed entities written as CSV, XLSX or JSONL files for systems that import
spreadsheets instead of offering an API (many payroll and ERP installations).

Each delivery pass writes one file per entity kind into ``directory``, named
``<prefix><kind>-<UTC time>.<format>``; the columns are the reverse mapping's payload keys
(``hub/mappings/files/<mappings>/<kind>.yaml``, nested keys dotted) plus ``hub_id`` and
``hub_delivery_key`` (the hub's bookkeeping columns). A file is written under a temporary name and
renamed into place, so an importer never sees half a file; outbox entries are marked delivered only after
the rename. A crash between the rename and that bookkeeping writes the same rows again in the next file,
with the same ``hub_delivery_key`` — importers that upsert by key (or by 工号 / employee number) take it once.

``bookkeeping_columns: false`` leaves the two bookkeeping columns out, for import templates (金蝶, 用友)
that reject columns they do not know. The read-back then matches a row to its record by the mapping's
``record_id`` column (工号, 录用编号), remembered as each row is handed over; a record whose reverse
mapping writes no such id cannot be matched, so its delivery fails with an error naming the column.

Spreadsheet formula injection (CWE-1236), per OWASP ASVS 5.0 1.2.10: a spreadsheet must never
evaluate a value as a formula. XLSX cells are typed, so every text is written as a text cell (an
inline string, never a formula cell) exactly as it is: ``=1+1`` shows as ``=1+1``, with no stray
apostrophe. CSV has no types, so a text cell (header included) whose first character is ``=``,
``+``, ``-``, ``@``, tab, carriage return or NUL gets a leading single quote, and so does one that
already starts with a quote; the read-back (:meth:`ImportFileTarget.read_back`) takes exactly one
leading quote off, so a migration compares what was meant, not the neutralized text. XLSX cannot
hold control characters other than tab, CR and LF (XML 1.0): they are written as U+FFFD. JSONL is
typed JSON, not a spreadsheet, and is written as is.

Every setting and how the mapping folder is found: docs/connectors/files_import.md. Example hub.yaml::

    connectors:
      payroll_import:
        type: files_import
        settings:
          directory: /srv/payroll/inbox
          format: xlsx                  # csv (default) | xlsx | jsonl
          mappings: payroll_import      # files/payroll_import/<kind>.yaml (default: the connector name)
          encoding: utf-8-sig           # CSV only; the BOM lets Excel open UTF-8 Chinese text
          bookkeeping_columns: false    # no hub_id / hub_delivery_key columns (default: true)
    routes:
      - name: accepted-offers-to-payroll
        entity: offer
        target: payroll_import
        when: [{field: status, changed_to: accepted}]
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from hub import hookimpl
from hub.core.connector import Category, Connector
from hub.core.delivery import Delivery, DeliveryTarget
from hub.core.errors import ConfigError, PermanentConnectorError, RecordError
from hub.core.mapping import CompiledMapping, load_mapping
from hub.core.mapping_files import MappingLookup
from hub.core.models import ENTITY_TYPES, Entity
from hub.core.private import create_private, open_private, private_folder
from plugins.files.readers import Row, read_rows

__all__ = ["ImportFileTarget", "flatten", "neutralize", "unneutralize"]

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
_QUOTE = "'"
_FORMATS = ("csv", "xlsx", "jsonl")


def neutralize(value: Any) -> Any:
    """A CSV cell a spreadsheet will not evaluate: text starting with a formula trigger gets a ``'``,
    and so does text starting with ``'`` (so :func:`unneutralize` can always take one off).

    Example:
        >>> neutralize("=HYPERLINK(\\"http://x\\")"), neutralize("-2+3"), neutralize("王芳"), neutralize(42)
        ('\\'=HYPERLINK("http://x")', "'-2+3", '王芳', 42)
        >>> neutralize("'quoted")
        "''quoted"
    """
    if isinstance(value, str) and value.startswith((*_FORMULA_TRIGGERS, _QUOTE)):
        return _QUOTE + value
    return value


def unneutralize(value: Any) -> Any:
    """The text :func:`neutralize` was given: one leading ``'`` taken off.

    Example:
        >>> [unneutralize(neutralize(text)) for text in ("=1+1", "'quoted", "王芳")]
        ['=1+1', "'quoted", '王芳']
    """
    return value[1:] if isinstance(value, str) and value.startswith(_QUOTE) else value


def flatten(payload: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested payload keys as dotted column names; lists as compact JSON text.

    Example:
        >>> flatten({"a": {"b": 1}, "tags": ["x", "y"]})
        {'a.b': 1, 'tags': '["x","y"]'}
    """
    flat: dict[str, Any] = {}
    for key, value in payload.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        elif isinstance(value, list):
            flat[name] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        else:
            flat[name] = value
    return flat


class ImportFileTarget(DeliveryTarget, Connector):
    """Writes delivered entities as import files (see the module docstring for settings).

    Example:
        >>> target = ImportFileTarget({"directory": "/tmp", "target_name": "payroll_import"})
        >>> target.reverse_mapping("employee").system
        'payroll_import'
    """

    name = "files_import"
    category = Category.FILES
    title = "Import files (CSV / XLSX / JSONL)"
    writes: ClassVar[tuple[str, ...]] = tuple(ENTITY_TYPES)
    batched = True
    required_settings = ("directory",)
    default_settings = {"format": "csv", "encoding": "utf-8-sig", "prefix": "", "bookkeeping_columns": True}
    optional_settings = ("mappings",)

    def __init__(self, settings: dict[str, Any] | None = None, *,
                 mapping_lookup: MappingLookup = MappingLookup()) -> None:  # fmt: skip
        super().__init__(settings, mapping_lookup=mapping_lookup)
        self.format = str(self.settings["format"]).lower()
        if self.format not in _FORMATS:
            raise ConfigError(f"format must be one of {', '.join(_FORMATS)}, not {self.format!r}", system=self.target_name)
        self.directory = Path(self.settings["directory"])
        self.bookkeeping = self.settings["bookkeeping_columns"]
        if not isinstance(self.bookkeeping, bool):
            raise ConfigError(f"bookkeeping_columns must be true or false, not {self.bookkeeping!r}", system=self.target_name)
        self._hub_ids: dict[str, dict[str, str]] = {}  # kind -> {row's own id: hub id}, without bookkeeping columns
        self._rows: dict[str, list[dict[str, Any]]] = {}
        self._written: dict[str, list[Path]] = {}  # kind -> files this instance wrote, for read_back

    @property
    def target_name(self) -> str:
        return str(self.settings.get("target_name") or self.name)

    def reverse_mapping(self, kind: str) -> CompiledMapping:
        folder = self.settings.get("mappings") or self.target_name
        return load_mapping(self.mapping_path(f"{kind}.yaml", system=str(folder)))

    def deliver(self, item: Delivery) -> None:
        """Hold the row until :meth:`finish` writes the pass's files; files have no ids to return.

        Raises:
            PermanentConnectorError: without bookkeeping columns, the row has no id in the mapping's
                ``record_id`` column, so it could never be matched to its record when read back.
        """
        row = flatten(item.payload)
        if self.bookkeeping:
            row = {"hub_id": item.entity_id, "hub_delivery_key": item.key, **row}
        else:
            mapping = self.reverse_mapping(item.kind)
            own_id = mapping.own_id(row)
            if own_id is None:
                raise PermanentConnectorError(
                    f"without bookkeeping columns a row is matched by its {mapping.record_id_path!r} column, "
                    "which the reverse mapping left empty for this record", system=self.target_name,
                    entity=item.kind, record_id=item.entity_id, field_path=mapping.record_id_path)  # fmt: skip
            self._hub_ids.setdefault(item.kind, {})[own_id] = item.entity_id
        self._rows.setdefault(item.kind, []).append(row)

    def finish(self) -> None:
        """Write one file per kind (temporary name, then an atomic rename) and forget the rows."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        try:
            private_folder(self.directory)
            for kind, rows in self._rows.items():
                final = self.directory / f"{self.settings['prefix']}{kind}-{stamp}.{self.format}"
                partial = create_private(final.with_name(final.name + ".partial"))  # salaries, ID numbers
                getattr(self, f"_write_{self.format}")(partial, _columns(rows), rows)
                os.replace(partial, final)
                self._written.setdefault(kind, []).append(final)
        except OSError as exc:
            raise PermanentConnectorError(f"cannot write the import file: {exc.strerror}", system=self.target_name) from None
        finally:
            self._rows = {}

    def read_back(self, kind: str) -> Iterator[tuple[str, Entity | RecordError]] | None:
        """The files of ``kind`` this instance wrote, read back through the forward rules of the
        same mapping (the rules an importer's file is read with); None when it has none."""
        mapping = self.reverse_mapping(kind)
        if not mapping.target_fields:
            return None
        return self._read_back(kind, mapping)

    def _read_back(self, kind: str, mapping: CompiledMapping) -> Iterator[tuple[str, Entity | RecordError]]:
        encoding = self.settings["encoding"] if self.format == "csv" else None
        for path in self._written.get(kind, []):
            if not path.is_file():  # moved away (an importer took it) or deleted: its records are not held
                continue
            for row in read_rows(path, format=self.format, encoding=encoding, checked=False):
                if isinstance(row, RecordError):
                    yield "", row
                    continue
                if self.format == "csv":
                    row = Row({unneutralize(key): unneutralize(value) for key, value in row.items()},
                              file=row.file, number=row.number)  # fmt: skip
                hub_id = self._hub_id(kind, mapping, row)
                try:
                    yield hub_id, mapping.to_entity(row, record_id=hub_id)
                except RecordError as exc:
                    yield hub_id, exc

    def _hub_id(self, kind: str, mapping: CompiledMapping, row: Row) -> str:
        """The hub id of the record a read-back row holds: its ``hub_id`` column, or without
        bookkeeping columns the record this instance handed over with the row's own id ("" if none)."""
        if self.bookkeeping:
            return str(row.get("hub_id") or "")
        return self._hub_ids.get(kind, {}).get(mapping.own_id(row) or "", "")

    def _write_csv(self, path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
        with open_private(path, "w", newline="", encoding=self.settings["encoding"]) as handle:
            writer = csv.writer(handle)
            writer.writerow([neutralize(c) for c in columns])
            writer.writerows([neutralize(_cell(row.get(c))) for c in columns] for row in rows)
            handle.flush()
            os.fsync(handle.fileno())

    def _write_xlsx(self, path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        def cell(value: Any) -> Any:
            value = _cell(value)
            if not isinstance(value, str):
                return value
            text = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))  # XML 1.0 holds no NUL
            text.data_type = "s"  # a text cell, never a formula, whatever the text starts with
            return text

        book = Workbook(write_only=True)
        sheet = book.create_sheet("import")
        sheet.append([cell(c) for c in columns])
        for row in rows:
            sheet.append([cell(row.get(c)) for c in columns])
        book.save(path)

    def _write_jsonl(self, path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
        with open_private(path, "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(key for row in rows for key in row))


def _cell(value: Any) -> Any:
    """Spreadsheet cells take text, numbers and booleans; None is an empty cell."""
    return "" if value is None else value


@hookimpl
def hub_register_connectors() -> list[type[Connector]]:
    """The entry point ``files_import = "plugins.files.import_target"`` registers this module."""
    return [ImportFileTarget]
