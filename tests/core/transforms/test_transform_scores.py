"""Scores keep the vendor's value on the declared scale; recommendations map EN/ZH words."""

from __future__ import annotations

from decimal import Decimal

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.errors import MappingError
from hub.core.mapping import load_mapping_text
from hub.core.models import (
    LETTER_A_E,
    ONE_TO_5,
    RECOMMENDATION_EN,
    ZERO_TO_10,
    ZERO_TO_100,
    RecommendationLevel,
    Scale,
)
from hub.core.transforms.scores import SCALE_PRESETS, recommendation, resolve_scale, score


@pytest.mark.parametrize(
    ("value", "scale", "kept", "normalized"),
    [
        ("7/10", None, "7", "70.00"),
        ("7/10", "zero_to_10", "7", "70.00"),
        ("７/１０", None, "7", "70.00"),
        ("3/5", None, "3", "60.00"),
        (7, "zero_to_10", "7", "70.00"),
        (0, "zero_to_10", "0", "0.00"),
        (10, "zero_to_10", "10", "100.00"),
        ("10.00", "zero_to_10", "10.00", "100.00"),
        (7.5, "zero_to_10", "7.5", "75.00"),
        ("85分", "zero_to_100", "85", "85.00"),
        ("８５分", "zero_to_100", "85", "85.00"),
        ("85%", "zero_to_100", "85", "85.00"),
        ("85 points", "zero_to_100", "85", "85.00"),
        ("4.5星", "one_to_5", "4.5", "87.50"),
        ("4颗星", "one_to_5", "4", "75.00"),
        ("1", "one_to_5", "1", "0.00"),
        ("b", "letter_a_e", "B", "75.00"),
        ("A", "letter_a_e", "A", "100.00"),
        ("E", {"letters": "ABCDE"}, "E", "0.00"),
        ("Strong Yes", "recommendation_en", "strong_yes", "100.00"),
        ("Definitely Not", "recommendation_en", "definitely_not", "0.00"),
        ("STRONG_YES", "recommendation_en", "strong_yes", "100.00"),
        ("no", "recommendation_en", "no", "33.33"),
        ("不推荐", "recommendation_zh", "不推荐", "0.00"),
        ("待定", "recommendation_zh", "待定", "33.33"),
        ("推荐", "recommendation_zh", "推荐", "66.67"),
        ("强烈推荐", "recommendation_zh", "强烈推荐", "100.00"),
        ("Yes", "yes_no", "yes", "100.00"),
        ("否", "yes_no", "no", "0.00"),
        (True, "yes_no", "yes", "100.00"),
        ("6", {"low": 1, "high": 7}, "6", "83.33"),
        ("good", {"labels": ["poor", "fair", "good"]}, "good", "100.00"),
    ],
)
def test_score_keeps_value_as_sent(value, scale, kept, normalized):
    result = score(value, scale=scale)
    assert result.value == kept
    assert result.normalized == Decimal(normalized)


def test_inferred_scale_is_zero_to_denominator():
    assert score("7/10").scale == ZERO_TO_10
    assert score("45/50").scale == Scale.numeric(0, 50)


@pytest.mark.parametrize(
    ("value", "scale", "reason"),
    [
        ("10.01", "zero_to_10", "outside the scale"),
        (-1, "zero_to_10", "outside the scale"),
        ("11/10", "zero_to_10", "outside the scale"),
        ("0.5星", "one_to_5", "outside the scale"),
        ("7", None, "no scale declared"),
        ("F", "letter_a_e", "not on the scale"),
        ("no_decision", "recommendation_en", "not on the scale"),
        ("great", "zero_to_10", "expected a number"),
        ("", "zero_to_10", "empty"),
        (7, "recommendation_en", "not on the scale"),
        (True, "zero_to_10", "yes_no"),
        (None, "zero_to_10", "expected a score"),
        ("7", "zero_to_11", "unknown scale"),
        ("7", {"low": 10, "high": 1}, "invalid scale"),
        ("7", {"low": "x", "high": 1}, "invalid scale"),
        ("a", {"labels": ["a", "A"]}, "invalid scale"),
        ("7", 10, "invalid scale"),
    ],
)
def test_score_rejects(value, scale, reason):
    with pytest.raises(ValueError, match=reason):
        score(value, scale=scale)


