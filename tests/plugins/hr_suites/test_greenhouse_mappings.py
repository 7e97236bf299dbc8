"""Greenhouse Harvest v3 mappings: before/after pairs and properties of the status, rating and salary rules.

``tests/fixtures/mapping/greenhouse/<entity>.before.json`` holds the records of the cassettes as the
connector hands them to the mapping — the raw v3 record plus the ``_hub`` values it derives (joined
name, status key, scorecard attribute rows, salary field; see docs/connectors/greenhouse.md) — and
``<entity>.after.json`` the validated canonical entity each one must become (JSON form, nulls left out).
"""

from __future__ import annotations

import functools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.mapping import load_mapping
from hub.core.models import ApplicationStatus, PayPeriod

REPO = Path(__file__).resolve().parents[3]
MAPPINGS = REPO / "hub" / "mappings" / "hr_suites" / "greenhouse"
FIXTURES = REPO / "tests" / "fixtures" / "mapping" / "greenhouse"
ENTITIES = ("department", "job", "candidate", "application", "assessment", "offer")
RATINGS = ("definitely_not", "no", "mixed", "yes", "strong_yes")  # Greenhouse attribute scale, worst first
# Text a person types into Greenhouse: letters, digits, punctuation, symbols and spaces (no control codes).
TYPED = st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), max_size=40)


@functools.cache
def mapping(entity: str) -> Any:
    return load_mapping(MAPPINGS / f"{entity}.yaml")


def fixture(entity: str, side: str) -> list[dict[str, Any]]:
    return json.loads((FIXTURES / f"{entity}.{side}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("entity", ENTITIES)
def test_before_becomes_after(entity: str) -> None:
    compiled = mapping(entity)
    got = [compiled.to_entity(record).model_dump(mode="json", exclude_none=True) for record in fixture(entity, "before")]
    assert got == fixture(entity, "after")


def test_a_bad_record_is_a_typed_error_not_a_crash() -> None:
    broken = {**fixture("offer", "before")[1], "status": "Pending"}  # not a documented offer status
    result = mapping("offer").apply_batch([fixture("offer", "before")[0], broken])
    assert [index for index, _ in result.records] == [0]
    (error,) = result.errors
    assert "Pending" in str(error) and "status" in str(error)


# ---------------------------------------------------------------- properties


APPLICATION = fixture("application", "before")[0]


@given(stage=TYPED)
def test_any_in_process_stage_gives_a_canonical_status_and_keeps_the_stage(stage: str) -> None:
    record = {**APPLICATION, "stage_name": stage, "_hub": {"status_key": f"stage:{stage}"}}
    entity = mapping("application").to_entity(record)
    assert entity.status in set(ApplicationStatus) - {ApplicationStatus.HIRED, ApplicationStatus.REJECTED}
    assert entity.status_raw == "in_process"
    assert entity.stage == (stage.strip() or None)


SCORECARD = fixture("assessment", "before")[0]


@given(ratings=st.lists(st.sampled_from((*RATINGS, "no_decision")), max_size=6))
def test_attribute_ratings_land_on_the_greenhouse_scale_in_order(ratings: list[str]) -> None:
    rows = [{"job_candidate_attribute_id": 6000 + i, "name": f"Attribute {i}", "candidate_attribute_rating": r, "note": None}
            for i, r in enumerate(ratings)]
    entity = mapping("assessment").to_entity({**SCORECARD, "_hub": {"attributes": rows}})
    assert [d.label for d in entity.dimensions] == [row["name"] for row in rows]
    for dimension, rating in zip(entity.dimensions, ratings, strict=True):
        if rating == "no_decision":
            assert dimension.score is None
        else:
            assert dimension.score is not None and dimension.score.value == rating
            assert dimension.score.normalized == Decimal(RATINGS.index(rating) * 25).quantize(Decimal("0.01"))


OFFER = fixture("offer", "before")[1]


@given(
    amount=st.decimals(min_value=1, max_value=10**7, places=2),
    unit=st.sampled_from(("USD", "eur", "CNY")),
    period=st.sampled_from(("annually", "Monthly", "hourly")),
)
def test_a_currency_salary_becomes_compensation_and_keeps_its_text(amount: Decimal, unit: str, period: str) -> None:
    value = {"amount": str(amount), "unit": unit}
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    record = {**OFFER, "_hub": {"salary": {"text": text, "currency": value, "period": period}}}
    entity = mapping("offer").to_entity(record)
    assert entity.compensation is not None
    assert (entity.compensation.base.amount, entity.compensation.base.currency) == (amount, unit.upper())
    assert entity.compensation.period == {"annually": PayPeriod.ANNUAL, "monthly": PayPeriod.MONTHLY,
                                          "hourly": PayPeriod.HOURLY}[period.lower()]
    assert entity.salary_raw == text


@given(text=TYPED.filter(str.strip))
def test_a_free_text_salary_is_kept_raw_without_guessing(text: str) -> None:
    entity = mapping("offer").to_entity({**OFFER, "_hub": {"salary": {"text": text}}})
    assert entity.compensation is None
    assert entity.salary_raw == text.strip()
