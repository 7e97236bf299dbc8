"""The canonical model: scales, money, PII markers and typed validation errors."""

from __future__ import annotations

import enum
import json
import typing
from decimal import Decimal

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.errors import HubError, ModelValidationError
from hub.core.models import (
    ENTITY_TYPES,
    LETTER_A_E,
    ONE_TO_5,
    RECOMMENDATION_EN,
    RECOMMENDATION_ZH,
    YES_NO,
    ZERO_TO_10,
    ZERO_TO_100,
    Application,
    CanonicalEnum,
    Candidate,
    Employee,
    Money,
    MoneyRange,
    Offer,
    Scale,
    Score,
    pii_fields,
    validate_entity,
)


@pytest.mark.parametrize(
    ("scale", "value", "expected"),
    [
        (ZERO_TO_10, "0", "0.00"),
        (ZERO_TO_10, "10", "100.00"),
        (ZERO_TO_10, "7.5", "75.00"),
        (ZERO_TO_100, "0", "0.00"),
        (ZERO_TO_100, "100", "100.00"),
        (ZERO_TO_100, "85", "85.00"),
        (ONE_TO_5, "1", "0.00"),
        (ONE_TO_5, "5", "100.00"),
        (ONE_TO_5, "4.5", "87.50"),
        (LETTER_A_E, "A", "100.00"),
        (LETTER_A_E, "e", "0.00"),
        (LETTER_A_E, "C", "50.00"),
        (RECOMMENDATION_EN, "definitely_not", "0.00"),
        (RECOMMENDATION_EN, "strong_yes", "100.00"),
        (RECOMMENDATION_EN, "yes", "66.67"),
        (RECOMMENDATION_ZH, "不推荐", "0.00"),
        (RECOMMENDATION_ZH, "待定", "33.33"),
        (RECOMMENDATION_ZH, "推荐", "66.67"),
        (RECOMMENDATION_ZH, "强烈推荐", "100.00"),
        (YES_NO, "no", "0.00"),
        (YES_NO, "yes", "100.00"),
    ],
)
def test_every_scale_normalizes_at_its_edges(scale: Scale, value: str, expected: str) -> None:
    score = Score(value=value, scale=scale)
    assert score.normalized == Decimal(expected)
    assert score.value == value  # the value as sent is never lost


@pytest.mark.parametrize(
    ("scale", "value"),
    [
        (ZERO_TO_10, "-0.01"),
        (ZERO_TO_10, "10.01"),
        (ZERO_TO_100, "101"),
        (ONE_TO_5, "0.99"),
        (ONE_TO_5, "6"),
        (LETTER_A_E, "F"),
        (RECOMMENDATION_ZH, "一般"),
        (ZERO_TO_10, "abc"),
        (ZERO_TO_10, "NaN"),
    ],
)
def test_values_off_the_scale_are_rejected(scale: Scale, value: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        Score(value=value, scale=scale)


def test_configurable_letter_grades() -> None:
    four_letters = Scale.letters("ABCD")
    assert Score(value="B", scale=four_letters).normalized == Decimal("66.67")
    with pytest.raises(pydantic.ValidationError):
        Score(value="E", scale=four_letters)


def test_a_scale_must_be_well_formed() -> None:
    with pytest.raises(pydantic.ValidationError):
        Scale.numeric(5, 1)
    with pytest.raises(pydantic.ValidationError):
        Scale.ordinal(("yes",))


@given(st.decimals(min_value=0, max_value=10, places=2, allow_nan=False))
def test_numeric_normalization_is_monotonic_and_bounded(value: Decimal) -> None:
    normalized = Score(value=str(value), scale=ZERO_TO_10).normalized
    assert Decimal(0) <= normalized <= Decimal(100)
    assert abs(normalized - value * 10) <= Decimal("0.005")


def test_money_from_a_json_float_keeps_its_text() -> None:
    money = Money.model_validate_json('{"amount": 0.1, "currency": "cny"}')
    assert money.amount == Decimal("0.1")
    assert isinstance(money.amount, Decimal)
    assert money.currency == "CNY"
    assert Money(amount=1234.56, currency="USD").amount == Decimal("1234.56")


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**12, max_value=10**12))
def test_money_round_trips_through_json_exactly(amount: Decimal) -> None:
    money = Money(amount=amount, currency="EUR")
    assert Money.model_validate_json(money.model_dump_json()).amount == amount