@pytest.mark.parametrize(
    ("value", "declared", "kept", "own_scale", "normalized"),
    [
        ("8.7/10", "zero_to_100", "8.7", ZERO_TO_10, "87.00"),
        ("８.７ ／ １０", "one_to_5", "8.7", ZERO_TO_10, "87.00"),
        ("85/100", "zero_to_10", "85", ZERO_TO_100, "85.00"),
        ("4/5", "one_to_5", "4", ONE_TO_5, "75.00"),  # the declared scale when it is the stated one
        ("45/50", "letter_a_e", "45", Scale.numeric(0, 50), "90.00"),
        ("4.5星", "zero_to_100", "4.5", ONE_TO_5, "87.50"),
        ("4 颗星", "zero_to_10", "4", ONE_TO_5, "75.00"),
        ("3 stars", "recommendation_en", "3", ONE_TO_5, "50.00"),
        ("4.5星", {"low": 0, "high": 5}, "4.5", Scale.numeric(0, 5), "90.00"),
        ("85%", "zero_to_10", "85", ZERO_TO_100, "85.00"),
        ("85分", "letter_a_e", "85", ZERO_TO_100, "85.00"),
        ("８５分", None, "85", ZERO_TO_100, "85.00"),
        ("8分", "zero_to_10", "8", ZERO_TO_10, "80.00"),  # points on the declared numeric scale
        ("8.5 pts", {"low": 1, "high": 9}, "8.5", Scale.numeric(1, 9), "93.75"),
        ("2星", {"labels": ["1星", "2星", "3星"]}, "2星", Scale.ordinal(["1星", "2星", "3星"]), "50.00"),  # a label first
    ],
)
def test_a_value_stating_its_scale_keeps_it_under_another_declared_scale(value, declared, kept, own_scale, normalized):
    result = score(value, scale=declared)
    assert (result.value, result.scale, result.normalized) == (kept, own_scale, Decimal(normalized))


@pytest.mark.parametrize(
    ("value", "declared", "reason"),
    [
        ("87", "zero_to_10", "outside the scale 0–10"),
        (11, "zero_to_10", "outside the scale 0–10"),
        ("85分", "zero_to_10", "outside the scale 0–10"),
        ("11/10", "zero_to_100", "outside the scale 0–10"),
        ("6星", "zero_to_100", "outside the scale 1–5"),
        ("101%", "zero_to_10", "outside the scale 0–100"),
        ("7/0", "zero_to_10", "out of 0 has no scale"),
    ],
)
def test_only_a_number_off_its_own_scale_is_rejected(value, declared, reason):
    with pytest.raises(ValueError, match=reason):
        score(value, scale=declared)


