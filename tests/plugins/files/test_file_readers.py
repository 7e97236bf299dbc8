"""Readers on real files written by the example generator: every encoding, format and header quirk."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from hub.core.errors import RecordError, UnreadableFileError
from plugins.files.readers import Row, read_rows
from plugins.files.readers.encoding import SAMPLE_BYTES

ROWS = 40


def _expected(gen, **kwargs):
    return [{key: str(value) for key, value in row.items()} for row in gen.generate_rows(ROWS, **kwargs)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_common_encoding_reads_back_exactly(gen, tmp_path, encoding):
    path = tmp_path / "export.csv"
    gen.write_csv(path, gen.generate_rows(ROWS), encoding=encoding)
    rows = list(read_rows(path))
    assert [dict(row) for row in rows] == _expected(gen)
    assert list(rows[0]) == list(gen.HEADERS)  # the BOM is not glued to 候选人编号
    assert [row.number for row in rows] == list(range(2, ROWS + 2))
    assert rows[0].record_id == "export.csv:2"


def test_csv_multiline_quoted_fields_keep_their_line_breaks_and_row_numbers(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_bytes('姓名,面试官评语,总分\n张伟,"第一行\n第二行, 有逗号 ""引号""",85\n李娜,好,90\n'.encode("gbk"))
    rows = list(read_rows(path))
    assert rows[0]["面试官评语"] == '第一行\n第二行, 有逗号 "引号"'
    assert [(row.number, row["总分"]) for row in rows] == [(2, "85"), (3, "90")]


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_delimiter_is_sniffed(tmp_path, delimiter):
    path = tmp_path / "export.txt"
    path.write_text(delimiter.join(["姓名", "手机号", "总分"]) + "\n" + delimiter.join(["王芳", "138 0013 8000", "7,5" if delimiter != "," else "75"]) + "\n", encoding="utf-8")
    (row,) = read_rows(path)
    assert row["手机号"] == "138 0013 8000"
    assert row["总分"] in ("7,5", "75")


def test_headers_are_cleaned_and_blank_rows_skipped_but_counted(tmp_path):
    path = tmp_path / "messy.csv"
    path.write_text("\n\ufeff 姓名\u3000,,手机号,手机号\n\n张伟,x,1,2,\n王芳\n", encoding="utf-8")
    rows = list(read_rows(path))
    assert [dict(row) for row in rows] == [
        {"姓名": "张伟", "column_2": "x", "手机号": "1", "手机号_2": "2"},
        {"姓名": "王芳", "column_2": None, "手机号": None, "手机号_2": None},
    ]
    assert [row.number for row in rows] == [4, 5]


def test_explicit_encoding_wins_over_detection(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("name,city\nJosé,Zürich\n".encode("latin-1"))
    with pytest.raises(UnreadableFileError, match="encoding"):
        read_rows(path)
    (row,) = read_rows(path, encoding="latin-1")
    assert dict(row) == {"name": "José", "city": "Zürich"}


def test_gbk_declared_file_with_gb18030_only_character_still_decodes(tmp_path):
    path = tmp_path / "rare.csv"
    path.write_bytes("姓名\n刘䶮\n".encode("gb18030"))
    (row,) = read_rows(path, encoding="GBK")
    assert row["姓名"] == "刘䶮"


def test_undecodable_bytes_after_the_sample_name_the_row(tmp_path):
    path = tmp_path / "late.csv"
    ascii_rows = "".join(f"{n:09d}\n" for n in range(SAMPLE_BYTES // 10 + 1))  # fills the detection sample
    path.write_bytes(("name\n" + ascii_rows).encode() + "张伟\n".encode("gbk"))
    rows = read_rows(path)
    with pytest.raises(UnreadableFileError, match=r"not valid utf-8 after row \d+; set the `encoding` setting"):
        list(rows)


def test_missing_file_and_unknown_format_fail_before_reading(tmp_path):
    with pytest.raises(UnreadableFileError, match="no such file"):
        read_rows(tmp_path / "nope.csv")
    legacy = tmp_path / "old.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(UnreadableFileError, match="cannot tell the format from '.xls'"):
        read_rows(legacy)


def test_xlsx_keeps_types_dates_and_row_numbers(gen, tmp_path):
    path = tmp_path / "export.xlsx"
    gen.write_xlsx(path, gen.generate_rows(ROWS, typed=True))
    rows = list(read_rows(path))
    expected = list(gen.generate_rows(ROWS, typed=True))
    assert len(rows) == ROWS and all(isinstance(row, Row) for row in rows)
    for row, want in zip(rows, expected, strict=True):
        for column in gen.HEADERS:
            got = row[column]
            if isinstance(want[column], float):
                assert got == pytest.approx(want[column])
            else:
                assert got == (want[column] or None)
    kinds = {type(row["面试时间"]) for row in rows}
    assert dt.datetime in kinds and float in kinds and str in kinds
    assert rows[-1].number == ROWS + 1


def test_xlsx_first_nonblank_row_is_header_and_sheet_can_be_chosen(tmp_path):
    path = tmp_path / "two.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["ignored"])
    second = book.create_sheet("结果")
    second.append([])
    second.append([" 姓名\u3000", None, "总分"])
    second.merge_cells("A2:B2")
    second.append(["张伟", "x", 85])
    book.save(path)
    (row,) = read_rows(path, sheet="结果")
    assert dict(row) == {"姓名": "张伟", "column_2": "x", "总分": 85}
    assert row.number == 3
    with pytest.raises(UnreadableFileError, match="no sheet 'nope'"):
        read_rows(path, sheet="nope")


def test_jsonl_reads_objects_with_line_numbers(gen, tmp_path):
    path = tmp_path / "export.jsonl"
    gen.write_jsonl(path, gen.generate_rows(ROWS))
    rows = list(read_rows(path))
    assert [dict(row) for row in rows] == [json.loads(json.dumps(r)) for r in gen.generate_rows(ROWS)]
    assert [row.number for row in rows] == list(range(1, ROWS + 1))
    assert not any(isinstance(row, RecordError) for row in rows)