@pytest.mark.parametrize("currency", ["RMB1", "12", "", "yuan"])
def test_money_rejects_non_iso_currency(currency: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        Money(amount="1", currency=currency)


def test_money_range_must_be_ordered_and_single_currency() -> None:
    with pytest.raises(pydantic.ValidationError):
        MoneyRange(low=Money(amount=2, currency="CNY"), high=Money(amount=1, currency="CNY"))
    with pytest.raises(pydantic.ValidationError):
        MoneyRange(low=Money(amount=1, currency="CNY"), high=Money(amount=2, currency="USD"))


def test_pii_is_marked_in_the_model() -> None:
    assert {"national_id", "birth_date", "phones", "emails", "remote_data"} <= pii_fields(Candidate)
    assert {"national_id", "bank_account", "compensation"} <= pii_fields(Employee)
    assert "compensation" in pii_fields(Offer)
    assert "status" not in pii_fields(Application)
    for model in ENTITY_TYPES.values():
        assert "remote_data" in pii_fields(model)


def test_application_status_covers_the_chinese_pipeline() -> None:
    statuses = {status.value for status in Application.model_fields["status"].annotation}  # type: ignore[union-attr]
    assert {
        "applied", "screening", "ai_interview_invited", "ai_interview_completed", "pending_department_review",
        "second_interview", "offer", "hired", "rejected", "withdrawn", "talent_pool",
    } <= statuses


def test_invalid_data_raises_a_typed_error_naming_the_field() -> None:
    with pytest.raises(ModelValidationError) as caught:
        validate_entity("application", {"candidate": {"id": "c1"}, "status": "maybe"}, system="moka", record_id="42")
    error = caught.value
    assert isinstance(error, HubError)
    assert (error.system, error.entity, error.record_id, error.field_path) == ("moka", "application", "42", "status")
    assert error.code == "model-validation-error"


def test_pii_values_are_masked_in_validation_errors() -> None:
    with pytest.raises(ModelValidationError) as caught:
        validate_entity("candidate", {"phones": ["13800138000"]}, system="csv", record_id="7")
    assert "13800138000" not in str(caught.value)
    assert "8000" in str(caught.value)


def test_every_entity_round_trips_through_json() -> None:
    with open("hub/examples/canonical_samples.jsonl", encoding="utf-8") as lines:
        samples = [json.loads(line) for line in lines if line.strip()]
    valid = 0
    for item in samples:
        try:
            entity = validate_entity(item["kind"], item["data"])
        except ModelValidationError:
            continue
        again = type(entity).model_validate_json(entity.model_dump_json())
        assert again == entity
        valid += 1
    assert valid == len(samples) - 1


# ---- enums: dumped by pydantic-core's string serializer (CanonicalEnum) --------------------------


def _enum_types(model: type[pydantic.BaseModel], seen: set[type] | None = None) -> set[type]:
    """Every Enum type reachable from ``model``'s fields, nested models included."""
    seen = set() if seen is None else seen
    found: set[type] = set()
    stack = [info.annotation for info in model.model_fields.values()]
    while stack:
        annotation = stack.pop()
        stack.extend(typing.get_args(annotation))
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            found.add(annotation)
        elif isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel) and annotation not in seen:
            seen.add(annotation)
            found |= _enum_types(annotation, seen)
    return found


def test_every_enum_of_the_canonical_model_is_a_canonical_enum():
    enums = set().union(*(_enum_types(model) for model in ENTITY_TYPES.values()))
    assert len(enums) >= 7  # status, scale kind, assessment kind, recommendation, pay period, offer, employment
    assert [e.__name__ for e in enums if not issubclass(e, CanonicalEnum)] == []


@given(st.sampled_from(sorted({m for model in ENTITY_TYPES.values() for e in _enum_types(model) for m in e}, key=repr)))
def test_an_enum_member_dumps_as_its_value_and_round_trips(member):
    """The fast serializer writes exactly what pydantic's enum serializer wrote (stored content
    hashes depend on it), and validation gives the member back."""
    adapter = pydantic.TypeAdapter(type(member))
    assert adapter.dump_json(member) == json.dumps(member.value, ensure_ascii=False).encode()
    assert adapter.dump_python(member) is member
    assert adapter.dump_python(member, mode="json") == member.value and type(adapter.dump_python(member, mode="json")) is str
    assert adapter.validate_json(adapter.dump_json(member)) is member
