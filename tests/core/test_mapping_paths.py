"""The source-path syntax: parsing, formatting, reading, and its round trip (property-tested)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.mapping import MISSING, PathSyntaxError, format_path, parse_path
from hub.core.mapping.paths import compile_getter


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", ()),
        ("id", ("id",)),
        ("current_stage.name", ("current_stage", "name")),
        ("tags[0]", ("tags", 0)),
        ("attachments[-1].url", ("attachments", -1, "url")),
        ("基本信息.所在城市", ("基本信息", "所在城市")),
        ("First Name", ("First Name",)),
        ('["rating.v2"].value', ("rating.v2", "value")),
        ('answers["q[1]"]', ("answers", "q[1]")),
        ('a["say \\"hi\\""]', ("a", 'say "hi"')),
        ('a["back\\\\slash"]', ("a", "back\\slash")),
        ('[""]', ("",)),
        ("[2][3]", (2, 3)),
    ],
)
def test_parse_path(text: str, segments: tuple) -> None:
    assert parse_path(text) == segments


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("a..b", 2),
        ("a.", 2),
        (".a", 0),
        ("a[", 2),
        ("a[x]", 2),
        ("a[1", 3),
        ("a[1]b", 4),
        ('a["b', 4),
        ('a["b"', 5),
        ("a]b", 1),
        ('a"b', 1),
        ('a["\\n"]', 3),
        ("a[١]", 2),  # Arabic-Indic digit is not an index
    ],
)
def test_parse_path_names_the_position_of_the_problem(text: str, position: int) -> None:
    with pytest.raises(PathSyntaxError) as info:
        parse_path(text)
    assert info.value.position == position
    assert f"position {position}" in str(info.value)


keys = st.text(
    alphabet=st.one_of(st.sampled_from('.[]"\\ 姓名手机号总分沟通能力'), st.characters(codec="utf-8")), max_size=8
)
segments = st.lists(st.one_of(keys, st.integers(-50, 50)), max_size=6).map(tuple)


@given(segments)
def test_format_then_parse_round_trips(path: tuple) -> None:
    assert parse_path(format_path(path)) == path


@given(segments)
def test_formatted_paths_are_canonical(path: tuple) -> None:
    text = format_path(path)
    assert format_path(parse_path(text)) == text


def test_getter_reads_nested_values_and_reports_missing() -> None:
    record = {"基本信息": {"城市": "上海"}, "tags": ["a", "b"], "n": None, "s": "text"}
    assert compile_getter(parse_path("基本信息.城市"))(record) == "上海"
    assert compile_getter(parse_path("tags[-1]"))(record) == "b"
    assert compile_getter(parse_path("n"))(record) is None
    for missing in ("nope", "tags[2]", "tags[-3]", "tags.x", "s[0]", "n.x", "基本信息[0]"):
        assert compile_getter(parse_path(missing))(record) is MISSING, missing


class _Row(dict):
    """A dict subclass, as the file connector's rows are."""


@pytest.mark.parametrize("record", [{"a": 1}, {"a": None}, {"b": 1}, {}, _Row(a="x"), _Row()])
def test_getter_for_checked_records_reads_like_the_general_one(record: dict) -> None:
    assert compile_getter(("a",), from_dict=True)(record) == compile_getter(("a",))(record)
    assert compile_getter(("a", "b"), from_dict=True)({"a": record}) == compile_getter(("a", "b"))({"a": record})
