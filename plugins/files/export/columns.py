"""Column lists: several columns of a wide export read as one list of nested records.

Exports put one score per column (沟通能力, 逻辑思维, ...) while the canonical model holds a list of
dimension scores, and a mapping's ``each`` walks a list. A mapping names the columns to gather by
using, as a source key, the column names joined with ``|``::

    dimensions:
      each: 沟通能力|逻辑思维|抗压能力|专业知识
      fields:
        key: {from: column, steps: [{lookup: {table: dimension_keys}}]}
        score: {from: value, steps: [{score: {scale: one_to_5}}]}

and the file connector fills that key on every row with ``{"column": <header>, "value": <cell>}``
items for the listed columns that are not blank. The mapping stays the one place that says how the
export is shaped; no setting elsewhere has to agree with it.

Example:
    >>> lists = ColumnLists.from_source_paths(["姓名", "沟通能力|逻辑思维[*].value"])
    >>> row = {"姓名": "张伟", "沟通能力": "4.5星", "逻辑思维": ""}
    >>> lists.fill(row)["沟通能力|逻辑思维"]
    [{'column': '沟通能力', 'value': '4.5星'}]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hub.core.mapping.paths import parse_path

from ..readers.rows import is_blank

__all__ = ["SEPARATOR", "ColumnLists"]

SEPARATOR = "|"


@dataclass(frozen=True)
class ColumnLists:
    """The column lists some mappings read: ``{source key: (column, ...)}``.

    Example:
        >>> ColumnLists.from_source_paths(["a|b"]).lists
        {'a|b': ('a', 'b')}
    """

    lists: dict[str, tuple[str, ...]]

    @classmethod
    def from_source_paths(cls, paths: Iterable[str]) -> ColumnLists:
        """Find the column-list keys among a mapping's source paths (their first segment holds ``|``)."""
        found = {}
        for path in paths:
            key = parse_path(path.split("[*]", 1)[0])[0]
            if isinstance(key, str) and SEPARATOR in key:
                found[key] = tuple(column.strip() for column in key.split(SEPARATOR))
        return cls(found)

    def fill(self, row: dict[str, Any]) -> dict[str, Any]:
        """Add each list to ``row`` (in place, and returned) unless the file has a column of that name."""
        for key, columns in self.lists.items():
            if key not in row:
                row[key] = [{"column": c, "value": row[c]} for c in columns if c in row and not is_blank((row[c],))]
        return row
