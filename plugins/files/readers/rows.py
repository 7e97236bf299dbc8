"""Rows as the readers yield them: a dict keyed by header that remembers where it came from.

Headers in legacy exports are typed by hand: stray spaces (including the full-width U+3000 that
Chinese input methods produce), a byte-order mark glued to the first header, merged or empty cells.
:func:`make_headers` cleans them once per file so mapping files can say ``姓名`` and mean it.

Example:
    >>> headers = make_headers(["\\ufeff姓名\\u3000", None, " 姓名"])
    >>> headers
    ('姓名', 'column_2', '姓名_2')
    >>> row = build_row(headers, ["张伟", "", "x", ""], file="a.csv", number=2)
    >>> dict(row), row.record_id
    ({'姓名': '张伟', 'column_2': '', '姓名_2': 'x'}, 'a.csv:2')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["Row", "clean_header", "make_headers", "build_row", "is_blank"]

# Not whitespace to str.strip(), but invisible in every editor: BOM and zero-width characters.
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"


class Row(dict[str, Any]):
    """One data row keyed by header, with its provenance: the file name and its row (or line) number.

    ``number`` is the row number a person sees when opening the file: spreadsheet rows for CSV and
    XLSX (the header row usually being 1), line numbers for JSONL. :attr:`record_id` is what errors
    name when the mapping cannot tell a better id.

    Example:
        >>> row = Row({"姓名": "李娜"}, file="export.csv", number=7)
        >>> row["姓名"], row.record_id
        ('李娜', 'export.csv:7')
    """

    __slots__ = ("file", "number")

    def __init__(self, values: Any = (), /, *, file: str, number: int) -> None:
        super().__init__(values)
        self.file = file
        self.number = number

    @property
    def record_id(self) -> str:
        return f"{self.file}:{self.number}"

    def __repr__(self) -> str:
        return f"Row({self.record_id}, {len(self)} columns)"  # never the values: they hold PII


def clean_header(value: Any) -> str:
    """Header text without surrounding (incl. full-width) whitespace, BOM or zero-width characters."""
    if value is None:
        return ""
    return str(value).strip().strip(_INVISIBLE).strip()


def make_headers(cells: Sequence[Any]) -> tuple[str, ...]:
    """Clean a header row: empty (or merged-away) cells become ``column_<n>``, repeats get ``_2``, ``_3``.

    Trailing empty header cells are dropped: spreadsheets often report a few phantom columns.
    """
    names = [clean_header(cell) for cell in cells]
    while names and not names[-1]:
        names.pop()
    seen: dict[str, int] = {}
    headers = []
    for position, name in enumerate(names, start=1):
        name = name or f"column_{position}"
        count = seen.get(name, 0) + 1
        seen[name] = count
        headers.append(name if count == 1 else f"{name}_{count}")
    return tuple(headers)


def build_row(headers: tuple[str, ...], values: Sequence[Any], *, file: str, number: int) -> Row:
    """Key ``values`` by ``headers``; a short row gets ``None`` for missing cells. Blank cells beyond
    the headers are dropped; a row with filled ones never gets here (:mod:`.integrity` refuses it)."""
    row = Row(zip(headers, values), file=file, number=number)
    for header in headers[len(values) :]:
        row[header] = None
    return row


def is_blank(values: Iterable[Any]) -> bool:
    """True when every cell is ``None`` or whitespace: such rows are skipped, their numbers kept."""
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)
