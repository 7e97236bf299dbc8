"""A compiled mapping: what a sync or delivery run calls for every record.

Everything here is per record and therefore cheap: it calls the closures the compiler built and
never touches YAML, regexes, signatures or the pydantic model (except :meth:`CompiledMapping.to_entity`,
whose job *is* model validation).

Example:
    >>> from hub.core.mapping import load_mapping_text
    >>> m = load_mapping_text('''
    ... system: csv
    ... entity: candidate
    ... record_id: 编号
    ... fields:
    ...   name: {from: 姓名, required: true}
    ... ''')
    >>> m.apply({"编号": 7, "姓名": "张三"})
    {'external_ids': {'csv': '7'}, 'name': '张三'}
    >>> print(m.apply_batch([{"编号": 8}]).errors[0])
    [mapping-error] csv candidate 8 field 'name': from '姓名': a required value is missing
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pydantic
from pydantic_core import to_jsonable_python

from hub.core.errors import MalformedPageError, MappingCompileError, MappingError
from hub.core.mapping.page import Page
from hub.core.mapping.paths import MISSING
from hub.core.mapping.rules import Filler, RecordContext, is_empty
from hub.core.models import ENTITY_TYPES, Entity, validate_entity

__all__ = ["CompiledMapping", "MappingResult"]


@dataclass
class MappingResult:
    """The outcome of :meth:`CompiledMapping.apply_batch`: good records and one error per bad record.

    Example:
        >>> MappingResult(records=[(0, {"name": "x"})], errors=[]).records[0][0]
        0
    """

    records: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[MappingError] = field(default_factory=list)


@dataclass(frozen=True)
class _Plan:
    """What the loader compiled; held by :class:`CompiledMapping`."""

    file: str
    system: str
    entity: str
    record_path: str
    records_getter: Callable[[Any], Any]
    record_id_path: str
    record_id_getter: Callable[[Any], Any]
    forward: tuple[Filler, ...]
    backward: tuple[Filler, ...] | None
    source_paths: frozenset[str]
    required_sources: frozenset[str]
    pii_source_paths: frozenset[str]
    target_fields: frozenset[str]
    own_id_ruled: bool  # a rule transforms external_ids.<system>, so it may leave it empty


class CompiledMapping:
    """One mapping file, compiled: vendor record ⇄ canonical dict.

    Build it with :func:`hub.core.mapping.load_mapping`.

    Example:
        >>> from hub.core.mapping import load_mapping_text
        >>> m = load_mapping_text('''
        ... system: ats
        ... entity: application
        ... record_id: id
        ... tables: {status: {进行中: screening, 未通过: rejected}}
        ... fields:
        ...   candidate.system: {const: ats}
        ...   candidate.external_id: {from: cid}
        ...   status: {from: 状态, steps: [{lookup: {table: status}}]}
        ... reverse:
        ...   fields:
        ...     状态: {from: status, steps: [{lookup: {table: status, reverse: true}}]}
        ... ''')
        >>> entity = m.to_entity({"id": 1, "cid": "c1", "状态": "未通过"})
        >>> entity.status, m.reverse(entity)
        (<ApplicationStatus.REJECTED: 'rejected'>, {'状态': '未通过'})
    """

    def __init__(self, plan: _Plan) -> None:
        self._plan = plan
        self._validate = ENTITY_TYPES[plan.entity].__pydantic_validator__.validate_python

    @property
    def file(self) -> str:
        return self._plan.file

    @property
    def system(self) -> str:
        return self._plan.system

    @property
    def entity(self) -> str:
        return self._plan.entity

    @property
    def record_id_path(self) -> str:
        """Where a record holds its own id (the ``record_id`` key), as written in the mapping."""
        return self._plan.record_id_path

    @property
    def source_paths(self) -> frozenset[str]:
        """Every source path the forward rules read (``list[*].item`` inside ``each``), plus record_id.

        The migration validator compares these with an export's columns to find columns never mapped.
        """
        return self._plan.source_paths

    @property
    def required_sources(self) -> frozenset[str]:
        """The sources every record must have: ``record_id`` and those of the ``required`` top-level rules.

        A migration's header check stops before the first row when an export lacks one of their columns.
        """
        return self._plan.required_sources

    @property
    def pii_source_paths(self) -> frozenset[str]:
        """The source paths whose values fill personal data: what a copy of the source must mask."""
        return self._plan.pii_source_paths

    @property
    def target_fields(self) -> frozenset[str]:
        """The top-level-rule canonical targets, plus ``external_ids.<system>`` (always filled)."""
        return self._plan.target_fields

    def records_in(self, page: Any) -> list[Any]:
        """The records of a fetched page, found at ``record_path`` (``null`` there is an empty page).

        Raises:
            MalformedPageError: nothing at ``record_path``, or something that is not a list.
        """
        records = self._plan.records_getter(page)
        if records is None:
            return []
        if not isinstance(records, list):
            found = "nothing" if records is MISSING else f"a {type(records).__name__}"
            raise MalformedPageError(
                f"expected a list of records at record_path {self._plan.record_path!r}, found {found}",
                system=self.system,
                entity=self.entity,
            )
        return records

    def apply(self, record: Any, *, record_id: str | None = None, page: Page | None = None) -> dict[str, Any]:
        """Map one source record to a nested canonical dict, ready for ``validate_entity``.

        Args:
            record: the vendor record (a JSON object).
            record_id: how to name the record in errors when it has no id of its own (e.g. "row 17").
            page: the page the record came in, where ``related`` rules find other records (one
                :class:`Page` for all the records of a page: it keeps the index they build).

        Raises:
            MappingError: naming system, entity, record, target field, source path, value (masked if
                the target is PII) and reason.
        """
        return self._apply(record, record_id, page)[1]

    def apply_labeled(
        self, record: Any, *, record_id: str | None = None, page: Page | None = None
    ) -> tuple[str | None, dict[str, Any]]:
        """:meth:`apply`, also returning how the record is named in errors (its own id, else
        ``record_id``) — for callers that validate the dict later themselves.

        Example:
            >>> from hub.core.mapping import load_mapping_text
            >>> m = load_mapping_text("system: s\\nentity: job\\nrecord_id: t\\nfields:\\n  title: {from: t}\\n")
            >>> m.apply_labeled({"t": "产品经理"}, record_id="row 2")
            ('产品经理', {'external_ids': {'s': '产品经理'}, 'title': '产品经理'})
        """
        return self._apply(record, record_id, page)

    def _apply(self, record: Any, fallback_label: str | None, page: Page | None) -> tuple[str | None, dict[str, Any]]:
        plan = self._plan
        raw_id = plan.record_id_getter(record)
        own_id = str(raw_id) if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) else None
        own_id = own_id if own_id and own_id.strip() else None
        label = own_id or fallback_label  # never PII: identifiers.py refuses a PII record_id
        if not isinstance(record, dict):
            raise MappingError(
                f"a record must be an object, not a {type(record).__name__}",
                system=plan.system,
                entity=plan.entity,
                record_id=label,
            )
        if own_id is None:
            raise MappingError(
                f"the record has no usable id (text or whole number) at {plan.record_id_path!r}",
                system=plan.system,
                entity=plan.entity,
                record_id=label,
                source_path=plan.record_id_path,
            )
        context = RecordContext(plan.system, plan.entity, label, page)
        ids: dict[str, Any] = {plan.system: own_id}
        out: dict[str, Any] = {"external_ids": ids}
        for fill in plan.forward:
            fill(record, out, context, "")
        if plan.own_id_ruled and is_empty(ids.get(plan.system)):
            raise MappingError(
                "the rule for the record's own id left it empty; the record could not be stored or matched",
                system=plan.system,
                entity=plan.entity,
                record_id=label,
                field_path=f"external_ids.{plan.system}",
            )
        return label, out

    def apply_batch(self, records: list[Any]) -> MappingResult:
        """Map many records, one page (``related`` rules find each other's records); a bad record
        becomes an error in the result and the batch goes on.

        Records without an id of their own are named ``#<index>`` in errors.
        """
        result, page = MappingResult(), Page(records)
        for index, record in enumerate(records):
            try:
                result.records.append((index, self.apply(record, record_id=f"#{index}", page=page)))
            except MappingError as exc:
                result.errors.append(exc)
        return result

    def to_entity(self, record: Any, *, record_id: str | None = None) -> Entity:
        """:meth:`apply`, then validate into the canonical model.

        Raises:
            MappingError: the mapping could not produce a field.
            ModelValidationError: the produced record breaks the canonical model.
        """
        label, data = self._apply(record, record_id, None)
        return self.validate(data, label=label)

    def validate(self, data: dict[str, Any], *, label: str | None) -> Entity:
        """Validate a dict :meth:`apply_labeled` produced into the canonical model; ``label`` names
        the record in the error.

        Raises:
            ModelValidationError: the record breaks the canonical model (as :func:`validate_entity` says).
        """
        try:  # the model's own validator: validate_entity's and model_validate's layers cost ~0.4 µs a record
            return self._validate(data)
        except pydantic.ValidationError:  # rare: validated again, for the error validate_entity makes of it
            return validate_entity(self.entity, data, system=self.system, record_id=label)

    def own_id(self, record: Any) -> str | None:
        """The record's own id at the mapping's ``record_id`` (as text; None if absent or empty),
        read without mapping it: what names a record the mapping or the model rejected.

        Example:
            >>> from hub.core.mapping import load_mapping_text
            >>> m = load_mapping_text("system: s\\nentity: candidate\\nrecord_id: 编号\\nfields:\\n  name: {from: n}")
            >>> m.own_id({"编号": 7}), m.own_id({"编号": ""}), m.own_id({"n": "x"})
            ('7', None, None)
        """
        value = self._plan.record_id_getter(record)
        return None if value is MISSING or value in (None, "") else str(value)

    def reverse(self, canonical: Entity | dict[str, Any]) -> dict[str, Any]:
        """The write payload for this system, built from a canonical entity (or its dict form).

        Values are read from the entity's JSON form: enums as values, datetimes as ISO text.

        Raises:
            MappingCompileError: this mapping has no ``reverse`` section.
            MappingError: a reverse rule could not produce a payload field (value masked if PII).
        """
        plan = self._plan
        if plan.backward is None:
            raise MappingCompileError("this mapping has no 'reverse' section", file=plan.file)
        data = canonical.model_dump(mode="json") if isinstance(canonical, Entity) else to_jsonable_python(canonical)
        if not isinstance(data, dict):
            raise MappingError("a canonical record must be an object", system=plan.system, entity=plan.entity)
        ids = data.get("external_ids")
        label = data.get("id") or (ids.get(plan.system) if isinstance(ids, dict) else None)
        context = RecordContext(plan.system, plan.entity, str(label) if label is not None else None)
        out: dict[str, Any] = {}
        for fill in plan.backward:
            fill(data, out, context, "")
        return out
