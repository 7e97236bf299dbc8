"""Applying compiled mappings: before/after fixtures, rule semantics, lookup, reverse, batches, errors.

The transforms here are small stand-ins registered the way a plugin would (a dict passed to the
engine), so these tests exercise the engine and not the transform library.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import to_jsonable_python

from hub.core.errors import MalformedPageError, MappingCompileError, MappingError, ModelValidationError
from hub.core.mapping import CompiledMapping, load_mapping, load_mapping_text
from hub.core.models import Application, ApplicationStatus, Ref, validate_entity

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mapping"


def to_str(value: Any) -> str:
    if isinstance(value, (dict, list)):
        raise ValueError(f"a {type(value).__name__} is not text")
    return str(value)


def upper(value: Any) -> str:
    return to_str(value).upper()


def split(value: Any, *, sep: str = ",") -> list[str]:
    return [part.strip() for part in to_str(value).split(sep) if part.strip()]


def phone(value: Any, *, region: str) -> str:
    digits = re.sub(r"\D", "", to_str(value))
    if region != "CN" or len(digits) != 11:
        raise ValueError(f"{value!r} is not a mobile number in {region}")
    return "+86" + digits


def score(value: Any, *, high: int) -> dict[str, Any]:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("a score must be a number")
    return {"value": str(value), "scale": {"kind": "numeric", "low": 0, "high": high}}


def datetime(value: Any, *, tz: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(to_str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(tz))


def slug(value: Any) -> str:
    return re.sub(r"\W+", "_", to_str(value).strip().lower())


def explode(value: Any) -> Any:
    raise KeyError("a transform bug")


TRANSFORMS = {f.__name__: f for f in (to_str, upper, split, phone, score, datetime, slug, explode)}


def mapping(text: str) -> CompiledMapping:
    return load_mapping_text(text, transforms=TRANSFORMS)


# ---------------------------------------------------------------------------------------------------
# Before/after fixture pairs
# ---------------------------------------------------------------------------------------------------

CASES = sorted(path.name for path in FIXTURES.iterdir() if (path / "mapping.yaml").is_file())


@pytest.mark.parametrize("case", CASES)
def test_fixture_pair(case: str) -> None:
    folder = FIXTURES / case
    compiled = load_mapping(folder / "mapping.yaml", transforms=TRANSFORMS)
    records = compiled.records_in(json.loads((folder / "input.json").read_text(encoding="utf-8")))
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    assert [to_jsonable_python(compiled.apply(record)) for record in records] == expected
    for record in records:  # and every produced record is a valid canonical entity
        assert compiled.to_entity(record).external_ids[compiled.system]


def test_fixture_cases_exist() -> None:
    assert {"candidate_zh", "assessment_zh", "application_en"} <= set(CASES)


# ---------------------------------------------------------------------------------------------------
# Rule semantics
# ---------------------------------------------------------------------------------------------------

CANDIDATE = "system: csv\nentity: candidate\nrecord_id: id\n"


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_default_applies_to_missing_null_and_blank(empty: Any) -> None:
    m = mapping(CANDIDATE + "fields:\n  location: {from: city, steps: [upper], default: 未知}\n")
    assert m.apply({"id": 1, "city": empty})["location"] == "未知"
    assert m.apply({"id": 1})["location"] == "未知"
    assert m.apply({"id": 1, "city": "sh"})["location"] == "SH"  # steps apply to real values only


def test_missing_optional_source_is_not_set_but_explicit_default_null_is() -> None:
    m = mapping(CANDIDATE + "fields:\n  location: {from: city}\n  source: {from: src, default: null}\n")
    assert m.apply({"id": 1}) == {"external_ids": {"csv": "1"}, "source": None}


def test_required_missing_is_a_mapping_error_naming_record_field_and_source() -> None:
    m = mapping(CANDIDATE + "fields:\n  name: {from: 姓名, required: true}\n")
    with pytest.raises(MappingError) as info:
        m.apply({"id": "r-9", "姓名": " "})
    error = info.value
    assert (error.system, error.entity, error.record_id, error.field_path) == ("csv", "candidate", "r-9", "name")
    assert error.context["source_path"] == "姓名"
    assert "a required value is missing" in error.reason


def test_const_values_are_not_shared_between_records() -> None:
    m = mapping(CANDIDATE + "fields:\n  tags: {const: [a]}\n")
    first = m.apply({"id": 1})
    first["tags"].append("b")
    assert m.apply({"id": 2})["tags"] == ["a"]


def test_scalar_into_list_field_is_wrapped_and_lists_pass_through() -> None:
    m = mapping(CANDIDATE + "fields:\n  tags: {from: t}\n")
    assert m.apply({"id": 1, "t": "x"})["tags"] == ["x"]
    assert m.apply({"id": 1, "t": ["x", "y"]})["tags"] == ["x", "y"]


def test_timezone_is_bound_to_transforms_taking_tz_unless_the_step_sets_it() -> None:
    m = mapping(
        "system: s\nentity: application\nrecord_id: id\ntimezone: Asia/Shanghai\nfields:\n"
        "  candidate: {from: c, default: {id: x}}\n  status: {const: applied}\n"
        "  applied_at: {from: a, steps: [datetime]}\n  updated_at: {from: a, steps: [{datetime: {tz: UTC}}]}\n"
    )
    out = m.apply({"id": 1, "a": "2024-05-01T09:30:00"})
    assert out["applied_at"].isoformat() == "2024-05-01T09:30:00+08:00"
    assert out["updated_at"].isoformat() == "2024-05-01T09:30:00+00:00"


def test_external_id_is_filled_from_record_id_and_rule_may_override() -> None:
    assert mapping(CANDIDATE + "fields: {}\n").apply({"id": 5})["external_ids"] == {"csv": "5"}
    m = mapping(CANDIDATE + "fields:\n  external_ids.csv: {from: id, steps: [upper]}\n  external_ids.hr: {from: hr}\n")
    assert m.apply({"id": "a5", "hr": "h"})["external_ids"] == {"csv": "A5", "hr": "h"}


@pytest.mark.parametrize("rule", ['{const: ""}', "{from: hr, default: '  '}"])
def test_rule_that_empties_the_own_id_is_a_record_error_naming_the_field(rule: str) -> None:
    m = mapping(CANDIDATE + f"fields:\n  external_ids.csv: {rule}\n")
    with pytest.raises(MappingError, match="own id left it empty") as caught:
        m.apply({"id": "7"})
    assert caught.value.context["field_path"] == "external_ids.csv"
    assert caught.value.context["record_id"] == "7"


@pytest.mark.parametrize("record", [{"id": None}, {"id": ""}, {"id": {"x": 1}}, {"id": True}, {}])
def test_record_without_usable_id_is_an_error(record: dict) -> None:
    with pytest.raises(MappingError, match="no usable id"):
        mapping(CANDIDATE + "fields: {}\n").apply(record, record_id="row 3")


def test_nested_each_lists_report_item_index_in_field_path() -> None:
    m = mapping(
        "system: v\nentity: assessment\nrecord_id: id\nfields:\n  vendor: {const: v}\n"
        "  dimensions:\n    each: groups[0].dims\n    fields:\n      key: {from: name, steps: [slug]}\n"
        "      label: {from: name}\n      score: {from: s, steps: [{score: {high: 10}}]}\n"
    )
    good = m.apply({"id": 1, "groups": [{"dims": [{"name": "Team Work", "s": 5}, {"name": "沟通"}]}]})
    assert [d["key"] for d in good["dimensions"]] == ["team_work", "沟通"]
    assert "score" not in good["dimensions"][1]
    with pytest.raises(MappingError) as info:
        m.apply({"id": 1, "groups": [{"dims": [{"name": "a", "s": 1}, {"name": "b", "s": [3]}]}]})
    assert info.value.field_path == "dimensions[1].score"
    assert info.value.context["source_path"] == "groups[0].dims[*].s"
    with pytest.raises(MappingError, match="expected a list of records"):
        m.apply({"id": 1, "groups": [{"dims": "nope"}]})


def test_a_step_returning_none_ends_the_chain() -> None:
    m = mapping(CANDIDATE + "tables: {t: {unknown: null}}\nfields:\n  location: {from: c, steps: [{lookup: {table: t}}, upper]}\n")
    assert m.apply({"id": 1, "c": "unknown"})["location"] is None


def test_a_transform_bug_fails_the_record_not_the_run() -> None:
    m = mapping(CANDIDATE + "fields:\n  location: {from: c, steps: [explode]}\n")
    with pytest.raises(MappingError, match="step 'explode': KeyError"):
        m.apply({"id": 1, "c": "x"})


# ---------------------------------------------------------------------------------------------------
# lookup
# ---------------------------------------------------------------------------------------------------

LOOKUP = (
    "system: ats\nentity: application\nrecord_id: id\n"
    "tables:\n  status:\n    active: applied\n    in review: screening\n    declined: rejected\n"
    "    未通过: rejected\n    yes: hired\n    1: offer\n"
    "fields:\n  candidate.id: {const: c}\n"
)


@pytest.mark.parametrize(
    ("raw", "status"),
    [("active", "applied"), ("in review", "screening"), ("未通过", "rejected"), ("yes", "hired"), (1, "offer")],
)
def test_lookup_keys_are_text_as_written(raw: Any, status: str) -> None:
    m = mapping(LOOKUP + "  status: {from: s, steps: [{lookup: {table: status}}]}\n")
    assert m.apply({"id": 1, "s": raw})["status"] == status


def test_lookup_miss_default_and_fallback() -> None:
    strict = mapping(LOOKUP + "  status: {from: s, steps: [{lookup: {table: status}}]}\n")
    with pytest.raises(MappingError, match="'paused' is not in table 'status'"):
        strict.apply({"id": 1, "s": "paused"})
    with_default = mapping(LOOKUP + "  status: {from: s, steps: [{lookup: {table: status, default: screening}}]}\n")
    assert with_default.apply({"id": 1, "s": "paused"})["status"] == "screening"
    fallback = mapping(LOOKUP + "  status: {from: s, steps: [{lookup: {table: status, default_from_value: slug}}]}\n")
    assert fallback.apply({"id": 1, "s": "On Hold"})["status"] == "on_hold"


@pytest.mark.parametrize("options", ["", ", default: screening", ", default_from_value: slug"])
def test_lookup_reads_non_text_keys_as_text_whatever_happens_to_a_miss(options: str) -> None:
    m = mapping(LOOKUP + f"  status: {{from: s, steps: [{{lookup: {{table: status{options}}}}}]}}\n")
    assert m.apply({"id": 1, "s": 1})["status"] == "offer"
    assert m.apply({"id": 1, "s": "1"})["status"] == "offer"


def test_lookup_miss_of_a_number_names_it_as_text() -> None:
    strict = mapping(LOOKUP + "  status: {from: s, steps: [{lookup: {table: status}}]}\n")
    with pytest.raises(MappingError, match="'2' is not in table 'status'"):
        strict.apply({"id": 1, "s": 2})


def test_lookup_reverse_inverts_the_table_first_key_wins() -> None:
    m = mapping(
        LOOKUP + "  status: {from: s}\nreverse:\n  fields:\n"
        "    state: {from: status, steps: [{lookup: {table: status, reverse: true}}]}\n"
    )
    app = Application(candidate=Ref(id="c"), status=ApplicationStatus.REJECTED)
    assert m.reverse(app) == {"state": "declined"}


# ---------------------------------------------------------------------------------------------------
# reverse
# ---------------------------------------------------------------------------------------------------


def test_reverse_builds_nested_payload_from_entity_and_dict() -> None:
    m = load_mapping(FIXTURES / "application_en" / "mapping.yaml", transforms=TRANSFORMS)
    entity = m.to_entity({"id": 3, "candidate_id": 7, "jobs": [{"id": 1}], "status": "declined", "rejection_reason": {"name": "Too far"}})
    expected = {"status": "rejected", "rejection": {"reason": "Too far"}, "candidate_id": "7"}
    assert m.reverse(entity) == expected
    assert m.reverse(entity.model_dump()) == expected


def test_reverse_reads_computed_and_indexed_canonical_paths() -> None:
    m = mapping(
        "system: v\nentity: assessment\nrecord_id: id\nfields:\n  vendor: {const: v}\n"
        "  overall: {from: total, steps: [{score: {high: 10}}]}\n"
        "reverse:\n  fields:\n    result.percent: {from: overall.normalized}\n    first: {from: 'strengths[0]'}\n"
    )
    entity = m.to_entity({"id": 1, "total": 7})
    assert m.reverse(entity) == {"result": {"percent": "70.00"}}


def test_reverse_without_section_is_a_compile_error() -> None:
    with pytest.raises(MappingCompileError, match="no 'reverse' section"):
        mapping(CANDIDATE + "fields: {}\n").reverse({"name": "x"})


def test_reverse_error_masks_pii_from_canonical_side() -> None:
    m = mapping(CANDIDATE + "fields: {}\nreverse:\n  fields:\n    mobile: {from: 'phones[0]', steps: [{phone: {region: CN}}]}\n")
    with pytest.raises(MappingError) as info:
        m.reverse({"external_ids": {"csv": "9"}, "phones": ["+4412345678"]})
    assert info.value.record_id == "9"
    assert "+4412345678" not in str(info.value)
    assert "*****5678" in str(info.value)


# ---------------------------------------------------------------------------------------------------
# Batches, errors and PII
# ---------------------------------------------------------------------------------------------------

PII_MAPPING = (
    "system: moka\nentity: candidate\nrecord_path: list\nrecord_id: id\nfields:\n"
    "  name: {from: 姓名, required: true}\n  phones: {from: 手机号, steps: [{phone: {region: CN}}]}\n"
    "  location: {from: city, steps: [{split: {sep: 1}}]}\n"
)


def test_batch_returns_good_records_and_one_error_per_bad_record() -> None:
    m = mapping(PII_MAPPING)
    page = {"list": [
        {"id": "a", "姓名": "张三", "手机号": "13800138000"},
        {"id": "b", "姓名": "李四", "手机号": "020-1234-567"},
        "not a record",
        {"姓名": "王五"},
        {"id": "e", "手机号": "13900139000"},
        {"id": "f", "姓名": "赵六"},
    ]}
    result = m.apply_batch(m.records_in(page))
    assert [index for index, _ in result.records] == [0, 5]
    assert result.records[0][1]["phones"] == ["+8613800138000"]
    assert [(e.record_id, e.field_path) for e in result.errors] == [("b", "phones"), ("#2", None), ("#3", None), ("e", "name")]
    phone_error = result.errors[0]
    assert phone_error.context["source_path"] == "手机号"
    assert "020-1234-567" not in str(phone_error)  # neither in the value nor in the transform's reason
    assert phone_error.value == "********-567"
    assert "is not a mobile number in CN" in phone_error.reason


def test_non_pii_values_are_shown_and_reasons_kept() -> None:
    m = mapping(PII_MAPPING)
    with pytest.raises(MappingError) as info:
        m.apply({"id": "x", "姓名": "n", "city": 12})
    assert info.value.field_path == "location"
    assert info.value.value == "12"


STATUS_ONLY = "system: ats\nentity: application\nrecord_id: id\nfields:\n  candidate.id: {const: c}\n  status: {from: s}\n"


def test_to_entity_translates_model_failures() -> None:
    m = mapping(STATUS_ONLY)
    assert m.to_entity({"id": 1, "s": "hired"}).status is ApplicationStatus.HIRED
    with pytest.raises(ModelValidationError) as info:
        m.to_entity({"id": 1, "s": "sleeping"})
    assert (info.value.system, info.value.record_id, info.value.field_path) == ("ats", "1", "status")


def test_to_entity_fails_exactly_like_validate_entity() -> None:
    m = mapping(STATUS_ONLY)
    with pytest.raises(ModelValidationError) as info:
        m.to_entity({"id": 1, "s": "sleeping"})
    data = m.apply({"id": 1, "s": "sleeping"})
    with pytest.raises(ModelValidationError) as expected:
        validate_entity("application", data, system="ats", record_id="1")
    assert (str(info.value), info.value.context) == (str(expected.value), expected.value.context)


def test_required_list_missing_and_step_chains() -> None:
    m = mapping(
        "system: v\nentity: assessment\nrecord_id: id\nfields:\n"
        "  vendor: {from: v, steps: [to_str, upper, slug]}\n"
        "  dimensions: {each: dims, required: true, fields: {key: {from: k}, label: {from: k}}}\n"
    )
    assert m.apply({"id": 1, "v": "Acme AI", "dims": [{"k": "x"}]})["vendor"] == "acme_ai"
    with pytest.raises(MappingError, match="a required list is missing") as info:
        m.apply({"id": 1, "v": "Acme AI"})
    assert info.value.field_path == "dimensions"
    with pytest.raises(MappingError, match="step 'to_str'") as info:
        m.apply({"id": 1, "v": ["not", "text"], "dims": [{"k": "x"}]})
    assert info.value.field_path == "vendor"


@pytest.mark.parametrize(("page", "count"), [({"list": []}, 0), ({"list": None}, 0), ({"list": [{}, {}]}, 2)])
def test_records_in(page: Any, count: int) -> None:
    assert len(mapping(PII_MAPPING).records_in(page)) == count


@pytest.mark.parametrize("page", [{}, {"list": {"id": 1}}, [], "text"])
def test_records_in_rejects_malformed_pages(page: Any) -> None:
    with pytest.raises(MalformedPageError, match="record_path 'list'"):
        mapping(PII_MAPPING).records_in(page)


def test_source_paths_and_target_fields() -> None:
    m = load_mapping(FIXTURES / "assessment_zh" / "mapping.yaml", transforms=TRANSFORMS)
    assert m.source_paths == {"面试编号", "候选人ID", "完成时间", "总分", "综合评语", "维度得分",
                              "维度得分[*].名称", "维度得分[*].得分"}
    assert m.target_fields == {"external_ids.hina", "vendor", "candidate.system", "candidate.external_id",
                               "completed_at", "overall", "comments", "dimensions"}
    assert (m.system, m.entity) == ("hina", "assessment")


# ---------------------------------------------------------------------------------------------------
# Property: apply() raises nothing but MappingError, whatever JSON comes in
# ---------------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["id", "姓名", "s", "dims", "name", "v", "c", "x"]) | st.text(max_size=4), children, max_size=5),
    max_leaves=20,
)
FUZZ = mapping(
    "system: fz\nentity: assessment\nrecord_id: id\ntimezone: UTC\n"
    "tables: {k: {a: alpha, b: null}}\nfields:\n"
    "  vendor: {from: 姓名, default: fz, required: true}\n  comments: {from: s, steps: [to_str, upper]}\n"
    "  completed_at: {from: c, steps: [datetime]}\n  interviewer: {from: 'x[1].name', steps: [{lookup: {table: k, default_from_value: slug}}]}\n"
    "  strengths: {from: v, steps: [{split: {sep: ';'}}]}\n  overall: {from: v, steps: [{score: {high: 10}}]}\n"
    "  dimensions:\n    each: dims\n    fields:\n      key: {from: name, steps: [slug], required: true}\n"
    "      label: {from: name}\n      score: {from: v, steps: [{score: {high: 10}}]}\n"
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, st.dictionaries(st.sampled_from(["id", "姓名", "s", "dims", "v", "c", "x"]), json_values)))
def test_apply_raises_only_mapping_errors(record: Any) -> None:
    try:
        out = FUZZ.apply(record)
    except MappingError as exc:
        assert exc.system == "fz"
    else:
        assert out["vendor"] is not None and out["external_ids"]["fz"]
