"""The header check: an export's columns against what its mappings cannot do without, before any row.

A mapping's ``record_id`` and the sources of its ``required`` rules name columns every row must have.
When the export's header lacks one, every row would fail on it: a run would read the whole file to
report the same finding on each row. So the check runs on the header alone and stops the migration
(:class:`~hub.core.errors.MissingColumnsError`, which the CLI turns into exit code 2) naming the
columns expected and the columns found. Column-list keys (``沟通能力|逻辑思维``, gathered by the file
connector) are not columns of the file and are not required.

Example:
    >>> from hub.core.mapping import load_mapping_text
    >>> m = load_mapping_text("system: s\\nentity: job\\nrecord_id: 岗位编号\\nfields:\\n"
    ...                       "  title: {from: 岗位, required: true}\\n  department: {from: 部门}\\n")
    >>> required_columns([m])
    ['岗位', '岗位编号']
    >>> check_header("a.csv", ("岗位", "部门"), [m])
    Traceback (most recent call last):
    ...
    hub.core.errors.MissingColumnsError: [missing-columns] a.csv: missing column 岗位编号: expected 岗位, 岗位编号; found 岗位, 部门
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hub.core.errors import MissingColumnsError
from hub.core.mapping import CompiledMapping, parse_path

__all__ = ["required_columns", "check_header"]

_COLUMN_LIST = "|"


def required_columns(mappings: Iterable[CompiledMapping]) -> list[str]:
    """The columns the mappings' required sources read (a nested path needs its top-level column), sorted."""
    columns = set()
    for mapping in mappings:
        for source in mapping.required_sources:
            column = parse_path(source.split("[*]", 1)[0])[0]
            if isinstance(column, str) and _COLUMN_LIST not in column:
                columns.add(column)
    return sorted(columns)


def check_header(name: str, header: Sequence[str], mappings: Iterable[CompiledMapping]) -> None:
    """Stop when ``header`` (the columns of export ``name``) lacks a column the mappings require.

    Raises:
        MissingColumnsError: naming the missing columns, the expected and the found ones.
    """
    expected = required_columns(mappings)
    missing = [column for column in expected if column not in set(header)]
    if missing:
        raise MissingColumnsError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}: "
            f"expected {', '.join(expected)}; found {', '.join(header)}",
            stream=name,
        )
