"""The built-in library is registered under the agreed names and keeps the transform contract."""

from __future__ import annotations

import inspect

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.core.plugins import load_registry
from hub.core.transform_params import declared_params
from hub.core.transforms import BUILTIN_TRANSFORMS

# The names docs/mapping.md promises mapping authors (the team's mapping-format contract).
CONTRACT_NAMES = {
    "to_str", "to_int", "to_decimal", "strip", "lower", "upper", "split",
    "score", "recommendation", "datetime", "date", "money", "money_range", "compensation",
    "phone", "phones", "email", "emails", "cn_resident_id", "bank_card", "name_part",
}  # fmt: skip
#: The parameters a transform cannot be called without, as the contract checks below call it.
REQUIRED = {"money": {"currency": "CNY"}, "money_range": {"currency": "CNY"}, "compensation": {"currency": "CNY"},
            "name_part": {"part": "given"}}


def test_every_contract_name_is_registered():
    assert CONTRACT_NAMES <= set(BUILTIN_TRANSFORMS)
    assert set(BUILTIN_TRANSFORMS) - CONTRACT_NAMES == {"birth_date_from_id"}


def test_the_plugin_registry_serves_the_builtins():
    transforms = load_registry().transforms
    for name, function in BUILTIN_TRANSFORMS.items():
        assert transforms[name] is function


def test_time_transforms_take_the_mapping_timezone_as_tz():
    for name in ("datetime", "date"):
        assert "tz" in inspect.signature(BUILTIN_TRANSFORMS[name]).parameters


@pytest.mark.parametrize("name", sorted(BUILTIN_TRANSFORMS))
def test_params_are_keyword_only(name):
    parameters = list(inspect.signature(BUILTIN_TRANSFORMS[name]).parameters.values())
    assert parameters[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[1:])


@pytest.mark.parametrize("name", sorted(BUILTIN_TRANSFORMS))
def test_a_transform_with_parameters_declares_each_of_them(name):
    """What the compiler checks values against and the reference lists: every parameter, in order."""
    function = BUILTIN_TRANSFORMS[name]
    in_signature = list(inspect.signature(function).parameters)[1:]
    assert [param.name for param in declared_params(function) or ()] == in_signature


ANYTHING = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.decimals() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)


@pytest.mark.parametrize("name", sorted(BUILTIN_TRANSFORMS))
@settings(max_examples=60)
@given(value=ANYTHING)
def test_bad_input_raises_only_value_error(name, value):
    params = REQUIRED.get(name, {})
    try:
        BUILTIN_TRANSFORMS[name](value, **params)
    except ValueError as exc:
        assert str(exc), "a ValueError must carry a reason"


# Scores and recommendations are assessment data, not PII, and name the rejected value to help the
# integrator; every other transform may carry PII (names, birth dates, salaries) and must mask it.
MASKING = sorted(set(BUILTIN_TRANSFORMS) - {"score", "recommendation"})


@pytest.mark.parametrize("name", MASKING)
@settings(max_examples=60)
@given(value=st.text(alphabet=st.characters(blacklist_characters="*"), min_size=7, max_size=30))
def test_messages_never_contain_the_input(name, value):
    params = REQUIRED.get(name, {})
    try:
        BUILTIN_TRANSFORMS[name](value, **params)
    except ValueError as exc:
        assert value not in str(exc)
        assert value.strip() not in str(exc) or len(value.strip()) < 7
