"""Fuzzing the export readers (CSV, XLSX, JSON Lines): whatever bytes a file holds, reading it ends
in rows and per-row :class:`~hub.core.errors.RecordError` items, or in an
:class:`~hub.core.errors.UnreadableFileError` for the whole file — within the budgets of
:mod:`tests.fuzz.harness`."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from hub.core.errors import RecordError, UnreadableFileError
from plugins.files.readers import Row, read_rows
from tests.fuzz.harness import FUZZ, outcome, written
from tests.fuzz.strategies import deeply_nested, encoded_text, hostile_text, huge_text, mutated

EXAMPLE = Path(__file__).resolve().parents[2] / "hub" / "examples" / "legacy_ai_interview"
CSV = (EXAMPLE / "ai_interview_results.csv").read_bytes()
XLSX = (EXAMPLE / "ai_interview_results.xlsx").read_bytes()
JSONL = (Path(__file__).resolve().parents[2] / "hub" / "examples" / "canonical_samples.jsonl").read_bytes()


def read_all(data: bytes, name: str) -> None:
    """Read the file to its end; every item is a row or a record error, else the whole file failed."""
    with written(data, name) as path:
        result = outcome(lambda: list(read_rows(path)))
    if isinstance(result, list):
        assert all(isinstance(item, (Row, RecordError)) for item in result)
    else:
        assert isinstance(result, UnreadableFileError), result


# ---------------------------------------------------------------- CSV


@FUZZ
@given(data=st.one_of(st.binary(max_size=400), encoded_text(), mutated(CSV)))
def test_csv_bytes(data):
    read_all(data, "export.csv")


@FUZZ
@given(header=hostile_text, cells=st.lists(st.one_of(hostile_text, huge_text()), max_size=4),
       encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]))  # fmt: skip
def test_csv_rows(header, cells, encoding):
    text = header + "\n" + ",".join(cells) + "\n"
    read_all(text.encode(encoding, errors="replace"), "export.csv")


# ---------------------------------------------------------------- XLSX


def _with_part(workbook: bytes, part: str, content: bytes) -> bytes:
    """``workbook`` with one archive part replaced: hostile XML where openpyxl expects its own."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for entry in source.infolist():
            out.writestr(entry.filename, content if entry.filename == part else source.read(entry))
    return buffer.getvalue()


def _directory_patched(workbook: bytes, part: str, offset: int, value: bytes) -> bytes:
    """``workbook`` with ``value`` written ``offset`` bytes into ``part``'s central directory record
    (6: the zip version needed to extract it, 10: its compression method)."""
    record = workbook.index(part.encode(), workbook.index(b"PK\x01\x02")) - 46  # the record's fixed part
    at = record + offset
    return workbook[:at] + value + workbook[at + len(value) :]


def _inflating_badly(workbook: bytes, part: str) -> bytes:
    """``workbook`` with a byte of ``part``'s deflate stream flipped: it inflates wrong or not at all."""
    entry = zipfile.ZipFile(io.BytesIO(workbook)).getinfo(part)
    at = entry.header_offset + 30 + len(entry.filename.encode()) + len(entry.extra) + entry.compress_size // 2
    return workbook[:at] + bytes([workbook[at] ^ 0x55]) + workbook[at + 1 :]


_PARTS = sorted(zipfile.ZipFile(io.BytesIO(XLSX)).namelist())
_WORKBOOK = zipfile.ZipFile(io.BytesIO(XLSX)).read("xl/workbook.xml")
_SHEET = zipfile.ZipFile(io.BytesIO(XLSX)).read("xl/worksheets/sheet1.xml")
_HOSTILE_XML = st.one_of(
    st.binary(max_size=200),
    hostile_text.map(str.encode),
    st.sampled_from([
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaa">]><x>&a;&a;</x>',
        b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:1/x.dtd"><x/>',
        b"<worksheet><sheetData><row><c t='s'><v>99999</v></c></row></sheetData></worksheet>",
        b"<worksheet><sheetData><row r='-1'><c r='ZZZZZZ0'><v>x</v></c></row></sheetData></worksheet>",
    ]),
)


@st.composite
def _damaged_parts(draw: st.DrawFn) -> bytes:
    part = draw(st.sampled_from(_PARTS))
    with zipfile.ZipFile(io.BytesIO(XLSX)) as source:
        original = source.read(part)
    content = draw(st.one_of(_HOSTILE_XML, mutated(original)))
    return _with_part(XLSX, part, content)


@FUZZ
@given(data=st.one_of(st.binary(max_size=400), mutated(XLSX), _damaged_parts()))
# What the fuzzer found: each crashed with a foreign exception instead of an UnreadableFileError.
@example(data=_with_part(XLSX, "xl/workbook.xml", b"<workbook"))  # ParseError while loading
@example(data=_with_part(XLSX, "xl/workbook.xml", _WORKBOOK.replace(b"minimized", b"minimizd")))  # TypeError
@example(data=_with_part(XLSX, "xl/workbook.xml", re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", _WORKBOOK)))  # IndexError
@example(data=_with_part(XLSX, "xl/worksheets/sheet1.xml", _SHEET.replace(b'<row r="2">', b'<row r="2x">')))  # ValueError
@example(data=_inflating_badly(XLSX, "xl/worksheets/sheet1.xml"))  # zlib.error or a bad CRC while streaming
@example(data=_inflating_badly(XLSX, "[Content_Types].xml"))  # ... while the content types are read
@example(data=_directory_patched(XLSX, "xl/styles.xml", 6, b"\xff\x00"))  # NotImplementedError: zip version 25.5
@example(data=_directory_patched(XLSX, "xl/worksheets/sheet1.xml", 10, b"\x63\x00"))  # ... compression type 99
def test_xlsx_bytes(data):
    read_all(data, "export.xlsx")


# ---------------------------------------------------------------- JSON Lines


_JSON_LINE = st.one_of(
    hostile_text,
    deeply_nested(),
    huge_text(),
    st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | hostile_text,
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
                 max_leaves=8).map(json.dumps),
)  # fmt: skip


@FUZZ
@given(data=st.one_of(st.binary(max_size=400), encoded_text(), mutated(JSONL),
                      st.lists(_JSON_LINE, max_size=4).map(lambda lines: "\n".join(lines).encode())))  # fmt: skip
def test_jsonl_bytes(data):
    read_all(data, "export.jsonl")
