"""Property: whatever Chinese/ASCII text the csv module writes, the CSV reader reads back identically."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.files.readers import read_rows

# Cells: ASCII and CJK, with the characters that need quoting (comma, quote, line breaks, ; and tab).
_CELL = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
        st.sampled_from(["\n", "\r", '"', ",", ";", "\t", "。", "，"]),
    ),
    max_size=12,
)
_HEADER = st.text(
    alphabet=st.one_of(st.characters(min_codepoint=0x61, max_codepoint=0x7A),
                       st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)),
    min_size=1,
    max_size=6,
)  # fmt: skip


@st.composite
def _tables(draw):
    headers = draw(st.lists(_HEADER, min_size=1, max_size=5, unique=True))
    row = st.lists(_CELL, min_size=len(headers), max_size=len(headers)).filter(lambda cells: any(c.strip() for c in cells))
    return headers, draw(st.lists(row, max_size=6))


@settings(max_examples=60, deadline=None)
@given(table=_tables(), encoding=st.sampled_from(["utf-8-sig", "gb18030"]))
def test_csv_round_trip(table, encoding):
    headers, rows = table
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        with path.open("w", encoding=encoding, newline="") as handle:
            csv.writer(handle).writerows([headers, *rows])
        read = [dict(row) for row in read_rows(path, delimiter=",")]
    assert read == [dict(zip(headers, row)) for row in rows]
