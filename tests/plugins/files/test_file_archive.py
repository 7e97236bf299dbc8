"""The zip-bomb guard refuses hostile workbooks before openpyxl sees them; openpyxl parses with defusedxml."""

from __future__ import annotations

import zipfile
from xml.sax.saxutils import escape

import openpyxl
import openpyxl.xml
import pytest
from defusedxml.ElementTree import iterparse as defused_iterparse
from openpyxl.worksheet import _reader

from hub.core.errors import RecordError, UnreadableFileError, UnsafeFileError
from plugins.files.readers import ArchiveLimits, check_archive, read_rows
from plugins.files.readers.workbook import MAX_CELL_CHARS, read_workbook


def _workbook(path):
    book = openpyxl.Workbook()
    book.active.append(["姓名"])
    book.active.append(["张伟"])
    book.save(path)
    return path


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True
    assert _reader.iterparse is defused_iterparse


def test_zip_bomb_entry_is_refused_before_parsing(tmp_path):
    path = _workbook(tmp_path / "bomb.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (20 << 20))  # 20 MiB of zeros → ~20 KiB
    with pytest.raises(UnsafeFileError, match=r"'xl/media/padding.bin' inflates \d+×, more than 200×"):
        read_rows(path)


def test_total_size_and_entry_count_limits(tmp_path):
    path = _workbook(tmp_path / "ok.xlsx")
    with pytest.raises(UnsafeFileError, match=r"\d+ entries, more than 3"):
        check_archive(path, name="ok.xlsx", limits=ArchiveLimits(max_entries=3))
    with pytest.raises(UnsafeFileError, match=r"inflates to \d+ bytes, more than 1000"):
        check_archive(path, name="ok.xlsx", limits=ArchiveLimits(max_total_bytes=1000))
    check_archive(path, name="ok.xlsx")  # an ordinary workbook passes the defaults


@pytest.mark.parametrize("entry", ["../../etc/cron.d/x", "/abs/path.xml", "C:\\\\windows\\\\x.xml", "xl/..\\\\..\\\\x"])
def test_hostile_entry_names_are_refused(tmp_path, entry):
    path = _workbook(tmp_path / "names.xlsx")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(entry, "<x/>")
    with pytest.raises(UnsafeFileError, match="leaves the archive"):
        read_rows(path)


def test_not_a_zip_is_unreadable_not_unsafe(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("姓名,手机号\n", encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="not a zip archive") as caught:
        read_rows(path)
    assert not isinstance(caught.value, UnsafeFileError)


_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>"),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        '<sheet name="AI面试结果" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"),
}
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _text_workbook(path, comments):
    """A workbook as Excel writes one, by hand (openpyxl writes inline strings and cuts long cells):
    a header row and one row per comment, every text in the shared-string table."""
    strings = ["候选人编号", "面试官评语"] + [text for i, comment in enumerate(comments) for text in (f"C{i}", comment)]
    shared = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    rows = "".join(f'<row r="{r + 1}"><c r="A{r + 1}" t="s"><v>{2 * r}</v></c><c r="B{r + 1}" t="s"><v>{2 * r + 1}</v></c></row>'
                   for r in range(len(strings) // 2))
    parts = {**_PARTS,
             "xl/sharedStrings.xml": f'<sst xmlns="{_MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">{shared}</sst>',
             "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{_MAIN}"><sheetData>{rows}</sheetData></worksheet>'}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def test_shared_strings_past_the_in_memory_budget_are_refused_before_openpyxl_loads_them(tmp_path):
    """The issue's case scaled down: text that compresses within the ratio guard but inflates past what a
    file of its size may hold in memory (openpyxl loads the shared-string table whole)."""
    path = _text_workbook(tmp_path / "wide.xlsx", [f"{i}:" + "表达清晰，逻辑性强。" * 400 for i in range(300)])
    with zipfile.ZipFile(path) as archive:
        shared = archive.getinfo("xl/sharedStrings.xml").file_size
    limits = ArchiveLimits(max_ratio=10**6, in_memory_floor_bytes=0, in_memory_ratio=5)
    assert shared > limits.in_memory_budget(path.stat().st_size)  # the premise: over the budget
    with pytest.raises(UnsafeFileError, match="shared strings and other parts read whole inflate to"):
        read_workbook(path, limits=limits)
    roomy = ArchiveLimits(max_ratio=10**6, in_memory_floor_bytes=0, in_memory_ratio=shared // path.stat().st_size + 2)
    assert len(list(read_workbook(path, limits=roomy))) == 300  # the same file under a budget it fits


def test_worksheets_are_streamed_so_they_do_not_count_against_the_budget(tmp_path):
    path = tmp_path / "long.xlsx"
    book = openpyxl.Workbook()  # openpyxl writes every text inline, into the streamed worksheet
    book.active.append(["候选人编号", "面试官评语"])
    for index in range(20_000):
        book.active.append([f"C{index}", f"短评{index}"])
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml").file_size
        held = sum(info.file_size for info in archive.infolist()) - sheet
    limits = ArchiveLimits(in_memory_floor_bytes=0, in_memory_ratio=(held // path.stat().st_size) + 1)
    assert sheet > limits.in_memory_budget(path.stat().st_size)  # the sheet alone is over the budget
    assert sum(1 for _ in read_workbook(path, limits=limits)) == 20_000


def test_a_cell_longer_than_excel_allows_fails_its_row_only(tmp_path):
    path = _text_workbook(tmp_path / "cell.xlsx", ["好", "长" * (MAX_CELL_CHARS + 1), "也好"])
    first, second, third = read_workbook(path)
    assert dict(first)["面试官评语"] == "好" and dict(third)["面试官评语"] == "也好"
    assert isinstance(second, RecordError) and second.record_id == "cell.xlsx:3"
    assert f"more than Excel's {MAX_CELL_CHARS}" in str(second) and "长长" not in str(second)


_ENTITIES = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/styles.xml",
                                  "xl/_rels/workbook.xml.rels", "docProps/core.xml", "[Content_Types].xml"])
def test_hostile_xml_in_any_part_is_an_unsafe_file_naming_its_cause(tmp_path, part):
    """openpyxl wraps defusedxml's refusal in "could not read ...": the cause must still say unsafe."""
    plain = _workbook(tmp_path / "plain.xlsx")
    hostile = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(hostile, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == part:
                data = _ENTITIES.encode() + (data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data)
            target.writestr(info.filename, data)
    with pytest.raises(UnsafeFileError, match="EntitiesForbidden"):
        list(read_rows(hostile))
