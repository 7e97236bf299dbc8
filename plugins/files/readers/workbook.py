"""XLSX exports, streamed row by row with openpyxl's read-only mode after the zip-bomb guard.

openpyxl parses XML with defusedxml when it is installed (billion laughs, quadratic blowup, external
entities); we refuse to open workbooks if it is not, rather than parse hostile XML unguarded. Cells
come back as typed: date-formatted cells as ``datetime``, numbers as ``int``/``float`` exactly as
stored (an Excel serial date typed into a number cell stays a number for the ``datetime`` transform).
The first non-blank row is the header row.

Read-only mode streams the worksheets, but loads every other part whole: the shared-string table
above all, where a 10 MB file can hold a gigabyte of text at a ratio the zip-bomb guard admits. So
those parts together must fit :meth:`ArchiveLimits.in_memory_budget` of the file's size, checked from
the zip directory before openpyxl reads them. A cell longer than Excel's own limit (32,767
characters) cannot come from Excel: its row is a :class:`~hub.core.errors.RecordError`, the rest go on.

Example:
    >>> import tempfile, pathlib, openpyxl
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "export.xlsx"
    >>> book = openpyxl.Workbook(); sheet = book.active
    >>> sheet.append([]); sheet.append(["姓名 ", "总分"]); sheet.append(["张伟", 85]); book.save(path)
    >>> [(dict(row), row.number) for row in read_workbook(path)]
    [({'姓名': '张伟', '总分': 85}, 3)]
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from hub.core.errors import RecordError, UnreadableFileError, UnsafeFileError

from .archive import ArchiveLimits, check_archive
from .integrity import problem
from .rows import Row, build_row, is_blank, make_headers

if TYPE_CHECKING:
    import openpyxl

__all__ = ["MAX_CELL_CHARS", "read_workbook", "read_workbook_header"]

#: Excel's limit on the text of one cell; longer text was not written by Excel.
MAX_CELL_CHARS = 32_767
_CONTENT_TYPES = "[Content_Types].xml"
_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
#: What a damaged archive makes zipfile and zlib raise when a part is inflated (a bad CRC or
#: header, a cut deflate stream, an unsupported compression method).
_DAMAGED_ARCHIVE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError)
#: ... and what a damaged part makes the XML parser and openpyxl raise: broken XML (ParseError is a
#: SyntaxError), an attribute or part openpyxl does not know, a cell reference that is not one.
#: Their messages may quote a cell's text, so errors name only the type.
_DAMAGED = (*_DAMAGED_ARCHIVE, SyntaxError, KeyError, IndexError, ValueError, TypeError)


def read_workbook(
    path: Path, *, sheet: str | int | None = None, limits: ArchiveLimits = ArchiveLimits(), checked: bool = True
) -> Iterator[Row | RecordError]:
    """Check and open the workbook now; return the rows of ``sheet`` lazily.

    Args:
        path: the .xlsx file.
        sheet: sheet name, or 0-based index; the first sheet when ``None``.
        limits: zip-bomb guard bounds.
        checked: refuse rows :mod:`.integrity` finds implausible (see :func:`~plugins.files.readers.read_rows`).

    Raises:
        UnsafeFileError: the archive is refused, the parts loaded whole exceed the in-memory budget,
            or defusedxml is missing.
        UnreadableFileError: not a workbook, or no such sheet.
    """
    book, worksheet = _open(path, sheet, limits)
    return _rows(book, worksheet, path.name, checked)


def read_workbook_header(path: Path, *, sheet: str | int | None = None,
                         limits: ArchiveLimits = ArchiveLimits()) -> tuple[str, ...]:  # fmt: skip
    """The header row (the first non-blank row) of ``sheet``, reading no data row; ``()`` for a blank sheet.

    Raises:
        UnsafeFileError, UnreadableFileError: as :func:`read_workbook`.
    """
    book, worksheet = _open(path, sheet, limits)
    try:
        with _sheet_xml(path.name):
            first = next((values for values in worksheet.iter_rows(values_only=True) if not is_blank(values)), ())
    finally:
        book.close()
    return make_headers(first)


def _open(path: Path, sheet: str | int | None, limits: ArchiveLimits):  # type: ignore[no-untyped-def]
    """The workbook, checked and opened read-only, and its chosen sheet."""
    # Imported here, not with the module: the plugin registry imports every reader to list it, and
    # openpyxl took ~0.1 s of every `hub` command's start-up (a sync's included), XLSX or not.
    import openpyxl
    import openpyxl.xml
    from openpyxl.utils.exceptions import InvalidFileException

    if not openpyxl.xml.DEFUSEDXML:
        raise UnsafeFileError("defusedxml is not installed; refusing to parse XLSX XML unguarded", stream=path.name)
    check_archive(path, name=path.name, limits=limits)
    _check_parts_held_in_memory(path, limits)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (DefusedXmlException, InvalidFileException, *_DAMAGED) as exc:
        if hostile := _hostile_xml(exc):  # openpyxl wraps what defusedxml refused in its own error
            raise UnsafeFileError(f"refused hostile XML in the workbook: {hostile!r}", stream=path.name) from None
        raise _damaged("not a readable XLSX workbook", exc, path.name) from None
    try:
        worksheet = _pick(book, sheet, path.name)
    except UnreadableFileError:
        book.close()
        raise
    worksheet.reset_dimensions()  # exporters often write a wrong <dimension>; read what is there
    return book, worksheet


def _hostile_xml(exc: BaseException | None) -> DefusedXmlException | None:
    """The defusedxml refusal (an entity, a DTD, an external reference) behind ``exc``, if any."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DefusedXmlException):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _damaged(what: str, exc: BaseException, name: str) -> UnreadableFileError:
    """The error for a workbook ``exc`` shows is damaged: its type and, for broken XML, where (a
    ParseError's position); never its message, which may quote a cell."""
    position = getattr(exc, "position", None)
    where = f" at line {position[0]}, column {position[1]}" if isinstance(position, tuple) else ""
    return UnreadableFileError(f"{what} ({type(exc).__name__}{where}); save it again from the spreadsheet program",
                               stream=name)  # fmt: skip


