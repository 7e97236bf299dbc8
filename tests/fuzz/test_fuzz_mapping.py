"""Fuzzing the mapping engine and its transforms with hostile vendor records: a built-in mapping turns
any record into a canonical entity or a :class:`~hub.core.errors.HubError` (a mapping error naming the
field, or a model validation error) — never a transform's own exception, never a hang — and so does the
reverse mapping of whatever entity came out, within the budgets of :mod:`tests.fuzz.harness`.

Each record is a real one (the Greenhouse fixtures, a row of the legacy export) with a few values
replaced by hostile ones: wrong types, huge numbers and text, NaN, control characters, nesting where a
scalar belongs. Every built-in transform is reached this way, through the rules that use it.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from hub.core.errors import HubError
from hub.core.mapping import CompiledMapping, load_mapping
from hub.core.models import Entity
from plugins.files.readers import read_rows
from tests.fuzz.harness import FUZZ, outcome
from tests.fuzz.strategies import damaged, hostile_values

REPO = Path(__file__).resolve().parents[2]
GREENHOUSE = ("department", "job", "candidate", "application", "assessment", "offer")
LEGACY = ("candidate", "job", "application", "assessment")


@functools.cache
def compiled(path: Path) -> CompiledMapping:
    return load_mapping(path)


def _greenhouse(entity: str) -> tuple[Path, list[dict[str, Any]]]:
    fixture = REPO / "tests" / "fixtures" / "mapping" / "greenhouse" / f"{entity}.before.json"
    return REPO / "hub" / "mappings" / "hr_suites" / "greenhouse" / f"{entity}.yaml", json.loads(fixture.read_text("utf-8"))


_LEGACY_ROWS = [dict(row) for row in read_rows(REPO / "hub" / "examples" / "legacy_ai_interview" / "ai_interview_results.csv")][:3]
#: Every built-in mapping that reads vendor records, with real records it reads.
CASES = [_greenhouse(entity) for entity in GREENHOUSE] + [
    (REPO / "hub" / "mappings" / "files" / "legacy_ai_interview" / f"{entity}.yaml", _LEGACY_ROWS) for entity in LEGACY
]  # fmt: skip


@st.composite
def hostile_records(draw: st.DrawFn) -> tuple[Path, Any]:
    """A built-in mapping and one of its real records with a few values replaced or removed."""
    path, records = draw(st.sampled_from(CASES))
    return path, draw(st.one_of(damaged(draw(st.sampled_from(records))), hostile_values))


@FUZZ
@given(case=hostile_records())
def test_a_hostile_record_maps_or_fails_typed(case):
    path, record = case
    mapping = compiled(path)
    entity = outcome(lambda: mapping.to_entity(record, record_id="row 2"))
    assert isinstance(entity, (Entity, HubError)), entity
    if isinstance(entity, Entity):  # a mapping without a reverse section says so with a MappingCompileError
        assert isinstance(outcome(lambda: mapping.reverse(entity)), (dict, HubError))


@FUZZ
@given(page=hostile_values, entity=st.sampled_from(GREENHOUSE))
def test_a_hostile_page_lists_records_or_fails_typed(page, entity):
    mapping = compiled(_greenhouse(entity)[0])
    assert isinstance(outcome(lambda: mapping.records_in(page)), (list, HubError))

