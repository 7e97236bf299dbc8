"""The zip-bomb guard refuses hostile workbooks before openpyxl sees them; openpyxl parses with defusedxml."""

from __future__ import annotations

import zipfile

import openpyxl
import openpyxl.xml
import pytest
from defusedxml.ElementTree import iterparse as defused_iterparse
from openpyxl.worksheet import _reader

from hub.core.errors import UnreadableFileError, UnsafeFileError
from plugins.files.readers import ArchiveLimits, check_archive, read_rows


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
