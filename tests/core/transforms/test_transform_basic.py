"""Basic transforms: text and number coercion without silent loss."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.transforms.basic import lower, split, strip, to_decimal, to_int, to_str, upper


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (123.0, "123"),
        (1.5, "1.5"),
        (0.1, "0.1"),
        (123, "123"),
        (Decimal("12.50"), "12.50"),
        ("  keep  ", "  keep  "),
        (True, "true"),
        (False, "false"),
    ],
)
def test_to_str(value, expected):
    assert to_str(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12), ("１２", 12), (" 12,345 ", 12345), (12.0, 12), ("-7", -7), (Decimal("3.00"), 3), (5, 5),
    ],  # fmt: skip
)
def test_to_int(value, expected):
    assert to_int(value) == expected


@pytest.mark.parametrize(
    "value", ["12.5", 12.5, Decimal("1E+999999"), "1,23", "twelve", "", True, None, [1], float("nan")]
)
def test_to_int_refuses_fractions_and_non_numbers(value):
    with pytest.raises(ValueError, match="expected"):
        to_int(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.1, "0.1"), ("15000.50", "15000.50"), ("1,234.5", "1234.5"), ("８５", "85"), (".5", "0.5"),
        ("1.5E+4", "1.5E+4"), (7, "7"),
    ],  # fmt: skip
)
def test_to_decimal_keeps_digits_as_written(value, expected):
    result = to_decimal(value)
    assert isinstance(result, Decimal)
    assert str(result) == expected


@pytest.mark.parametrize("value", ["1.2.3", "12,34", "1e5000", "inf", "NaN", float("inf"), None, {}])
def test_to_decimal_refuses(value):
    with pytest.raises(ValueError):
        to_decimal(value)


def test_strip_removes_full_width_and_zero_width_space():
    assert strip("\u3000\u200b张三 \ufeff") == "张三"


def test_case():
    assert lower("AbC") == "abc"
    assert upper("AbC") == "ABC"
    with pytest.raises(ValueError, match="expected text"):
        lower(12)


@pytest.mark.parametrize(
    ("value", "params", "expected"),
    [
        ("a, b,,c", {}, ["a", "b", "c"]),
        ("沟通、协作；学习，执行;抗压", {}, ["沟通", "协作", "学习", "执行", "抗压"]),
        ("a；b", {"sep": ";"}, ["a", "b"]),
        ("a|b | c", {"sep": "|"}, ["a", "b", "c"]),
        ("a, b|c", {"sep": "|"}, ["a, b", "c"]),
        (["x ", "", 3], {}, ["x", "3"]),
        ("", {}, []),
    ],
)
def test_split(value, params, expected):
    assert split(value, **params) == expected


def test_split_needs_a_separator():
    with pytest.raises(ValueError, match="sep"):
        split("a", sep="")


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_integral_floats_print_without_point(number):
    assert to_str(float(number)) == str(int(float(number)))


@given(st.decimals(allow_nan=False, allow_infinity=False).filter(lambda d: abs(d.adjusted()) < 900))
def test_to_decimal_round_trips_decimal_text(number):
    assert str(to_decimal(str(number))) == str(number)
