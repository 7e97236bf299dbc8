"""JSON Lines exports (one JSON object per line), streamed; a bad line is a typed error, not a crash.

Each line is bounded before it is parsed: at most ``max_line_bytes`` are read into memory (a longer
line is skipped to its end) and its bracket nesting is counted before ``json.loads`` sees it, because
CPython's json raises ``RecursionError`` on deep nesting. A line that is not valid UTF-8 (or the
declared encoding), not JSON, too long, too deep or not an object becomes a :class:`RecordError`
naming the file and line — yielded in place of that row so the rest of the file is still read. So
does a line whose text :mod:`.integrity` finds implausible: JSON escapes make NUL and the other
control characters (``\\u0000``) easy to carry, and a value's text is checked wherever it is nested.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "export.jsonl"
    >>> _ = path.write_text('{"姓名": "张伟"}\\n{oops\\n{"姓名": "李娜"}\\n', encoding="utf-8")
    >>> for item in read_json_lines(path):
    ...     print(item)
    Row(export.jsonl:1, 1 columns)
    [record-error] export.jsonl:2: not valid JSON: Expecting property name enclosed in double quotes at column 2
    Row(export.jsonl:3, 1 columns)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import BinaryIO

from hub.core.errors import RecordError

from .encoding import normalize_encoding
from .integrity import problem
from .rows import Row

__all__ = ["MAX_LINE_BYTES", "MAX_DEPTH", "read_json_lines", "read_json_lines_header", "nesting_depth"]

MAX_LINE_BYTES = 1 << 20
MAX_DEPTH = 32
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_CHUNK = 1 << 16


def nesting_depth(text: str) -> int:
    """How deeply brackets nest in JSON ``text``, ignoring brackets inside strings.

    Example:
        >>> nesting_depth('{"a": [1, {"b": "]]]"}]}')
        3
    """
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def read_json_lines(
    path: Path,
    *,
    encoding: str | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    max_depth: int = MAX_DEPTH,
    checked: bool = True,
) -> Iterator[Row | RecordError]:
    """Open ``path`` now and return its rows lazily, a :class:`RecordError` in place of each bad line.

    Args:
        path: the .jsonl file.
        encoding: declared encoding; UTF-8 (BOM tolerated) when ``None``, as JSON requires.
        max_line_bytes: longest line read; longer lines are skipped and reported.
        max_depth: deepest bracket nesting parsed.
        checked: refuse lines whose text :mod:`.integrity` finds implausible (see
            :func:`~plugins.files.readers.read_rows`).
    """
    codec = normalize_encoding(encoding or "utf-8")
    return _lines(path.open("rb"), path.name, codec, max_line_bytes, max_depth, checked)


def read_json_lines_header(path: Path, *, encoding: str | None = None) -> tuple[str, ...]:
    """The top-level keys of the first line holding a JSON object, in order: a JSON Lines file has
    no header row, so this is what a person reads as one; ``()`` when no line parses.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "export.jsonl"
        >>> _ = path.write_text('\\n{oops\\n{"姓名": "张伟", "总分": 85}\\n', encoding="utf-8")
        >>> read_json_lines_header(path)
        ('姓名', '总分')
    """
    lines = read_json_lines(path, encoding=encoding, checked=False)
    with closing(lines):
        return next((tuple(row) for row in lines if isinstance(row, Row)), ())


def _lines(
    handle: BinaryIO, name: str, codec: str, max_bytes: int, max_depth: int, checked: bool
) -> Iterator[Row | RecordError]:
    with handle:
        number = 0
        while line := handle.readline(max_bytes + 1):
            number += 1
            if len(line) > max_bytes and not line.endswith(b"\n"):
                _skip_to_line_end(handle)
                yield _error(f"line is longer than {max_bytes} bytes; skipped", name, number)
                continue
            if not line.strip():
                continue
            try:
                row = _parse(line, codec, max_depth, name, number)
            except ValueError as exc:  # UnicodeDecodeError and json.JSONDecodeError are ValueErrors
                yield _error(str(exc), name, number)
                continue
            if checked and (reason := problem(list(row), [_text(v) for v in row.values()], codec=codec)):
                yield _error(reason, name, number)
            else:
                yield row


def _parse(line: bytes, codec: str, max_depth: int, name: str, number: int) -> Row:
    try:
        text = line.decode(codec)
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid {codec} at byte {exc.start + 1}") from None
    if text.count("{") + text.count("[") > max_depth and nesting_depth(text) > max_depth:
        raise ValueError(f"nested deeper than {max_depth} levels; not parsed")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(value, dict):
        raise ValueError(f"a line must hold one JSON object, not {type(value).__name__}")
    return Row(value, file=name, number=number)


def _text(value: object) -> object:
    """A value as :func:`~.integrity.problem` reads a cell: nested strings joined (lines apart), so a
    control character deep inside an object is found and named by its top-level key."""
    if isinstance(value, dict):
        return "\n".join(filter(None, map(_text, value.values()))) or None  # type: ignore[arg-type]
    if isinstance(value, list):
        return "\n".join(filter(None, map(_text, value))) or None  # type: ignore[arg-type]
    return value if isinstance(value, str) else None


def _skip_to_line_end(handle: BinaryIO) -> None:
    while chunk := handle.readline(_CHUNK):
        if chunk.endswith(b"\n"):
            return


def _error(reason: str, name: str, number: int) -> RecordError:
    return RecordError(reason, record_id=f"{name}:{number}", file=name, row=number)
