"""split_name (plugins.payroll.gusto_write): a one-text name as Gusto's first and last name."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from plugins.payroll.gusto_write import NAME_SPLITS, split_name

WORD = st.text(st.characters(blacklist_categories=("Z", "C")), min_size=1, max_size=12)


@given(st.lists(WORD, min_size=2, max_size=5), st.sampled_from(NAME_SPLITS))
def test_a_name_of_two_words_or_more_splits_into_two_non_empty_parts_that_make_it_whole(words, how) -> None:
    first, last = split_name("  ".join(words), how)
    assert first and last and f"{first} {last}" == " ".join(words)
    assert (first == words[0]) if how == "first_word" else (last == words[-1])


@given(st.one_of(st.just(""), WORD.map(lambda w: f"  {w} ")))
def test_fewer_than_two_words_is_no_name_gusto_takes(name) -> None:
    assert split_name(name) is None
