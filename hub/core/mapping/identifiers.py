"""Ids are never PII: a mapping whose record id or external id reads a person's data does not compile.

An id is the one value the hub keeps in plaintext: ``external_ids`` is what records are matched by,
and record ids name records in errors, dead letters, migration reports and their file names. An id
read from a national ID, phone or email column would put that data in all of those places. Masking
it afterwards would not do (two people sharing the last four digits would look alike in a report,
and the store must still match on the full value), and a keyed blind index in its place would change
with the key and could not be read back by the vendor. So such a rule is refused when the mapping
compiles, with the alternative: the system's own record id, or a row number added to the export.

A source counts as a person's data when a rule of the mapping sends it into a PII field of the
canonical model, or when its column is one the header vocabulary knows as PII
(:func:`hub.core.mapping.columns.is_pii_column`: 身份证号, 手机号, 邮箱, 姓名, 评语...).

Example:
    >>> from hub.core.mapping import check_mapping, load_mapping_text
    >>> load_mapping_text("system: s\\nentity: candidate\\nrecord_id: 身份证号\\nfields: {}\\n", file="m.yaml")
    Traceback (most recent call last):
    ...
    hub.core.errors.MappingCompileError: [mapping-compile-error] m.yaml:3: record_id '身份证号' reads a person's data; ...
    >>> is_identifier("candidate.external_id"), is_identifier("external_ids.hr"), is_identifier("name")
    (True, True, False)
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import yaml

from hub.core.errors import MappingCompileError
from hub.core.mapping.columns import is_pii_column
from hub.core.mapping.paths import parse_path
from hub.core.mapping.yamlnodes import YamlDoc

__all__ = ["is_identifier", "pii_identifiers"]

_ALTERNATIVE = (
    "an id is kept in plaintext (external_ids, reports, file names); read the system's own record id "
    "(e.g. 候选人编号 / candidate id) or a row-number column added to the export instead"
)


def is_identifier(target: str) -> bool:
    """True for a target holding an id: the record's ``external_ids.<system>`` or a reference's ``external_id``."""
    segments = target.split(".")
    return segments[0] == "external_ids" or segments[-1] == "external_id"


def _reads_pii(source: str, pii_sources: Collection[str]) -> bool:
    if source in pii_sources:
        return True
    return any(isinstance(segment, str) and is_pii_column(segment) for segment in parse_path(source.replace("[*]", "")))


def pii_identifiers(
    doc: YamlDoc,
    record_id: tuple[yaml.Node, str],
    reads: Iterable[tuple[str, str, yaml.Node]],
    pii_sources: Collection[str],
) -> list[MappingCompileError]:
    """A problem (file:line, reason and the alternative) for the record id and each identifier rule reading PII.

    Args:
        doc: the mapping file.
        record_id: the ``record_id`` value's node and its source path.
        reads: every forward ``from`` rule as (target, source path, source node).
        pii_sources: the sources some rule sends into a PII field.
    """
    node, path = record_id
    problems = []
    if _reads_pii(path, pii_sources):
        problems.append(doc.error(node, f"record_id {path!r} reads a person's data; {_ALTERNATIVE}"))
    for target, source, source_node in reads:
        if is_identifier(target) and _reads_pii(source, pii_sources):
            problems.append(doc.error(source_node, f"target {target!r} is an id but reads {source!r}, a person's "
                                                   f"data; {_ALTERNATIVE}"))  # fmt: skip
    return problems
