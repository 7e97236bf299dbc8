"""Text the file cannot have meant is refused row by row, named by column, never stored as a record."""

from __future__ import annotations

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.core.errors import RecordError
from plugins.files.readers import read_rows

HEADER = "候选人编号,姓名,应聘岗位\n"


def _gbk_file_with_a_utf8_row(path):
    """The issue's case: one row pasted in as UTF-8 into a GBK export."""
    utf8_row = "C2,李雷,产品经理\n".encode("utf-8")  # even byte counts, so the whole file decodes as GBK
    path.write_bytes(HEADER.encode("gbk") + "C1,韩梅梅,产品经理\n".encode("gbk") + utf8_row
                     + "C3,王芳,产品经理\n".encode("gbk"))
    return path


def test_a_utf8_row_inside_a_gbk_file_is_refused_not_stored_as_mojibake(tmp_path):
    first, second, third = read_rows(_gbk_file_with_a_utf8_row(tmp_path / "export.csv"))
    assert (first["姓名"], third["姓名"]) == ("韩梅梅", "王芳")
    assert isinstance(second, RecordError) and second.record_id == "export.csv:3"
    assert "UTF-8 text inside a gb18030 file" in str(second) and "column 姓名" in str(second)
    assert "李雷" not in str(second) and "鏉" not in str(second)  # names the column, never the value


def test_control_characters_and_lost_text_are_refused(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "C1,韩\x00梅梅,产品经理\nC2,李雷,数据\ufffd析师\nC3,王芳,产品经理\n", encoding="utf-8")
    first, second, third = read_rows(path)
    assert isinstance(first, RecordError) and "column 姓名 holds control characters" in str(first)
    assert isinstance(second, RecordError) and "column 应聘岗位 holds U+FFFD" in str(second)
    assert third["姓名"] == "王芳"


def test_jsonl_escapes_carry_control_characters_and_are_refused_wherever_nested(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text('{"姓名": "韩\\u0000梅梅"}\n{"评语": {"面试官": ["好", "数据\\ufffd析"]}}\n{"姓名": "王芳\\t"}\n',
                    encoding="utf-8")
    nul, lost, fine = read_rows(path)
    assert isinstance(nul, RecordError) and nul.record_id == "export.jsonl:1"
    assert "column 姓名 holds control characters" in str(nul) and "韩" not in str(nul)
    assert isinstance(lost, RecordError) and "column 评语 holds U+FFFD" in str(lost)
    assert fine["姓名"] == "王芳\t"  # a tab is typed; only the other controls are damage
    assert [row["姓名"] for row in read_rows(path, checked=False) if "姓名" in row] == ["韩\x00梅梅", "王芳\t"]


def test_cells_beyond_the_header_are_refused_in_csv_and_xlsx(tmp_path):
    csv_path = tmp_path / "export.csv"
    csv_path.write_text(HEADER + "C1,李雷,数据分析师,15000\nC2,王芳,产品经理,,\n", encoding="utf-8")
    shifted, fine = read_rows(csv_path)
    assert isinstance(shifted, RecordError) and "4 non-empty cells, the header 3 columns" in str(shifted)
    assert dict(fine) == {"候选人编号": "C2", "姓名": "王芳", "应聘岗位": "产品经理"}  # blank extra cells are no harm

    xlsx_path = tmp_path / "export.xlsx"
    book = openpyxl.Workbook()
    for row in (["候选人编号", "姓名"], ["C1", "李雷", 15000], ["C2", "王芳"]):
        book.active.append(row)
    book.save(xlsx_path)
    shifted, fine = read_rows(xlsx_path)
    assert isinstance(shifted, RecordError) and shifted.record_id == "export.xlsx:2"
    assert fine["姓名"] == "王芳"


_NAMES = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(_NAMES, min_size=1, max_size=5))
def test_genuine_gbk_text_is_never_taken_for_mixed_encodings(tmp_path_factory, names):
    """The heuristic must not refuse real GBK rows: any common ideographs, written in GBK, read back whole."""
    encodable = [name for name in names if _gbk(name)]
    if not encodable:
        return
    path = tmp_path_factory.mktemp("gbk") / "export.csv"
    path.write_bytes(("姓名\n" + "\n".join(encodable) + "\n").encode("gbk"))
    rows = list(read_rows(path, encoding="gbk"))
    assert [row["姓名"] for row in rows] == encodable


def _gbk(text):
    try:
        text.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True
