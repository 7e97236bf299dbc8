"""JSON Lines: a bad line is a RecordError naming file and line, and the rest of the file is read."""

from __future__ import annotations

import pytest

from hub.core.errors import RecordError
from plugins.files.readers import read_rows
from plugins.files.readers.jsonlines import read_json_lines


def _items(path, **kwargs):
    return [(type(item).__name__, item.record_id) for item in read_json_lines(path, **kwargs)]


def test_malformed_line_is_reported_with_its_line_number_and_the_rest_is_read(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text('{"姓名": "张伟"}\n\n{"姓名": 13800138000\n{"姓名": "李娜"}\n[1, 2]\n', encoding="utf-8")
    items = list(read_rows(path))
    assert [(type(item).__name__, item.record_id) for item in items] == [
        ("Row", "export.jsonl:1"),
        ("RecordError", "export.jsonl:3"),
        ("Row", "export.jsonl:4"),
        ("RecordError", "export.jsonl:5"),
    ]
    error = items[1]
    assert isinstance(error, RecordError)
    assert error.context["row"] == 3 and error.context["file"] == "export.jsonl"
    assert "not valid JSON" in str(error)
    assert "13800138000" not in str(error)  # the line's content never reaches the message
    assert "one JSON object, not list" in str(items[3])


def test_too_long_and_too_deep_lines_are_skipped_not_parsed(tmp_path):
    path = tmp_path / "hostile.jsonl"
    deep = "[" * 1500 + "]" * 1500  # under the length cap, far over the depth cap
    path.write_text('{"a": "' + "x" * 5000 + '"}\n' + deep + "\n" + '{"ok": 1}\n', encoding="utf-8")
    items = list(read_json_lines(path, max_line_bytes=4096, max_depth=32))
    assert [str(item.reason) if isinstance(item, RecordError) else dict(item) for item in items] == [
        "line is longer than 4096 bytes; skipped",
        "nested deeper than 32 levels; not parsed",
        {"ok": 1},
    ]
    assert items[2].number == 3


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path):
    path = tmp_path / "strings.jsonl"
    path.write_text('{"评语": "' + "[{" * 100 + '"}\n', encoding="utf-8")
    (row,) = read_json_lines(path, max_depth=4)
    assert row["评语"] == "[{" * 100


def test_bom_and_invalid_utf8_lines(tmp_path):
    path = tmp_path / "bytes.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n' + '{"a": "张"}\n'.encode("gbk") + b'{"a": 3}\n')
    assert _items(path) == [("Row", "bytes.jsonl:1"), ("RecordError", "bytes.jsonl:2"), ("Row", "bytes.jsonl:3")]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_declared_encoding(tmp_path, encoding):
    path = tmp_path / "gbk.jsonl"
    path.write_bytes('{"姓名": "王芳"}\n'.encode(encoding))
    (row,) = read_json_lines(path, encoding=encoding)
    assert row == {"姓名": "王芳"}