def _check_parts_held_in_memory(path: Path, limits: ArchiveLimits) -> None:
    """Refuse a workbook whose parts other than worksheets (which are streamed) inflate past the budget."""
    budget = limits.in_memory_budget(path.stat().st_size)
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
        types = next((entry for entry in entries if entry.filename == _CONTENT_TYPES), None)
        streamed: set[str] = set()
        if types is not None and types.file_size <= budget:
            try:
                root = fromstring(archive.read(types))
            except (DefusedXmlException, ParseError) as exc:
                raise UnsafeFileError(f"refused the workbook's content types: {exc!r}", stream=path.name) from None
            except _DAMAGED_ARCHIVE as exc:
                raise _damaged("the workbook's content types cannot be inflated", exc, path.name) from None
            streamed = {item.get("PartName", "").lstrip("/") for item in root.iter(f"{_TYPES_NS}Override")
                        if item.get("ContentType") == _WORKSHEET}  # fmt: skip
    held = sum(entry.file_size for entry in entries if entry.filename not in streamed)
    if held > budget:
        raise UnsafeFileError(f"the workbook's shared strings and other parts read whole inflate to {held >> 20} MiB, "
                              f"more than the {budget >> 20} MiB a {path.stat().st_size >> 20} MiB file may hold",
                              stream=path.name)  # fmt: skip


def _pick(book: openpyxl.Workbook, sheet: str | int | None, name: str):  # type: ignore[no-untyped-def]
    names = book.sheetnames
    if not names:
        raise UnreadableFileError("the workbook has no sheets", stream=name)
    if sheet is None:
        return book.worksheets[0]
    if isinstance(sheet, int) and 0 <= sheet < len(names):
        return book.worksheets[sheet]
    if sheet in names:
        return book[sheet]
    raise UnreadableFileError(f"no sheet {sheet!r}; the workbook has {', '.join(names)}", stream=name)


def _rows(book: openpyxl.Workbook, worksheet, name: str, checked: bool) -> Iterator[Row | RecordError]:  # type: ignore[no-untyped-def]
    headers: tuple[str, ...] | None = None
    try:
        with _sheet_xml(name):
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                if is_blank(values):
                    continue
                if headers is None:
                    headers = make_headers(values)
                    continue
                longest = max((len(value) for value in values if isinstance(value, str)), default=0)
                reason = problem(headers, values, codec=None) if checked else None
                if longest > MAX_CELL_CHARS:
                    reason = f"a cell holds {longest} characters, more than Excel's {MAX_CELL_CHARS}"
                if reason:
                    yield RecordError(reason, record_id=f"{name}:{number}", file=name, row=number)
                    continue
                yield build_row(headers, values, file=name, number=number)
    finally:
        book.close()


@contextmanager
def _sheet_xml(name: str) -> Iterator[None]:
    """Parsing a sheet's XML: what defusedxml refuses is unsafe, a damaged sheet is unreadable."""
    try:
        yield
    except DefusedXmlException as exc:
        raise UnsafeFileError(f"refused hostile XML in the sheet: {exc!r}", stream=name) from None
    except _DAMAGED as exc:
        raise _damaged("the sheet is damaged", exc, name) from None
