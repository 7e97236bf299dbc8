"""The rows a migration rejected, as a CSV a person fixes and imports again with the same mapping.

Its columns are the source's, then ``hub_row`` (the row's number in the source) and ``hub_reason``
(why, PII masked); the migration ignores the two (:data:`~hub.core.migrate.checks.HUB_COLUMNS`), so the fixed file goes back through ``hub migrate``
as it is. The file is named after the run, never after a person, and created mode 0600. Personal
data is masked unless the user asks for it (``--rejected-with-pii``): only columns a mapping reads
as non-personal stay plain — a column no mapping reads may hold anything, so it is masked too.

Example:
    >>> masked_columns(["姓名", "应聘岗位", "备注"], pii={"姓名"}, read={"姓名", "应聘岗位"})
    ['姓名', '备注']
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path

from hub.core.errors import RecordError, mask
from hub.core.migrate.checks import HUB_COLUMNS, source_columns
from hub.core.migrate.endpoints import Source
from hub.core.private import open_private

__all__ = ["write_rejected_rows", "masked_columns", "rejected_rows_name", "ROW_COLUMN", "REASON_COLUMN"]

ROW_COLUMN, REASON_COLUMN = HUB_COLUMNS


def rejected_rows_name(run_id: str) -> str:
    """The CSV's file name: the run's, so a report and its rows are found together."""
    return f"rejected-rows-{run_id}.csv"


def masked_columns(columns: Iterable[str], *, pii: set[str], read: set[str]) -> list[str]:
    """The columns to mask: those a mapping reads as personal data, and those no mapping reads."""
    return [column for column in columns if column in pii or column not in read]


def write_rejected_rows(source: Source, rejected: Mapping[int, list[str]], path: Path, *, with_pii: bool = False) -> None:
    """Write the source rows numbered in ``rejected`` to ``path`` (UTF-8 with a BOM, for
    spreadsheets). A row the reader could not parse has only its number and reason."""
    mappings = list(source.every_mapping)
    pii = source_columns(path for mapping in mappings for path in mapping.pii_source_paths)
    read = source_columns(path for mapping in mappings for path in mapping.source_paths)
    columns: list[str] = []
    hidden: set[str] = set()
    with open_private(path, "w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        for number, _, row, _ in source.rows():
            if not columns and not isinstance(row, RecordError):
                columns = source.columns(row)
                hidden = set() if with_pii else set(masked_columns(columns, pii=pii, read=read))
                writer.writerow([*columns, ROW_COLUMN, REASON_COLUMN])
            if number not in rejected:
                continue
            values = {} if isinstance(row, RecordError) else row
            writer.writerow([*(_cell(values.get(column), column in hidden) for column in columns), number,
                             "; ".join(rejected[number])])  # fmt: skip


def _cell(value: object, hide: bool) -> object:
    return mask(value) if hide and value not in (None, "") else ("" if value is None else value)
