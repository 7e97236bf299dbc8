"""Hostile input, shared by the fuzz tests: damaged copies of valid files, text in the wrong
encoding, control characters, huge values, deep nesting."""

from __future__ import annotations

import copy
import functools
from typing import Any

from hypothesis import strategies as st

__all__ = ["ENCODINGS", "damaged", "deeply_nested", "encoded_text", "hostile_text", "hostile_values", "huge_text",
           "mutated"]  # fmt: skip

#: What a legacy export may really be in, whatever it claims: the hub's own guesses and a few wrong ones.
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-be", "latin-1", "big5", "shift_jis")

# Everything a file can hold except lone surrogates, which no encoder writes: C0/C1 controls, BOMs,
# zero-width and full-width characters, the replacement mark, CJK and the astral planes.
_CHARACTERS = st.characters(exclude_categories=("Cs",))
_AWKWARD = st.sampled_from(["\x00", "\r", "\n", '"', ",", ";", "\t", "\ufeff", "\u200b", "\u3000",
                            "\ufffd", "{", "[", "\\", "&", "<", "䶮", "\U0002a6a5"])  # fmt: skip
hostile_text = st.text(st.one_of(_CHARACTERS, _AWKWARD), max_size=60)


@st.composite
def encoded_text(draw: st.DrawFn, text: st.SearchStrategy[str] = hostile_text) -> bytes:
    """``text`` in a drawn encoding, characters it cannot hold replaced, maybe cut mid-character."""
    data = draw(text).encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    return data[: draw(st.integers(0, len(data)))] if draw(st.booleans()) else data


@st.composite
def mutated(draw: st.DrawFn, base: bytes, max_edits: int = 8) -> bytes:
    """``base`` with a few bytes flipped, inserted or deleted, and maybe cut short: a damaged copy of a
    valid file, which gets past the first checks a random blob fails."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, max_edits))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["flip", "insert", "delete"]))
        if edit == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif edit == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[at : at + draw(st.integers(1, 64))]
    if draw(st.booleans()):
        del data[draw(st.integers(0, len(data))) :]
    return bytes(data)


def huge_text(min_size: int = 100_000, max_size: int = 300_000) -> st.SearchStrategy[str]:
    """One character repeated past the readers' per-cell and per-line limits (cheap to draw)."""
    return st.builds(lambda char, size: char * size, st.sampled_from(["a", "王", '"', "\x00", "{"]),
                     st.integers(min_size, max_size))  # fmt: skip


def deeply_nested(min_depth: int = 30, max_depth: int = 50_000) -> st.SearchStrategy[str]:
    """JSON brackets nested past any sane depth, closed or left open."""
    pairs = st.sampled_from([("[", "]"), ('{"a":', "}")])
    return st.builds(lambda pair, depth, closed: pair[0] * depth + (pair[1] * depth if closed else ""),
                     pairs, st.integers(min_depth, max_depth), st.booleans())  # fmt: skip


#: Values a vendor record may hold where another was expected: wrong types, huge numbers and text,
#: NaN and infinities, dates (XLSX cells come as datetimes), numbers and ids in odd spellings.
_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**300, max_value=10**4000),
    st.floats(), hostile_text, huge_text(10_000, 100_000), st.datetimes(), st.dates(),
    st.sampled_from(["", " ", "NaN", "-inf", "1e99999", "9" * 5000, "2024-02-30", "24:00", "¥-0", "13800138000" * 3,
                     "11010519491231002X", "a@b", "＠", "1,000,000,000,000,000,000", "0x1F", "1_000", "٣٤"]),
)  # fmt: skip
hostile_values = st.recursive(_SCALAR, lambda inner: st.lists(inner, max_size=3)
                              | st.dictionaries(hostile_text, inner, max_size=3), max_leaves=6)  # fmt: skip


def _places(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place inside a JSON value another value sits at: keys of objects, indexes of lists."""
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    found = []
    for key, child in children:
        found.append((*prefix, key))
        found.extend(_places(child, (*prefix, key)))
    return found


@st.composite
def damaged(draw: st.DrawFn, record: Any, max_edits: int = 4) -> Any:
    """A copy of a real ``record`` with a few of its values replaced by :data:`hostile_values` or
    removed: it still looks like the record a parser or mapping expects, so it gets past the first checks."""
    record = copy.deepcopy(record)
    for _ in range(draw(st.integers(1, max_edits))):
        places = _places(record)
        if not places:
            break
        *parents, key = draw(st.sampled_from(places))
        parent = functools.reduce(lambda node, step: node[step], parents, record)
        if isinstance(parent, dict) and draw(st.integers(0, 4)) == 0:
            del parent[key]
        else:
            parent[key] = draw(hostile_values)
    return record
