"""``name_part``: a name's given and family parts, for systems that keep them apart (BambooHR)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.transforms.basic import normalize_text
from hub.core.transforms.identity import name_part

_WORD = st.text(st.characters(categories=("L",)), min_size=1, max_size=8)


@given(st.lists(_WORD, min_size=2, max_size=5), st.sampled_from([" ", "  ", "\t"]))
def test_given_and_family_make_the_name_again(words: list[str], space: str) -> None:
    written = f" {space.join(words)} "
    given_name, family = name_part(written, part="given"), name_part(written, part="family")
    assert f"{given_name} {family}" == " ".join(normalize_text(written).split())  # full-width forms folded
    assert family and not any(c.isspace() for c in family)


@pytest.mark.parametrize("value", ["Ada", "  ", "", "李雷"])
def test_a_name_of_one_word_is_refused_masked(value: str) -> None:
    with pytest.raises(ValueError, match="two or more words") as refused:
        name_part(value, part="given")
    assert value.strip() == "" or value not in str(refused.value)


def test_the_part_must_be_named() -> None:
    with pytest.raises(ValueError, match="given, family"):
        name_part("Ada Lovelace", part="middle")
