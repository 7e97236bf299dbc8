"""A starter mapping folder for an export, written from its header alone (``hub mapping new``).

Writing an export's first mapping by hand means reading every column and recalling the canonical
field, transform and scale for each. The header vocabulary (:mod:`hub.core.mapping.columns`) knows the
usual ones, so the starter writes one file per entity the recognized columns fill — candidate (always:
the other entities reference it), job, application, assessment — with a rule per recognized column,
and lists every other column as a ``# unmapped: <column>`` line, so nothing in the export is
forgotten silently. The files compile as written; the person then checks the scales, the status
labels and the unmapped columns. The record id is a column the vocabulary knows as an id (候选人编号,
Candidate ID...) or the one named, never a column of a person's data (see
:mod:`hub.core.mapping.identifiers`). An existing folder is never overwritten.

Example:
    >>> files = starter_files(["候选人编号", "姓名", "Position", "备注"], system="legacy")
    >>> sorted(files)
    ['candidate.yaml', 'job.yaml']
    >>> print(files["job.yaml"].split("\\n", 1)[1])
    system: legacy
    entity: job
    record_id: Position
    fields:
      title: {from: Position, required: true}
    <BLANKLINE>
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from hub.core.errors import ConfigError
from hub.core.mapping.columns import DIMENSION, RECORD_ID, Column, recognize
from hub.core.mapping.paths import format_path

__all__ = ["starter_files", "write_starter"]

#: Status labels legacy exports use, Chinese and English: the starter's lookup table for the status column.
STATUS_LABELS = {
    "已投递": "applied", "筛选中": "screening", "待AI面试": "ai_interview_invited", "AI面试完成": "ai_interview_completed",
    "待用人部门评估": "pending_department_review", "面试中": "interviewing", "待复试": "second_interview",
    "已发offer": "offer", "已录用": "hired", "未通过": "rejected", "淘汰": "rejected", "放弃": "withdrawn",
    "人才库": "talent_pool", "Applied": "applied", "Screening": "screening", "Interviewing": "interviewing",
    "Offer": "offer", "Hired": "hired", "Rejected": "rejected", "Withdrawn": "withdrawn", "Talent Pool": "talent_pool",
}  # fmt: skip
_YAML_WORDS = frozenset({"null", "true", "false"})


def _scalar(text: str) -> str:
    """``text`` as a YAML scalar that reads back as that text: plain when it is a word, else quoted."""
    plain = text.isidentifier() and text.lower() not in _YAML_WORDS
    return text if plain else json.dumps(text, ensure_ascii=False)


def _source(column: str) -> str:
    """A column as a source path (quoted in brackets when it holds ``.``, ``[``...), as a YAML scalar."""
    return _scalar(format_path((column,)))


class _Export:
    """The export's columns sorted out: the id column, the first column recognized for each field, the rest."""

    def __init__(self, headers: Sequence[str], record_id: str | None) -> None:
        found = [(header, recognize(header)) for header in headers]
        self.id = record_id or next((h for h, column in found if column and column.target == RECORD_ID), None)
        if self.id is None:
            raise ConfigError("no column is one the hub knows as the record's own id (候选人编号, Candidate ID...); "
                              f"name it with --id (columns: {', '.join(headers)})")  # fmt: skip
        if self.id not in headers:
            raise ConfigError(f"--id {self.id!r} is not a column of the export ({', '.join(headers)})")
        id_column = recognize(self.id)
        if id_column is not None and id_column.pii:
            raise ConfigError(f"--id {self.id!r} holds a person's data; an id never does: name the system's own "
                              "record id column, or add a row-number column to the export")  # fmt: skip
        self.fields: dict[tuple[str, str], tuple[str, Column]] = {}
        self.dimensions: list[tuple[str, str]] = []
        self.unmapped: list[str] = []
        for header, column in found:
            if header == self.id:
                continue
            if column is not None and column.target == DIMENSION:
                self.dimensions.append((header, column.dimension))
            elif column is not None and column.target != RECORD_ID and (column.entity, column.target) not in self.fields:
                self.fields[(column.entity, column.target)] = (header, column)
            else:
                self.unmapped.append(header)

    def rules(self, entity: str) -> list[str]:
        """``target: {from: column, steps: [...]}`` lines for the recognized columns of ``entity``."""
        lines = []
        for (kind, target), (header, column) in self.fields.items():
            if kind == entity:
                steps = f", steps: {column.steps}" if column.steps else ""
                required = ", required: true" if column.required else ""
                lines.append(f"  {target}: {{from: {_source(header)}{steps}{required}}}")
        return lines

    def column(self, entity: str, target: str) -> str | None:
        found = self.fields.get((entity, target))
        return found[0] if found else None

    def has(self, entity: str) -> bool:
        return any(kind == entity for kind, _ in self.fields) or (entity == "assessment" and bool(self.dimensions))


def starter_files(headers: Sequence[str], *, system: str, record_id: str | None = None,
                  source: str = "the export") -> dict[str, str]:  # fmt: skip
    """``{file name: YAML text}`` of a starter mapping folder for an export with ``headers``.

    Args:
        headers: the export's columns (:func:`plugins.files.readers.read_header`).
        system: the system name the mappings use (errors, ``external_ids``).
        record_id: the column holding each row's own id; recognized when ``None``.
        source: what the files say they were written from.

    Raises:
        ConfigError: no id column is recognized or the one named is not a column or holds PII.
    """
    export = _Export(headers, record_id)
    refs = [f"  candidate.system: {{const: {_scalar(system)}}}",
            f"  candidate.external_id: {{from: {_source(export.id)}, steps: [to_str], required: true}}"]  # fmt: skip
    job = export.column("job", "title")
    if job is not None:
        refs += [f"  job.system: {{const: {_scalar(system)}}}", f"  job.external_id: {{from: {_source(job)}, steps: [to_str]}}"]
    files = {"candidate": _file(system, "candidate", export.id, [], export.rules("candidate"))}
    if job is not None:
        files["job"] = _file(system, "job", job, [], export.rules("job"))
    status = export.column("application", "status")
    if status is not None:
        table = ["  status:  # the labels the export uses: an unknown one is a finding (add it here)",
                 *(f"    {_scalar(label)}: {value}" for label, value in STATUS_LABELS.items())]  # fmt: skip
        rules = [*refs, *export.rules("application"), f"  status_raw: {{from: {_source(status)}}}"]
        files["application"] = _file(system, "application", export.id, table, rules)
    if export.has("assessment"):
        ids = [f"  application.system: {{const: {_scalar(system)}}}",
               f"  application.external_id: {{from: {_source(export.id)}, steps: [to_str]}}"] if status else []
        files["assessment"] = _file(system, "assessment", export.id, *_assessment(export, system, [*refs, *ids]))
    written = {f"{kind}.yaml": text for kind, text in files.items()}
    unmapped = [f"# unmapped: {header}" for header in export.unmapped]
    if unmapped:
        note = "# Columns no rule reads (a migration reports each as an unmapped column until a rule reads it):"
        written["candidate.yaml"] += "\n".join([note, *unmapped]) + "\n"
    return {name: f"# Written by `hub mapping new` from {source}: check every rule, then `hub mapping check`.\n{text}"
            for name, text in written.items()}  # fmt: skip


def _assessment(export: _Export, system: str, refs: list[str]) -> tuple[list[str], list[str]]:
    """The assessment file's tables and rules: one result per row, dimension columns gathered as one list."""
    rules = [f"  vendor: {{const: {_scalar(system)}}}", *refs, *export.rules("assessment")]
    if not export.dimensions:
        return [], rules
    table = ["  dimension_keys:", *(f"    {_scalar(header)}: {key}" for header, key in export.dimensions)]
    gathered = "|".join(header for header, _ in export.dimensions)
    rules += [
        "  dimensions:  # the dimension columns, read as one list (see plugins/files/export/columns.py)",
        f"    each: {_source(gathered)}",
        "    fields:",
        "      key: {from: column, steps: [{lookup: {table: dimension_keys}}]}",
        "      label: {from: column}",
        "      score: {from: value, steps: [{score: {scale: one_to_5}}]}  # check the scale the export uses",
    ]
    return table, rules


def _file(system: str, entity: str, record_id: str, tables: list[str], rules: list[str]) -> str:
    head = [f"system: {_scalar(system)}", f"entity: {entity}", f"record_id: {_source(record_id)}"]
    if entity == "assessment":
        head.append("timezone: Asia/Shanghai  # the zone the export's times were written in")
    if tables:
        head += ["tables:", *tables]
    body = ["fields:", *rules] if rules else ["fields: {}"]
    return "\n".join([*head, *body]) + "\n"


def write_starter(folder: Path, headers: Sequence[str], *, system: str, record_id: str | None = None,
                  source: str = "the export") -> list[Path]:  # fmt: skip
    """Write :func:`starter_files` into ``folder`` (created); the files written.

    Raises:
        ConfigError: ``folder`` exists (a mapping someone may have edited is never overwritten), or
            as :func:`starter_files`.
    """
    files = starter_files(headers, system=system, record_id=record_id, source=source)
    if folder.exists():
        raise ConfigError(f"{folder} already exists; the starter never overwrites a mapping: remove it or pick another")
    folder.mkdir(parents=True)
    paths = [folder / name for name in files]
    for path in paths:
        path.write_text(files[path.name], encoding="utf-8")
    return paths
