"""chunks(): every item once, in order, in lists of the size asked (the last shorter), read lazily."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.chunks import chunks


@given(st.lists(st.integers()), st.integers(min_value=1, max_value=20))
def test_chunks_hold_every_item_once_in_order_all_full_but_the_last(items: list[int], size: int) -> None:
    cut = list(chunks(items, size))
    assert [item for chunk in cut for item in chunk] == items
    assert all(len(chunk) == size for chunk in cut[:-1])
    assert all(1 <= len(chunk) <= size for chunk in cut)


def test_an_endless_stream_is_read_no_further_than_the_chunk_yielded() -> None:
    counter = itertools.count()
    first = next(chunks(counter, 3))
    assert first == [0, 1, 2]
    assert next(counter) == 3  # the stream was not read ahead


def test_a_chunk_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        next(chunks([1], 0))
