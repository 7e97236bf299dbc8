"""Streaming readers for legacy export files: CSV/TSV, XLSX and JSON Lines.

One entry point, :func:`read_rows`, picks the reader from the file extension (or ``format``), fails
early on what makes the whole file unusable (missing, unknown format, undecidable encoding, unsafe
archive) and then yields one :class:`Row` at a time — memory does not grow with the file. A JSON Lines
line that cannot be parsed is yielded as a :class:`~hub.core.errors.RecordError` in its place.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = path.write_bytes("\\ufeff 姓名 ,手机号\\n王芳,13800138000\\n".encode("utf-8"))
    >>> [(row.record_id, dict(row)) for row in read_rows(path)]
    [('export.csv:2', {'姓名': '王芳', '手机号': '13800138000'})]
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from hub.core.errors import RecordError, UnreadableFileError

from .archive import ArchiveLimits, check_archive
from .delimited import read_delimited, read_delimited_header
from .encoding import detect_encoding, normalize_encoding
from .jsonlines import read_json_lines, read_json_lines_header
from .rows import Row
from .workbook import read_workbook, read_workbook_header

__all__ = [
    "FORMATS",
    "ArchiveLimits",
    "Row",
    "check_archive",
    "detect_encoding",
    "detect_format",
    "normalize_encoding",
    "read_header",
    "read_rows",
]

#: The format names ``format`` accepts; extensions map onto them.
FORMATS = ("csv", "xlsx", "jsonl")
_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
               ".jsonl": "jsonl", ".ndjson": "jsonl"}  # fmt: skip


def detect_format(path: Path) -> str:
    """The format name for ``path``'s extension.

    Raises:
        UnreadableFileError: an extension no reader handles (e.g. legacy binary .xls).
    """
    try:
        return _EXTENSIONS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(_EXTENSIONS))
        raise UnreadableFileError(
            f"cannot tell the format from {path.suffix or 'no extension'!r}; expected one of {known} "
            "or set `format`",
            stream=path.name,
        ) from None


def read_rows(
    path: str | Path,
    *,
    format: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    delimiter: str | None = None,
    checked: bool = True,
) -> Iterator[Row | RecordError]:
    """Rows of an export file, streamed; whole-file problems raise here, before the first row.

    Args:
        path: the export file.
        format: ``csv``, ``xlsx`` or ``jsonl``; from the extension when ``None``.
        encoding: text encoding for CSV and JSONL; detected (CSV) or UTF-8 (JSONL) when ``None``.
        sheet: XLSX sheet name or 0-based index.
        delimiter: CSV delimiter; sniffed when ``None``.
        checked: refuse rows whose text the file cannot have meant (:mod:`.integrity`). The hub reading
            back a file it wrote passes False: it compares every value with what it meant to write,
            which names the changed field instead of refusing the row.

    Raises:
        UnreadableFileError: missing file, unknown format or encoding, unreadable workbook.
        UnsafeFileError: a workbook refused by the zip-bomb guard.
    """
    path, kind = _format_of(path, format)
    if kind == "csv":
        return read_delimited(path, encoding=encoding, delimiter=delimiter, checked=checked)
    if kind == "xlsx":
        return read_workbook(path, sheet=sheet, checked=checked)
    if kind == "jsonl":
        return read_json_lines(path, encoding=encoding, checked=checked)
    raise _unknown(kind, path)


def read_header(
    path: str | Path,
    *,
    format: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    delimiter: str | None = None,
) -> tuple[str, ...]:
    """The columns of an export, cleaned as :func:`read_rows` keys its rows, read without its rows:
    what a header check and ``hub mapping new`` need, however large the file. For JSON Lines, which
    has no header row, the keys of the first line holding an object. ``()`` for a blank file.

    Raises:
        UnreadableFileError, UnsafeFileError: as :func:`read_rows`.
    """
    path, kind = _format_of(path, format)
    if kind == "csv":
        return read_delimited_header(path, encoding=encoding, delimiter=delimiter)
    if kind == "xlsx":
        return read_workbook_header(path, sheet=sheet)
    if kind == "jsonl":
        return read_json_lines_header(path, encoding=encoding)
    raise _unknown(kind, path)


def _format_of(path: str | Path, format: str | None) -> tuple[Path, str]:
    """The existing file and its format name (``format``, else from the extension)."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableFileError("no such file", stream=str(path))
    return path, format or detect_format(path)


def _unknown(kind: str, path: Path) -> UnreadableFileError:
    return UnreadableFileError(f"unknown format {kind!r}; expected one of {', '.join(FORMATS)}", stream=path.name)
