"""Source paths: the one path syntax of mapping files, parsed once and read without failing.

A path is a sequence of segments: ``str`` keys into objects, ``int`` indexes into lists and
:data:`SPREAD`, every item of a list. Written form: dotted keys (any characters but ``.[]"``, so
``基本信息.所在城市`` and ``First Name`` need no quoting), ``[n]`` indexes (negative counts from the
end), ``[*]`` spreads (``phone_numbers[*].value``: the ``value`` of every phone) and
``["quoted key"]`` for keys holding those characters or empty keys (``\\"`` and ``\\\\`` escape
inside quotes).

Parsing happens at compile time; :func:`compile_getter` turns the segments into a closure that reads
a record and returns :data:`MISSING` instead of raising, because a vendor record that lacks a field is
ordinary data, not an error.

Example:
    >>> parse_path('基本信息.tags[0]["a.b"]')
    ('基本信息', 'tags', 0, 'a.b')
    >>> format_path(('rating.v2', 'value', -1))
    '["rating.v2"].value[-1]'
    >>> compile_getter(parse_path("a[1].b"))({"a": [{}, {"b": 5}]})
    5
    >>> compile_getter(parse_path("a[*].b"))({"a": [{"b": 1}, {}, {"b": None}, {"b": 3}]})
    [1, 3]
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, Final

__all__ = ["MISSING", "SPREAD", "Segment", "PathSyntaxError", "parse_path", "format_path", "compile_getter"]

_SPECIAL: Final = frozenset('.[]"')


class _Missing:
    """The sentinel for "the source has no value here" (distinct from an explicit JSON null)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


class _Spread:
    """The ``[*]`` segment: every item of a list (the one instance is :data:`SPREAD`)."""

    def __repr__(self) -> str:
        return "SPREAD"


SPREAD: Final = _Spread()

Segment = str | int | _Spread


class PathSyntaxError(ValueError):
    """A malformed path; ``position`` is the 0-based character index of the problem.

    Example:
        >>> try:
        ...     parse_path("a..b")
        ... except PathSyntaxError as exc:
        ...     print(exc)
        bad path 'a..b': expected a key at position 2
    """

    def __init__(self, path: str, position: int, expected: str) -> None:
        self.path, self.position = path, position
        super().__init__(f"bad path {path!r}: {expected} at position {position}")


def parse_path(text: str) -> tuple[Segment, ...]:
    """Parse a written path into segments; ``""`` is the empty path (the value itself).

    Raises:
        PathSyntaxError: naming the position of the first character that does not fit.
    """
    segments: list[Segment] = []
    pos = 0
    while pos < len(text):
        if text[pos] == "[":
            segment, pos = _bracket(text, pos)
        else:
            if segments:
                if text[pos] != ".":
                    raise PathSyntaxError(text, pos, "expected '.' or '['")
                pos += 1
            segment, pos = _bare_key(text, pos)
        segments.append(segment)
    return tuple(segments)


def _bare_key(text: str, pos: int) -> tuple[str, int]:
    end = pos
    while end < len(text) and text[end] not in _SPECIAL:
        end += 1
    if end == pos:
        raise PathSyntaxError(text, pos, "expected a key")
    return text[pos:end], end


def _bracket(text: str, pos: int) -> tuple[Segment, int]:
    start = pos + 1
    key: Segment
    if start < len(text) and text[start] == '"':
        key, end = _quoted(text, start)
    elif text.startswith("*]", start):
        key, end = SPREAD, start + 1
    else:
        end = text.find("]", start)
        end = len(text) if end == -1 else end
        digits = text[start:end]
        body = digits[1:] if digits.startswith("-") else digits
        if not (body.isascii() and body.isdigit()):
            raise PathSyntaxError(text, start, "expected an integer index, * or a quoted key")
        key = int(digits)
    if end >= len(text) or text[end] != "]":
        raise PathSyntaxError(text, end, "expected ']'")
    return key, end + 1


