"""CSV (and TSV, semicolon-separated) exports, streamed row by row.

The file is decoded in its detected (or declared) encoding and parsed by the standard ``csv`` module,
which handles quoted fields with embedded delimiters, quotes and line breaks. Memory stays flat: one
row is in flight at a time. The delimiter is whichever of comma, tab and semicolon the header line
holds most of — the header is the one line every export has and it rarely contains quotes.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = path.write_bytes("姓名;总分\\n张伟;85分\\n".encode("gbk"))
    >>> [dict(row) for row in read_delimited(path)]
    [{'姓名': '张伟', '总分': '85分'}]
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from hub.core.errors import RecordError, UnreadableFileError

from .encoding import detect_encoding, normalize_encoding
from .integrity import problem
from .rows import Row, build_row, is_blank, make_headers

__all__ = ["DELIMITERS", "read_delimited", "read_delimited_header", "sniff_delimiter"]

DELIMITERS = (",", "\t", ";")
_SNIFF_CHARS = 64 * 1024
_SNIFF_LINES = 3  # blank lines may precede the header


def sniff_delimiter(sample: str) -> str:
    """The delimiter the first non-blank line of ``sample`` holds most of (comma if it holds none).

    Example:
        >>> sniff_delimiter("\\n姓名\\t手机号\\t邮箱\\n")
        '\\t'
    """
    header = next((line for line in sample.splitlines() if line.strip()), "")
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def read_delimited(path: Path, *, encoding: str | None = None, delimiter: str | None = None,
                   checked: bool = True) -> Iterator[Row | RecordError]:  # fmt: skip
    """Open ``path`` now (so an undecidable encoding fails here) and return its rows lazily.

    Args:
        path: the CSV file.
        encoding: declared encoding; detected from a sample when ``None``.
        delimiter: declared delimiter; sniffed from the header line when ``None``.
        checked: refuse rows :mod:`.integrity` finds implausible (see :func:`~plugins.files.readers.read_rows`).

    Raises:
        UnreadableFileError: the encoding cannot be decided (here), or a later part of the file does
            not decode or parse (while iterating, naming the row).

    A row whose text the file cannot have meant (mixed encodings, control characters, cells beyond
    the header: :mod:`.integrity`) comes as a :class:`RecordError` in its place.
    """
    handle, codec, delimiter = _open(path, encoding, delimiter)
    return _rows(handle, path.name, codec, delimiter, checked)


def read_delimited_header(path: Path, *, encoding: str | None = None, delimiter: str | None = None) -> tuple[str, ...]:
    """The header row of ``path`` (cleaned as rows are keyed), reading no data row; ``()`` when the file is blank.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
        >>> _ = path.write_bytes("\\n 姓名 ,手机号\\n张伟,13800138000\\n".encode("gbk"))
        >>> read_delimited_header(path)
        ('姓名', '手机号')
    """
    handle, codec, delimiter = _open(path, encoding, delimiter)
    with handle:
        try:
            for values in csv.reader(handle, delimiter=delimiter):
                if not is_blank(values):
                    return make_headers(values)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise UnreadableFileError(f"the header row cannot be read as {codec}: {exc}", stream=path.name) from None
    return ()


def _open(path: Path, encoding: str | None, delimiter: str | None) -> tuple[TextIO, str, str]:
    """The file opened in its declared or detected encoding, with its declared or sniffed delimiter."""
    codec = normalize_encoding(encoding) if encoding else detect_encoding(path)
    handle = path.open(encoding=codec, newline="", errors="strict")
    try:
        sample = "".join(handle.readline(_SNIFF_CHARS) for _ in range(_SNIFF_LINES))
        handle.seek(0)
    except UnicodeDecodeError:
        handle.close()
        raise UnreadableFileError(f"the start of the file is not valid {codec}", stream=path.name) from None
    return handle, codec, delimiter or sniff_delimiter(sample)


def _rows(handle: TextIO, name: str, codec: str, delimiter: str, checked: bool) -> Iterator[Row | RecordError]:
    number = 0
    headers: tuple[str, ...] | None = None
    with handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            for number, values in enumerate(reader, start=1):  # noqa: B007 - number names the failing row
                if is_blank(values):
                    continue
                if headers is None:
                    headers = make_headers(values)
                    continue
                if checked and (reason := problem(headers, values, codec=codec)):
                    yield RecordError(reason, record_id=f"{name}:{number}", file=name, row=number)
                    continue
                yield build_row(headers, values, file=name, number=number)
        except UnicodeDecodeError:
            raise UnreadableFileError(
                f"the file is not valid {codec} after row {number}; set the `encoding` setting", stream=name
            ) from None
        except csv.Error as exc:
            raise UnreadableFileError(f"row {number + 1} cannot be parsed: {exc}", stream=name) from None
