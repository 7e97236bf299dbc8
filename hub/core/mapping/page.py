"""The page a record arrived in, as its mapping sees it: what ``related`` rules look other records up in.

A vendor page often holds records that name each other (a department and its parent, a record and
the one it was split from). A ``related`` rule reads a value from such a record; it finds it through
an index of the page by one key path, built the first time a rule asks and kept for every other
record of the page, so a page of n records costs n key reads, not n².

Keys are compared as text (:func:`hub.core.mapping.steps.as_key`), so an id sent as ``7`` finds a
record whose id is ``"7"``; the first record holding a key wins; records and keys that are not
objects or scalars are not indexed.

Example:
    >>> from hub.core.mapping.paths import compile_getter
    >>> page = Page([{"id": 1, "name": "Eng"}, {"id": 2, "name": "Platform", "parent_id": 1}])
    >>> page.find("id", compile_getter(("id",)), "1")
    {'id': 1, 'name': 'Eng'}
    >>> page.find("id", compile_getter(("id",)), 9)
    MISSING
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hub.core.mapping.paths import MISSING
from hub.core.mapping.steps import as_key

__all__ = ["Page"]


class Page:
    """The records of one page (as the mapping reads them: prepared copies, not the raw ones)."""

    __slots__ = ("records", "_indexes")

    def __init__(self, records: Sequence[Any]) -> None:
        self.records = records
        self._indexes: dict[str, dict[str, Any]] = {}

    def find(self, path: str, get: Callable[[Any], Any], value: Any) -> Any:
        """The first record whose value at ``path`` (read by ``get``) is ``value`` as text; MISSING if none."""
        index = self._indexes.get(path)
        if index is None:
            index = self._indexes[path] = self._index(get)
        key = _text(value)
        return MISSING if key is None else index.get(key, MISSING)

    def _index(self, get: Callable[[Any], Any]) -> dict[str, Any]:
        index: dict[str, Any] = {}
        for record in self.records:
            if isinstance(record, dict):
                key = _text(get(record))
                if key is not None:
                    index.setdefault(key, record)
        return index


def _text(value: Any) -> str | None:
    """A scalar key's text; None for what cannot key a record (missing, null, objects, lists)."""
    if value is MISSING or value is None:
        return None
    try:
        return as_key(value)
    except ValueError:
        return None
