"""Every way a mapping file can be wrong is a MappingCompileError naming its file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.core.errors import MappingCompileError
from hub.core.mapping import check_mapping, load_mapping


def upper(value: Any) -> str:
    return str(value).upper()


def stamp(value: Any, *, tz: str, fmt: str = "iso") -> str:
    return f"{value}@{tz}"


def pick(value: Any, *, key: str) -> Any:
    return value[key]


def loose(value: Any, **params: Any) -> Any:
    return value


TRANSFORMS = {"upper": upper, "stamp": stamp, "pick": pick, "loose": loose}
CANDIDATE = "system: csv\nentity: candidate\nrecord_id: id\n"  # lines 1-3
APPLICATION = "system: ats\nentity: application\nrecord_id: id\n"


def write(tmp_path: Path, text: str, name: str = "m.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


CASES = [
    # (id, yaml text, line, reason fragment)
    ("invalid yaml", CANDIDATE + "fields: {name: [from\n", 5, "not valid YAML"),
    ("empty file", "", 1, "the file is empty"),
    ("not a mapping", "- a\n- b\n", 1, "a mapping file must be a mapping"),
    ("unknown top key", CANDIDATE + "feilds: {}\n", 4, "unknown key 'feilds'"),
    ("missing fields", CANDIDATE, 1, "missing required key 'fields'"),
    ("missing record_id", "system: x\nentity: candidate\nfields: {}\n", 1, "missing required key 'record_id'"),
    ("unknown entity", "system: x\nentity: applicant\nrecord_id: id\nfields: {}\n", 2, "unknown entity 'applicant'"),
    ("duplicate key", CANDIDATE + "fields:\n  name: {from: a}\n  name: {from: b}\n", 6, "duplicate key 'name'"),
    ("bad timezone", CANDIDATE + "timezone: Mars/Olympus\nfields: {}\n", 4, "unknown timezone 'Mars/Olympus'"),
    ("bad record_id path", "system: x\nentity: candidate\nrecord_id: a..b\nfields: {}\n", 3, "record_id: bad path"),
    ("bad record_path", CANDIDATE + "record_path: 'x['\nfields: {}\n", 4, "record_path: bad path"),
    ("unknown transform", CANDIDATE + "fields:\n  name: {from: a, steps: [uper]}\n", 5, "unknown transform 'uper'"),
    ("unknown param", CANDIDATE + "fields:\n  name:\n    from: a\n    steps:\n      - {upper: {loud: true}}\n",
     8, "transform 'upper' takes no parameter 'loud'"),
    ("missing param", CANDIDATE + "fields:\n  name: {from: a, steps: [pick]}\n", 5, "transform 'pick' needs parameter 'key'"),
    ("missing tz param", CANDIDATE + "fields:\n  name: {from: a, steps: [stamp]}\n", 5, "needs parameter 'tz'"),
    ("bad step shape", CANDIDATE + "fields:\n  name: {from: a, steps: [{upper: {}, pick: {}}]}\n", 5, "one-key mapping"),
    ("steps not a list", CANDIDATE + "fields:\n  name: {from: a, steps: upper}\n", 5, "steps must be a list"),
    ("bad source path", CANDIDATE + "fields:\n  name: {from: 'a..b'}\n", 5, "bad path 'a..b': expected a key at position 2"),
    ("empty source path", CANDIDATE + "fields:\n  name: {from: ''}\n", 5, "a source path cannot be empty"),
    ("unknown table", CANDIDATE + "tables: {t: {a: b}}\nfields:\n  name: {from: a, steps: [{lookup: {table: x}}]}\n",
     6, "unknown table 'x'; tables: t"),
    ("lookup without table", CANDIDATE + "fields:\n  name: {from: a, steps: [lookup]}\n", 5, "lookup needs parameter 'table'"),
    ("lookup unknown param", CANDIDATE + "tables: {t: {}}\nfields:\n  name: {from: a, steps: [{lookup: {table: t, x: 1}}]}\n",
     6, "lookup takes no parameter 'x'"),
    ("unknown fallback", CANDIDATE + "tables: {t: {}}\nfields:\n  name: {from: a, steps: [{lookup: {table: t, default_from_value: slug}}]}\n",
     6, "default_from_value names unknown transform 'slug'"),
    ("unknown target", CANDIDATE + "fields:\n  nmae: {from: a}\n", 5, "Candidate has no field 'nmae'"),
    ("target into a scalar", CANDIDATE + "fields:\n  name.first: {from: a}\n", 5, "name is a plain value"),
    ("target into a list", "system: v\nentity: assessment\nrecord_id: id\nfields:\n  vendor: {const: v}\n  dimensions.key: {from: a}\n",
     6, "dimensions is a list; fill it with 'each'"),
    ("target with index", CANDIDATE + "fields:\n  tags[0]: {from: a}\n", 5, "without list indexes"),
    ("hub-owned target", CANDIDATE + "fields:\n  remote_data: {from: a}\n", 5, "'remote_data' is set by the hub"),
    ("own id dropped", CANDIDATE + "fields:\n  external_ids: {from: ids}\n", 5,
     "target 'external_ids' would drop 'external_ids.csv', the record's own id"),
    ("bad target syntax", CANDIDATE + "fields:\n  'name.': {from: a}\n", 5, "target: bad path"),
    ("overlapping targets", APPLICATION + "fields:\n  candidate: {from: c}\n  candidate.system: {const: x}\n  status: {from: s}\n",
     6, "overlaps 'candidate'"),
    ("two sources", CANDIDATE + "fields:\n  name: {from: a, const: b}\n", 5, "exactly one of 'from', 'const' or 'each'"),
    ("no source", CANDIDATE + "fields:\n  name: {required: true}\n", 5, "exactly one of 'from', 'const' or 'each'"),
    ("unknown rule key", CANDIDATE + "fields:\n  name: {from: a, requried: true}\n", 5, "unknown rule key 'requried'"),
    ("rule not a mapping", CANDIDATE + "fields:\n  name: a\n", 5, "the rule for 'name' must be a mapping"),
    ("required not a bool", CANDIDATE + "fields:\n  name: {from: a, required: yes}\n", 5, "'required' must be true or false"),
    ("fields without each", CANDIDATE + "fields:\n  name: {from: a, fields: {}}\n", 5, "'fields' goes with 'each'"),
    ("each on a scalar list", CANDIDATE + "fields:\n  tags: {each: t, fields: {x: {from: y}}}\n", 5, "not a list of records"),
    ("steps with each", "system: v\nentity: assessment\nrecord_id: id\nfields:\n  vendor: {const: v}\n"
     "  dimensions: {each: d, steps: [upper], fields: {key: {from: k}, label: {from: l}}}\n", 6, "'each' takes no 'steps'"),
    ("const rejected by a step", CANDIDATE + "fields:\n  name: {const: 1, steps: [{pick: {key: a}}]}\n",
     5, "step 'pick' rejects the constant"),
    ("required field never filled", APPLICATION + "fields:\n  candidate.system: {const: ats}\n", 4,
     "required field 'status' is never filled"),
    ("nested required never filled", "system: v\nentity: assessment\nrecord_id: id\nfields:\n  vendor: {const: v}\n"
     "  overall.value: {from: score}\n", 4, "required field 'overall.scale' is never filled"),
    ("item required never filled", "system: v\nentity: assessment\nrecord_id: id\nfields:\n  vendor: {const: v}\n"
     "  dimensions:\n    each: dims\n    fields:\n      label: {from: name}\n", 8, "required field 'key' is never filled"),
    ("reverse source not in model", CANDIDATE + "fields: {}\nreverse:\n  fields:\n    Name: {from: nmae}\n",
     7, "Candidate has no field 'nmae'"),
    ("reverse with other keys", CANDIDATE + "fields: {}\nreverse:\n  field: {}\n", 6, "reverse holds exactly one key"),
    ("tables_file missing", CANDIDATE + "tables_file: nope.yaml\nfields: {}\n", 4, "tables_file 'nope.yaml' not found"),
    ("table values must be text", CANDIDATE + "tables:\n  t: {a: [1]}\nfields: {}\n", 5, "table 't' value must be text"),
]


@pytest.mark.parametrize(("text", "line", "reason"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_compile_error_names_file_and_line(tmp_path: Path, text: str, line: int, reason: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(MappingCompileError) as info:
        load_mapping(path, transforms=TRANSFORMS)
    assert info.value.file == str(path)
    assert info.value.line == line, str(info.value)
    assert reason in info.value.reason
    assert info.value.reason.startswith(f"{path}:{line}: ")


def test_check_reports_every_problem_of_a_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        APPLICATION
        + "fields:\n"
        + "  candidate.external_id: {from: cid, steps: [uper]}\n"  # 5
        + "  statos: {from: s}\n"  # 6
        + "  stage: {from: 'a..b'}\n"  # 7
        + "  status: {from: s, steps: [{lookup: {table: nope}}]}\n",  # 8
    )
    problems = check_mapping(path, transforms=TRANSFORMS)
    assert [(p.line, p.reason.split(": ", 1)[1].split(";")[0]) for p in problems] == [
        (5, "unknown transform 'uper'"),
        (6, "target 'statos': Application has no field 'statos'"),
        (7, "source: bad path 'a..b': expected a key at position 2"),
        (8, "unknown table 'nope'"),
    ]  # and no cascade of "never filled" for the broken rules' targets


def test_table_defined_inline_and_in_tables_file(tmp_path: Path) -> None:
    write(tmp_path, "status: {a: b}\n", "tables.yaml")
    path = write(tmp_path, CANDIDATE + "tables: {status: {}}\ntables_file: tables.yaml\nfields: {}\n")
    with pytest.raises(MappingCompileError) as info:
        load_mapping(path, transforms=TRANSFORMS)
    assert (info.value.line, "table 'status' is defined both inline and in tables.yaml") == (
        5,
        info.value.reason.split(": ", 1)[1],
    )


def test_errors_inside_a_tables_file_name_that_file(tmp_path: Path) -> None:
    tables = write(tmp_path, "status:\n  a: b\n  a: c\n", "tables.yaml")
    path = write(tmp_path, CANDIDATE + "tables_file: tables.yaml\nfields: {}\n")
    with pytest.raises(MappingCompileError) as info:
        load_mapping(path, transforms=TRANSFORMS)
    assert (info.value.file, info.value.line) == (str(tables), 3)


def test_transforms_with_kwargs_accept_any_parameter(tmp_path: Path) -> None:
    path = write(tmp_path, CANDIDATE + "fields:\n  name: {from: a, steps: [{loose: {anything: 1}}]}\n")
    assert load_mapping(path, transforms=TRANSFORMS).apply({"id": 1, "a": "x"})["name"] == "x"
