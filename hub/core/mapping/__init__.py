"""The declarative mapping engine: mapping/**/*.yaml compiled once into plain functions.

A mapping file says, per canonical field, where a vendor record keeps the value and which named
transforms turn it into canonical form (format: docs/mapping.md). :func:`load_mapping` checks the
file against the canonical model and the transform registry and compiles it; every problem names
file and line. The compiled mapping then maps records without any parsing or inspection.

Modules: ``paths`` (the source-path syntax), ``yamlnodes`` (YAML with line numbers), ``schema``
(walking the canonical model), ``steps`` (transforms and ``lookup``), ``sources`` (the rule sources
beyond one path: join, pick, first_of, key, related), ``page`` (the page ``related`` rules search),
``rules`` (rules → closures),
``signature`` (a step's parameters against its transform), ``identifiers`` (no id reads PII), ``loader``
(the top level of a file), ``compiled`` (what runs per record), ``reference`` (the transform reference,
rendered from the code); ``columns`` (the export headers the hub recognizes) and ``starter`` (a first
mapping folder for an export, ``hub mapping new``).

Example:
    >>> m = load_mapping_text('''
    ... system: moka
    ... entity: candidate
    ... record_id: id
    ... fields:
    ...   name: {from: 姓名}
    ...   location: {from: "基本信息.城市", default: 未知}
    ... ''')
    >>> m.apply({"id": "c1", "姓名": "李四", "基本信息": {}})
    {'external_ids': {'moka': 'c1'}, 'name': '李四', 'location': '未知'}
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub.core.errors import MappingCompileError
from hub.core.mapping.compiled import CompiledMapping, MappingResult
from hub.core.mapping.loader import compile_document
from hub.core.mapping.page import Page
from hub.core.mapping.reference import render_forms, render_reference
from hub.core.mapping_files import mapping_files
from hub.core.mapping.paths import MISSING, PathSyntaxError, format_path, parse_path
from hub.core.mapping.yamlnodes import YamlDoc

__all__ = [
    "CompiledMapping",
    "MappingResult",
    "Page",
    "load_mapping",
    "load_mapping_text",
    "check_mapping",
    "render_forms",
    "render_reference",
    "mapping_files",
    "parse_path",
    "format_path",
    "PathSyntaxError",
    "MISSING",
]

Transforms = dict[str, Callable[..., Any]]


@functools.cache
def _registry_transforms() -> Transforms:
    """The plugin registry's transforms, loaded once per process (plugins do not change at runtime)."""
    from hub.core.plugins import load_registry

    return load_registry().transforms


def _compile(doc: YamlDoc, transforms: Transforms | None) -> tuple[CompiledMapping | None, list[MappingCompileError]]:
    return compile_document(doc, _registry_transforms() if transforms is None else transforms)


def _first(result: tuple[CompiledMapping | None, list[MappingCompileError]]) -> CompiledMapping:
    mapping, problems = result
    if problems:
        raise problems[0]
    assert mapping is not None
    return mapping


def load_mapping(path: str | Path, *, transforms: Transforms | None = None) -> CompiledMapping:
    """Load and compile one mapping file.

    Args:
        path: the YAML file.
        transforms: ``{name: fn}``; defaults to the plugin registry's transforms.

    Raises:
        MappingCompileError: the first problem, with ``file`` and ``line``.
    """
    return _first(_compile(YamlDoc.from_path(Path(path)), transforms))


def load_mapping_text(text: str, *, file: str = "<text>", transforms: Transforms | None = None) -> CompiledMapping:
    """Like :func:`load_mapping` for YAML text (``file`` names it in errors; ``tables_file`` resolves next to it)."""
    return _first(_compile(YamlDoc.from_text(text, file=file), transforms))


def check_mapping(path: str | Path, *, transforms: Transforms | None = None) -> list[MappingCompileError]:
    """Every problem of one mapping file (empty when it compiles), for linting."""
    try:
        doc = YamlDoc.from_path(Path(path))
    except MappingCompileError as exc:
        return [exc]
    return _compile(doc, transforms)[1]
