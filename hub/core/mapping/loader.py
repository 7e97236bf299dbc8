"""Reading a mapping file's top level and compiling it into a :class:`CompiledMapping`.

The loader checks the top-level keys, loads tables (inline and ``tables_file``), and hands the
``fields`` and ``reverse.fields`` sections to :class:`RuleCompiler`. Problems are collected rather
than raised one by one, so ``hub mapping check`` can show every problem of a file in one run.

Example:
    >>> from hub.core.mapping.yamlnodes import YamlDoc
    >>> doc = YamlDoc.from_text("system: x\\nentity: applicant\\nrecord_id: id\\nfields: {}", file="m.yaml")
    >>> [str(p) for p in compile_document(doc, {})[1]]  # doctest: +ELLIPSIS
    ["[mapping-compile-error] m.yaml:2: unknown entity 'applicant'; expected one of candidate, ..."]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from hub.core.errors import MappingCompileError
from hub.core.mapping.compiled import CompiledMapping, _Plan
from hub.core.mapping.identifiers import pii_identifiers
from hub.core.mapping.paths import SPREAD, PathSyntaxError, compile_getter, parse_path
from hub.core.mapping.rules import RuleCompiler
from hub.core.mapping.steps import StepCatalogue
from hub.core.mapping.yamlnodes import YamlDoc
from hub.core.models import ENTITY_TYPES

__all__ = ["compile_document"]

_TOP_KEYS = frozenset(
    {"system", "entity", "record_path", "record_id", "timezone", "tables", "tables_file", "fields", "reverse"}
)
_REQUIRED_KEYS = ("system", "entity", "record_id", "fields")


def compile_document(
    doc: YamlDoc, transforms: dict[str, Any]
) -> tuple[CompiledMapping | None, list[MappingCompileError]]:
    """Compile one mapping document; the mapping is None when there is any problem."""
    try:
        return _compile(doc, transforms)
    except MappingCompileError as exc:  # a top-level problem stops the file
        return None, [exc]


def _compile(doc: YamlDoc, transforms: dict[str, Any]) -> tuple[CompiledMapping | None, list[MappingCompileError]]:
    if doc.root is None:
        raise doc.error(None, "the file is empty; a mapping needs system, entity, record_id and fields")
    top = {key: (key_node, value) for key, key_node, value in doc.entries(doc.root, "a mapping file")}
    for key, (key_node, _) in top.items():
        if key not in _TOP_KEYS:
            raise doc.error(key_node, f"unknown key {key!r}; allowed: {', '.join(sorted(_TOP_KEYS))}")
    for key in _REQUIRED_KEYS:
        if key not in top:
            raise doc.error(doc.root, f"missing required key {key!r}")
    system = doc.text(top["system"][1], "system")
    entity = doc.text(top["entity"][1], "entity")
    if entity not in ENTITY_TYPES:
        raise doc.error(top["entity"][1], f"unknown entity {entity!r}; expected one of {', '.join(ENTITY_TYPES)}")
    record_id_path = doc.text(top["record_id"][1], "record_id")
    record_id_segments = _path(doc, top["record_id"][1], record_id_path, "record_id", allow_empty=False)
    record_path_node = top["record_path"][1] if "record_path" in top else None
    record_path = ""
    if record_path_node is not None:
        record_path = doc.text_or_none(record_path_node, "record_path") or ""
    records_getter = compile_getter(_path(doc, record_path_node, record_path, "record_path", allow_empty=True))
    timezone = _timezone(doc, top.get("timezone"))
    tables = _tables(doc, top.get("tables"), top.get("tables_file"))
    catalogue = StepCatalogue(transforms, tables, timezone=timezone, doc=doc)

    model = ENTITY_TYPES[entity]
    forward = RuleCompiler(doc, catalogue, model, forward=True)
    forward_fillers = forward.fields(top["fields"][1], top["fields"][0], system=system)
    problems = [*forward.problems, *pii_identifiers(doc, (top["record_id"][1], record_id_path), forward.reads,
                                                     forward.pii_sources)]  # fmt: skip
    backward_fillers = None
    if "reverse" in top:
        backward = RuleCompiler(doc, catalogue, model, forward=False)
        reverse_top = {key: (k, v) for key, k, v in doc.entries(top["reverse"][1], "reverse")}
        if set(reverse_top) != {"fields"}:
            raise doc.error(top["reverse"][1], "reverse holds exactly one key: fields")
        backward_fillers = tuple(backward.fields(reverse_top["fields"][1], reverse_top["fields"][0]))
        problems.extend(backward.problems)
    if problems:
        return None, problems
    plan = _Plan(
        file=doc.file,
        system=system,
        entity=entity,
        record_path=record_path,
        records_getter=records_getter,
        record_id_path=record_id_path,
        record_id_getter=compile_getter(record_id_segments),
        forward=tuple(forward_fillers),
        backward=backward_fillers,
        source_paths=frozenset({*forward.sources, record_id_path}),
        required_sources=frozenset({*forward.required_sources, record_id_path}),
        pii_source_paths=frozenset(forward.pii_sources),
        target_fields=frozenset({*forward.targets, f"external_ids.{system}"}),
        own_id_ruled=f"external_ids.{system}" in forward.targets,
    )
    return CompiledMapping(plan), []


def _path(doc: YamlDoc, node: yaml.Node | None, text: str, what: str, *, allow_empty: bool) -> tuple:
    try:
        segments = parse_path(text)
    except PathSyntaxError as exc:
        raise doc.error(node, f"{what}: {exc}") from None
    if not segments and not allow_empty:
        raise doc.error(node, f"{what} cannot be empty")
    if SPREAD in segments and not allow_empty:
        raise doc.error(node, f"{what} is one value; [*] reads a list")
    return segments


def _timezone(doc: YamlDoc, entry: tuple[yaml.Node, yaml.Node] | None) -> str | None:
    if entry is None:
        return None
    name = doc.text(entry[1], "timezone")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise doc.error(entry[1], f"unknown timezone {name!r}; use an IANA name such as Asia/Shanghai") from None
    return name


def _tables(
    doc: YamlDoc, inline: tuple[yaml.Node, yaml.Node] | None, file_entry: tuple[yaml.Node, yaml.Node] | None
) -> dict[str, dict[str, str | None]]:
    tables = _read_tables(doc, inline[1]) if inline else {}
    if file_entry is not None:
        name = doc.text(file_entry[1], "tables_file")
        path = Path(doc.file).parent / name
        if not path.is_file():
            raise doc.error(file_entry[1], f"tables_file {name!r} not found next to the mapping ({path})")
        other = YamlDoc.from_path(path)
        if other.root is None:
            return tables
        for table, entries in _read_tables(other, other.root).items():
            if table in tables:
                raise doc.error(file_entry[1], f"table {table!r} is defined both inline and in {name}")
            tables[table] = entries
    return tables


def _read_tables(doc: YamlDoc, node: yaml.Node) -> dict[str, dict[str, str | None]]:
    return {
        name: {
            key: doc.text_or_none(value, f"table {name!r} value") for key, value in doc.items(body, f"table {name!r}")
        }
        for name, body in doc.items(node, "tables")
    }