def _quoted(text: str, quote: int) -> tuple[str, int]:
    chars: list[str] = []
    pos = quote + 1
    while pos < len(text):
        char = text[pos]
        if char == '"':
            return "".join(chars), pos + 1
        if char == "\\":
            if pos + 1 >= len(text) or text[pos + 1] not in '"\\':
                raise PathSyntaxError(text, pos, 'expected \\" or \\\\ after a backslash')
            pos += 1
            char = text[pos]
        chars.append(char)
        pos += 1
    raise PathSyntaxError(text, pos, "expected a closing quote")


def format_path(segments: tuple[Segment, ...]) -> str:
    """The canonical written form of ``segments``; ``parse_path(format_path(s)) == s``."""
    parts: list[str] = []
    for segment in segments:
        if isinstance(segment, int):
            parts.append(f"[{segment}]")
        elif segment is SPREAD:
            parts.append("[*]")
        elif segment and not _SPECIAL.intersection(segment):
            parts.append(f".{segment}" if parts else segment)
        else:
            escaped = segment.replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'["{escaped}"]')
    return "".join(parts)


def compile_getter(segments: tuple[Segment, ...], *, from_dict: bool = False) -> Callable[[Any], Any]:
    """A closure reading ``segments`` from a value; :data:`MISSING` where the path leads nowhere.

    Paths of object keys only (nearly all of them) get a closure built on ``dict.get``: it runs for
    every rule of every record, so it skips the per-segment type dispatch of the general case. With
    ``from_dict`` the caller promises to pass a dict (a record it has checked), and a one-key path
    becomes the bound ``get`` call itself, with no Python frame at all.

    A path with spreads reads a list: the values the rest of the path finds in each item, items
    where it finds nothing (or null) left out, a spread inside a spread flattened; a spread over
    something that is not a list, or that finds no value at all, is :data:`MISSING`.

    Example:
        >>> compile_getter(("姓名",), from_dict=True)({"姓名": "李四"})
        '李四'
        >>> compile_getter(parse_path("a[*].b[*]"))({"a": [{"b": [1, 2]}, {"b": 3}, {"b": [4]}]})
        [1, 2, 4]
    """
    if SPREAD in segments:
        return _spread_getter(segments)
    if from_dict and len(segments) == 1 and isinstance(segments[0], str):
        return operator.methodcaller("get", segments[0], MISSING)
    if all(isinstance(segment, str) for segment in segments):
        return _key_getter(segments)

    def get(value: Any) -> Any:
        for segment in segments:
            if isinstance(segment, int):
                if not isinstance(value, list) or not -len(value) <= segment < len(value):
                    return MISSING
            elif not isinstance(value, dict) or segment not in value:
                return MISSING
            value = value[segment]
        return value

    return get


def _spread_getter(segments: tuple[Segment, ...]) -> Callable[[Any], Any]:
    """:func:`compile_getter` for a path with at least one :data:`SPREAD`."""
    at = segments.index(SPREAD)
    head, rest = compile_getter(segments[:at]), segments[at + 1 :]
    nested = SPREAD in rest
    tail = compile_getter(rest)

    def get_every(value: Any) -> Any:
        items = head(value)
        if not isinstance(items, list):
            return MISSING
        found: list[Any] = []
        for item in items:
            got = tail(item)
            if got is MISSING or got is None:
                continue
            if nested:
                found.extend(got)
            else:
                found.append(got)
        return found or MISSING

    return get_every


def _key_getter(keys: tuple[str, ...]) -> Callable[[Any], Any]:
    """:func:`compile_getter` for a path of object keys only (same results, fewer checks)."""
    if len(keys) == 1:
        (key,) = keys

        def get_one(value: Any) -> Any:
            return value.get(key, MISSING) if isinstance(value, dict) else MISSING

        return get_one

    def get_keys(value: Any) -> Any:
        for key in keys:
            if not isinstance(value, dict):
                return MISSING
            value = value.get(key, MISSING)
            if value is MISSING:
                return MISSING
        return value

    return get_keys
