"""The derived rule sources (``[*]``, join, pick, first_of, key, related): what they read, what they
refuse when a mapping compiles and when a record is mapped, and that they agree with the plain
Python each replaces (property-tested)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.connector import Stream
from hub.core.crypto import KeyRing
from hub.core.errors import MappingCompileError, MappingError
from hub.core.mapping import Page, format_path, load_mapping_text, parse_path
from hub.core.mapping.paths import MISSING, SPREAD, compile_getter
from hub.core.store import Store
from hub.core.sync_pipeline import RecordPipeline

HEAD = "system: ats\nentity: {entity}\nrecord_id: id\n"


def mapping(fields: str, *, entity: str = "candidate", extra: str = "") -> Any:
    return load_mapping_text(HEAD.format(entity=entity) + extra + "fields:\n" + fields, file="m.yaml")


TEXT = st.one_of(st.none(), st.text(max_size=8), st.integers(-5, 5), st.booleans())
BLANKS = st.sampled_from(["", " ", "\u3000"])


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


# ---------------------------------------------------------------- [*]

keys = st.text(alphabet=st.sampled_from('ab.[]"* 姓名'), max_size=4)
segments = st.lists(st.one_of(keys, st.integers(-3, 3), st.just(SPREAD)), max_size=5).map(tuple)


@given(segments)
def test_spread_paths_round_trip(path: tuple) -> None:
    assert parse_path(format_path(path)) == path


@given(st.lists(st.one_of(st.none(), st.just({}), st.fixed_dictionaries({"v": TEXT})), max_size=6))
def test_a_spread_reads_every_item_that_has_a_value(items: list[Any]) -> None:
    values = [item["v"] for item in items if item and item["v"] is not None]
    assert compile_getter(parse_path("xs[*].v"))({"xs": items}) == (values or MISSING)


def test_a_spread_over_a_spread_flattens_and_a_spread_of_nothing_is_missing() -> None:
    get = compile_getter(parse_path("a[*].b[*].c"))
    assert get({"a": [{"b": [{"c": 1}, {"c": 2}]}, {"b": "x"}, {"b": [{"c": 3}]}]}) == [1, 2, 3]
    assert get({"a": []}) is MISSING and get({"a": "text"}) is MISSING and get({}) is MISSING


def test_a_spread_feeds_a_list_field_every_value() -> None:
    m = mapping('  phones: {from: "phone_numbers[*].value", steps: [{phones: {region: US}}]}\n')
    record = {"id": 1, "phone_numbers": [{"value": "+1 415-555-0101"}, {"value": None}, {"value": "+1 415-555-0102"}]}
    assert m.apply(record)["phones"] == ["+14155550101", "+14155550102"]
    assert "phones" not in m.apply({"id": 2, "phone_numbers": []})


# ---------------------------------------------------------------- join


JOIN = mapping('  name: {join: {paths: [first, last], separator: " "}}\n'
               '  tags: {join: {paths: ["labels[*].name"], separator: ", "}}\n')  # fmt: skip


@given(first=st.one_of(TEXT, BLANKS), last=st.one_of(TEXT, BLANKS))
def test_join_is_the_texts_of_the_values_blanks_skipped(first: Any, last: Any) -> None:
    parts = [as_text(v).strip() for v in (first, last) if not blank(v)]
    got = JOIN.apply({"id": 1, "first": first, "last": last})
    assert got.get("name") == (" ".join(parts) or None)


def test_join_reads_spreads_and_refuses_an_object_naming_field_and_source() -> None:
    assert JOIN.apply({"id": 1, "labels": [{"name": "a"}, {"name": "b"}]})["tags"] == ["a, b"]
    with pytest.raises(MappingError) as caught:
        JOIN.apply({"id": 1, "first": {"given": "Ada Lovelace"}})
    assert caught.value.context["field_path"] == "name" and caught.value.context["source_path"] == "join(first, last)"
    assert "a dict cannot be joined" in str(caught.value) and "Lovelace" not in str(caught.value)  # name is PII


# ---------------------------------------------------------------- pick

PICK = mapping("  phones: {pick: {list: phones, where: {type: mobile, primary: true}, take: value}}\n"
               "  location: {pick: {list: addresses, where: {kind: 2}}}\n")  # fmt: skip
PHONE = st.fixed_dictionaries({"type": st.sampled_from(["mobile", "home", None]), "primary": st.booleans(),
                               "value": st.one_of(st.none(), st.sampled_from(["+14155550101", "+14155550102"]))})


@given(st.lists(PHONE, max_size=5))
def test_pick_takes_the_first_matching_item_that_has_a_value(phones: list[dict]) -> None:
    wanted = [p["value"] for p in phones if p["type"] == "mobile" and p["primary"] and p["value"] is not None]
    got = PICK.apply({"id": 1, "phones": phones})
    assert got.get("phones") == (wanted[:1] or None)


def test_pick_compares_as_text_and_without_take_gives_the_item() -> None:
    record = {"id": 1, "addresses": [{"kind": 1, "city": "x"}, {"kind": "2", "city": "y"}]}
    assert PICK.apply(record)["location"] == {"kind": "2", "city": "y"}
    assert "phones" not in PICK.apply({"id": 1, "phones": "not a list"})


# ---------------------------------------------------------------- first_of

FIRST = mapping("  location: {first_of: [city, region, country], default: unknown}\n")


@given(st.lists(st.one_of(TEXT, BLANKS), min_size=3, max_size=3))
def test_first_of_is_the_first_path_with_a_value(values: list[Any]) -> None:
    present = [v for v in values if not blank(v)]
    got = FIRST.apply({"id": 1, **dict(zip(("city", "region", "country"), values, strict=True))})
    assert got["location"] == (present[0] if present else "unknown")


# ---------------------------------------------------------------- key

KEY_TABLE = {"hired": "hired", "in_process": "screening", "in_process:Offer": "offer", "in_process:": "applied"}
KEY = mapping(
    "  candidate.system: {const: ats}\n  candidate.external_id: {from: cid}\n"
    "  status: {key: [status, stage], steps: [{lookup: {table: status}}], required: true}\n",
    entity="application",
    extra="tables:\n  status: {hired: hired, in_process: screening, 'in_process:Offer': offer, 'in_process:': applied}\n",
)


@given(status=st.sampled_from(["hired", "in_process", "gone"]), stage=st.one_of(st.none(), st.sampled_from(["Offer", "Phone", " "])))
def test_a_key_is_looked_up_at_its_most_specific_form_in_the_table(status: str, stage: str | None) -> None:
    full = f"{status}:{(stage or '').strip()}"
    expected = KEY_TABLE.get(full, KEY_TABLE.get(status))
    record = {"id": 1, "cid": "c", "status": status, "stage": stage}
    if expected is None:
        with pytest.raises(MappingError, match=f"'{full}' is not in table 'status' \\(nor '{status}'\\)"):
            KEY.apply(record)
    else:
        assert KEY.apply(record)["status"] == expected


def test_a_key_of_nothing_is_missing_and_of_an_object_is_refused() -> None:
    with pytest.raises(MappingError, match="a required value is missing"):
        KEY.apply({"id": 1, "cid": "c"})
    with pytest.raises(MappingError, match="a list cannot be part of a key"):
        KEY.apply({"id": 1, "cid": "c", "status": "hired", "stage": ["a"]})


# ---------------------------------------------------------------- related

RELATED = mapping("  title: {from: name}\n  department: {related: {match: {id: parent_id}, take: dept}, default: none}\n",
                  entity="job")  # fmt: skip


@given(st.lists(st.tuples(st.integers(0, 6), st.one_of(st.none(), st.integers(0, 6)), st.sampled_from(["A", "B", None])),
                max_size=8))  # fmt: skip
def test_related_takes_the_value_of_the_first_record_of_the_page_it_names(rows: list[tuple]) -> None:
    records = [{"id": i, "name": f"job {i}", "parent_id": parent, "dept": dept} for i, parent, dept in rows]
    first: dict[int, Any] = {}
    for record in records:
        first.setdefault(record["id"], record)
    result = RELATED.apply_batch(records)
    assert not result.errors
    for (index, got), record in zip(result.records, records, strict=True):
        parent = first.get(record["parent_id"])
        assert got["department"] == (parent["dept"] if parent and parent["dept"] else "none"), index


def test_related_finds_nothing_without_a_page_and_matches_ids_as_text() -> None:
    parent, child = {"id": "7", "name": "p", "dept": "Eng"}, {"id": 8, "name": "c", "parent_id": 7}
    assert RELATED.apply(child)["department"] == "none"
    assert RELATED.apply(child, page=Page([parent, child]))["department"] == "Eng"


def test_the_sync_pipeline_gives_a_record_its_page(tmp_path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'hub.db'}", KeyRing.generate())
    store.upgrade()
    try:
        pipeline = RecordPipeline(store, RELATED, stream=Stream(name="jobs", entity="job", path="/jobs"))
        batch = pipeline.transform([{"id": 1, "name": "p", "dept": "Eng"}, {"id": 2, "name": "c", "parent_id": 1}],
                                   fetched_at=dt.datetime(2024, 6, 1, tzinfo=dt.UTC))  # fmt: skip
        assert not batch.failures
        with store.transaction() as tx:
            pipeline.apply(tx, batch)
        child = store.get("job", store.find("ats", "2", "job"))
        assert child.department == "Eng"
    finally:
        store.close()


# ---------------------------------------------------------------- misuse is a compile error at its line

MISUSE = [
    ("join without paths", "  name: {join: {separator: ' '}}\n", "target 'name': join needs 'paths'"),
    ("join unknown key", "  name: {join: {path: [a]}}\n", "join takes no key 'path'; it is written join: {paths, separator}"),
    ("join of no list", "  name: {join: {paths: a}}\n", "join takes a list of source paths"),
    ("pick object value", "  name: {pick: {list: a, where: {t: {x: 1}}}}\n", "pick's where value for 't' must be text"),
    ("pick without where", "  name: {pick: {list: a, where: {}}}\n", "pick's where needs at least one"),
    ("first_of of one", "  name: {first_of: [a]}\n", "first_of takes a list of at least 2 source paths"),
    ("key bad path", "  name: {key: [a, 'b..c']}\n", "bad path 'b..c': expected a key at position 2"),
    ("related two matches", "  name: {related: {match: {a: b, c: d}, take: x}}\n", "related's match is one"),
    ("related without take", "  name: {related: {match: {a: b}}}\n", "related needs 'take'"),
    ("two forms", "  name: {join: {paths: [a]}, first_of: [a, b]}\n", "exactly one of 'from', 'const' or 'each', or of"),
    ("spread target", "  tags[*]: {from: a}\n", "without list indexes or [*]"),
]


@pytest.mark.parametrize(("fields", "reason"), [case[1:] for case in MISUSE], ids=[case[0] for case in MISUSE])
def test_a_misused_form_names_file_line_field_and_reason(fields: str, reason: str) -> None:
    with pytest.raises(MappingCompileError) as caught:
        mapping(fields)
    assert caught.value.file == "m.yaml" and caught.value.line == 5 and reason in str(caught.value)


def test_a_form_in_a_reverse_rule_or_a_spread_record_id_does_not_compile() -> None:
    reverse = "reverse:\n  fields:\n    n: {join: {paths: [name]}}\n"
    with pytest.raises(MappingCompileError, match=r"m.yaml:8: 'join' derives a vendor value"):
        load_mapping_text(HEAD.format(entity="candidate") + "fields:\n  name: {from: n}\n" + reverse, file="m.yaml")
    with pytest.raises(MappingCompileError, match=r"m.yaml:3: record_id is one value; \[\*\] reads a list"):
        load_mapping_text("system: s\nentity: job\nrecord_id: ids[*]\nfields:\n  title: {from: t}\n", file="m.yaml")


def test_an_id_derived_from_a_persons_data_does_not_compile() -> None:
    with pytest.raises(MappingCompileError, match="is an id but reads 'phones\\[\\*\\].value'"):
        mapping("  phones: {from: 'phones[*].value'}\n  external_ids.crm: {first_of: ['phones[*].value', crm_id]}\n")


def test_forms_inside_each_read_the_items_whatever_they_are() -> None:
    m = mapping("  vendor: {const: v}\n  dimensions:\n    each: dims\n    fields:\n"
                "      key: {first_of: [k, name]}\n      label: {join: {paths: [name, sub], separator: ' / '}}\n"
                "      evidence: {pick: {list: notes, where: {lang: en}, take: text}}\n"
                "  comments: {related: {match: {id: 'dims[0].about'}, take: note}}\n",
                entity="assessment")  # fmt: skip
    got = m.apply({"id": 1, "dims": [{"name": "Logic", "sub": "A"}, "not an object"]})
    assert got["dimensions"] == [{"key": "Logic", "label": "Logic / A"}, {}]
    assert {"dims[*].k", "dims[*].name", "dims[*].sub", "dims[*].notes[*].lang", "dims[*].notes[*].text",
            "dims[0].about", "note"} <= m.source_paths
