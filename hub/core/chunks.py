"""Cutting a long list of keys into the bounded lists that one query, request or pass takes.

Every batch lookup (``... WHERE id IN (?, ?, ...)``), every vendor filter with a maximum number of
ids, and every chunked read-back goes through :func:`chunks`, so the bound is stated at the call
and the cutting is written once.

Example:
    >>> [chunk for chunk in chunks(range(7), 3)]
    [[0, 1, 2], [3, 4, 5], [6]]
    >>> list(chunks([], 3))
    []
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

__all__ = ["IN_LIST", "chunks"]

#: Keys per ``IN (...)`` list: well under SQLite's bound on parameters (32,766; 999 before 3.32).
IN_LIST = 500

_T = TypeVar("_T")


def chunks(items: Iterable[_T], size: int = IN_LIST) -> Iterator[list[_T]]:
    """``items`` in lists of ``size`` (the last one shorter), in order, read lazily: an iterator
    is never read further than the list being yielded, so a stream of a million records is
    held a chunk at a time."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, got {size}")
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