@given(
    number=st.decimals(min_value=0, max_value=1000, places=2),
    denominator=st.integers(min_value=1, max_value=1000),
    declared=st.sampled_from([None, "zero_to_10", "zero_to_100", "one_to_5", "letter_a_e", "yes_no"]),
    spaces=st.sampled_from(["", " ", "\u3000"]),
    full_width=st.booleans(),
)
def test_a_stated_denominator_is_the_scale_whatever_is_declared(number, denominator, declared, spaces, full_width):
    text = f"{number}{spaces}/{spaces}{denominator}"
    if full_width:
        text = text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789./"})
    try:
        result = score(text, scale=declared)
    except ValueError as exc:
        assert number > denominator and "outside the scale" in str(exc)
    else:
        assert result.value == str(number)
        assert result.scale.high == denominator
        assert result.normalized == (number / denominator * 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


ASSESSMENT = """\
system: hina
entity: assessment
record_id: id
fields:
  vendor: {const: hina}
  overall: {from: 总分, steps: [{score: {scale: zero_to_10}}]}
"""


@pytest.mark.parametrize(
    ("sent", "kept", "own_scale", "normalized"),
    [
        ("8.7", "8.7", ZERO_TO_10, "87.00"),
        ("8.7/10", "8.7", ZERO_TO_10, "87.00"),
        ("85/100", "85", ZERO_TO_100, "85.00"),
        ("4.5星", "4.5", ONE_TO_5, "87.50"),
        ("85%", "85", ZERO_TO_100, "85.00"),
    ],
)
def test_a_mapping_declaring_one_scale_keeps_the_scale_a_value_states(sent, kept, own_scale, normalized):
    overall = load_mapping_text(ASSESSMENT).to_entity({"id": 1, "总分": sent}).overall
    assert (overall.value, overall.scale, overall.normalized) == (kept, own_scale, Decimal(normalized))


def test_a_bare_number_off_the_declared_scale_is_a_mapping_error_naming_the_field():
    with pytest.raises(MappingError, match="outside the scale 0–10") as caught:
        load_mapping_text(ASSESSMENT).apply({"id": 1, "总分": "87"})
    assert (caught.value.field_path, caught.value.context["source_path"]) == ("overall", "总分")


def test_presets_are_the_model_scales():
    assert SCALE_PRESETS["one_to_5"] is ONE_TO_5
    assert SCALE_PRESETS["letter_a_e"] is LETTER_A_E
    assert SCALE_PRESETS["recommendation_en"] is RECOMMENDATION_EN
    assert resolve_scale({"letters": "ABC"}).labels == ("C", "B", "A")


@given(st.decimals(min_value=0, max_value=10, places=2))
def test_any_value_on_the_scale_is_kept_exactly(number):
    result = score(str(number), scale="zero_to_10")
    assert result.value == str(number)
    assert Decimal(0) <= result.normalized <= Decimal(100)


@given(st.text(max_size=30))
def test_score_raises_only_value_error(text):
    for scale in (None, "zero_to_100", "one_to_5", "letter_a_e", "recommendation_en", "yes_no"):
        try:
            score(text, scale=scale)
        except ValueError:
            pass


@pytest.mark.parametrize(
    ("word", "level"),
    [
        ("Yes", RecommendationLevel.YES),
        ("STRONG_YES", RecommendationLevel.STRONG_YES),
        ("Strong Yes", RecommendationLevel.STRONG_YES),
        ("definitely_not", RecommendationLevel.DEFINITELY_NOT),
        ("Definitely Not", RecommendationLevel.DEFINITELY_NOT),
        ("no", RecommendationLevel.NO),
        ("mixed", RecommendationLevel.UNDECIDED),
        ("no_decision", RecommendationLevel.UNDECIDED),
        ("No Decision", RecommendationLevel.UNDECIDED),
        ("待定", RecommendationLevel.UNDECIDED),
        ("不推荐", RecommendationLevel.NO),
        ("推荐", RecommendationLevel.YES),
        ("强烈推荐", RecommendationLevel.STRONG_YES),
        ("淘汰", RecommendationLevel.NO),
        ("不合格", RecommendationLevel.NO),
        ("非常不推荐", RecommendationLevel.DEFINITELY_NOT),
        (" 推荐\u3000", RecommendationLevel.YES),
    ],
)
def test_recommendation_words(word, level):
    result = recommendation(word)
    assert result.level is level
    assert result.raw == word.strip()


@pytest.mark.parametrize("value", ["perhaps", "", "推荐吧", 1, None])
def test_recommendation_rejects_unknown_words(value):
    with pytest.raises(ValueError, match="expected|unknown recommendation"):
        recommendation(value)


@pytest.mark.parametrize(
    ("first", "then", "kept"),
    [(4, Decimal("4.0"), "4.0"), (4, 4.0, "4.0"), ("yes", True, "yes"), (1, "1", "1"), ("4", " 4 ", "4")],
)
def test_scores_of_equal_values_keep_each_value_as_sent(first, then, kept):
    """Reused readings never mix values that are equal but read differently (4 and 4.0, 1 and True)."""
    scale = "yes_no" if isinstance(then, bool) else "one_to_5"
    score(first, scale=scale)
    assert score(then, scale=scale).value == kept


def test_a_shared_score_cannot_be_changed_by_one_holder():
    """Equal readings share one Score; it is frozen, so no record can change another's score."""
    first = score("4.5星", scale="one_to_5")
    for name, value in (("value", "changed"), ("normalized", Decimal("1"))):
        with pytest.raises(pydantic.ValidationError, match="frozen"):
            setattr(first, name, value)
    again = score("4.5星", scale="one_to_5")
    assert again is first and (again.value, again.normalized) == ("4.5", Decimal("87.50"))
    assert "normalized" in again.model_fields_set


def test_a_rejected_score_or_word_is_rejected_every_time():
    for _ in range(2):
        with pytest.raises(ValueError, match="outside the scale"):
            score("6", scale="one_to_5")
        with pytest.raises(ValueError, match="unknown recommendation 'perhaps'"):
            recommendation(" perhaps ")
    assert recommendation(" 推荐 ").raw == "推荐"
