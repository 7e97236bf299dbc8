"""Validation of each source row, in the producer: its text, then its mapping and validation.

* :class:`TextChecks` — the raw text of a row: mojibake (U+FFFD, or GBK/UTF-8 bytes decoded as
  Latin-1) and values that exactly fill a legacy column width (probably cut).
* :class:`RowMapper` — each entity mapping of the source on the row: required fields, enum values,
  dates (Excel serials included), ID checksums, phones, scores... through the per-record transform
  sync uses too (:class:`~hub.core.record_transform.RecordTransform`: mapping engine, canonical model,
  plugin validators); every failure becomes a :class:`~hub.core.migrate.findings.Finding`.
* :func:`prepare_rows` — the rows' entities prepared for the store, with their reconciliation digests.

The checks across rows (duplicates, references, the ledger, coverage) are stages the writing
process runs on each batch: :mod:`hub.core.migrate.checks`.

Example:
    >>> TextChecks({"面试官评语": 6}).check({"姓名": "Íõ·¼", "面试官评语": "表达清晰，逻"}, 5, "a.csv:5")[0].kind
    'mojibake'
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import to_json

from hub.core.errors import RecordError, SuspectValueError
from hub.core.mapping import CompiledMapping
from hub.core.migrate.batch import MappedRow
from hub.core.migrate.findings import Finding
from hub.core.migrate.reconcile import Digester
from hub.core.models import Entity, Provenance
from hub.core.record_transform import RecordTransform, Validator, prepare_for_store
from hub.core.store import EntityCodec, Prepared

__all__ = ["TextChecks", "RowMapper", "prepare_rows"]

_SUSPECT = re.compile("[\ufffd\u0080-\u00ff]")
_CJK = re.compile("[\u3000-\u9fff\uff00-\uffef]")


def _is_mojibake(text: str) -> bool:
    """True for U+FFFD, or for Latin-1 runs that re-decode into CJK text (GBK or UTF-8 read as Latin-1)."""
    if "\ufffd" in text:
        return True
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    for codec in ("utf-8", "gb18030"):
        try:
            if _CJK.search(raw.decode(codec)):
                return True
        except UnicodeDecodeError:
            continue
    return False


@dataclass(frozen=True)
class TextChecks:
    """Checks of a row's raw text, before any mapping.

    Args:
        max_length: ``{column: width}`` of the legacy system's columns; a value that reaches the
            width was probably cut by the old system or its export.

    Example:
        >>> TextChecks({"姓名": 3}).check({"姓名": "欧阳娜娜"}, 2, "a.csv:2")[0].field
        'source.姓名'
    """

    max_length: Mapping[str, int] = field(default_factory=dict)

    def check(self, row: Mapping[str, Any], number: int | None, record: str) -> list[Finding]:
        found = []
        for column, value in row.items():
            if not isinstance(value, str):
                continue
            if _SUSPECT.search(value) and _is_mojibake(value):
                found.append(self._finding(column, number, record, "mojibake", "the text looks mis-decoded (mojibake); "
                                           "the file was read in the wrong encoding or was already damaged"))
            width = self.max_length.get(column)
            if width is not None and len(value) >= width:
                found.append(self._finding(column, number, record, "truncated", f"the value fills the column width "
                                           f"of {width} characters and was probably cut"))
        return found

    @staticmethod
    def _finding(column: str, number: int | None, record: str, kind: str, reason: str) -> Finding:
        error = SuspectValueError(reason, record_id=record, field_path=f"source.{column}")
        return Finding(number, record, None, f"source.{column}", kind, error)


def prepare_rows(rows: list[MappedRow], codec: EntityCodec, system: str, digester: Digester | None = None) -> None:
    """Replace each row's entities by the store's prepared records: dumped once, the model dropped
    (:meth:`EntityCodec.detach`); with ``digester``, fill each row's reconciliation digests too.

    Why: a migration's producer runs this, so what crosses to the writing process is bytes and
    short strings, not models. Unpickling the models (~18 pydantic objects a row) and dumping them
    there made the writer the busier process; this took it from ~337 to ~235 µs of CPU a row and
    the run from 2,770 to 3,600 rows/s (``bench/bench_migrate.py --rows 100000``). The content
    hash and blind indexes are left to the writer, as in a forked sync: moved here too they made
    the producer the busier one (the producer computes them only while the writer is behind:
    :func:`~hub.core.record_transform.precompute`). The duplicate check and the store then share
    one computation of the blind indexes (:meth:`EntityCodec.blind_of`). An entity shared by many
    rows (a job) is prepared once per batch, and pickled once with it.

    The digests are computed from the prepared bytes, cut into their fields' texts rather than
    parsed (:meth:`Digester.digests_of_dump`): the same values as dumping the model again, for an
    assessment 6.1 µs of cutting and normalizing against 14.0 µs for the dump alone.
    """
    done: dict[int, tuple[Prepared, bytes]] = {}
    for row in rows:
        for entity in row.entities:
            found = done.get(id(entity))
            if found is None:
                prepared = prepare_for_store(codec, entity, system, detach=True)
                digest = digester.digests_of_dump(prepared.kind, prepared.payload) if digester else b""
                found = done[id(entity)] = (prepared, digest)
            row.prepared.append(found[0])
            if digester:
                row.digests.append(found[1])
    for row in rows:  # after all are prepared: a live entity's id() is never reused meanwhile
        row.entities = []


#: Referenced kinds first, so the store resolves references inside one batch.
_ORDER = ("department", "candidate", "employee", "payslip", "job",
          "application", "interview", "offer", "assessment", "feedback")


class _Memo:
    """Validated entities of one kind by their mapped dict's JSON, while the kind repeats across rows.

    A job named on 60,000 rows is mapped to the same dict each time; validating it once is enough.
    Kinds that do not repeat (one candidate per row) are detected after :attr:`PROBE` lookups and
    no longer pay for the key. At most :attr:`LIMIT` entries are kept, so memory stays bounded.
    """

    PROBE, LIMIT = 2000, 10_000

    def __init__(self) -> None:
        self.entries: dict[bytes, Entity] = {}
        self.lookups = self.hits = 0
        self.enabled = True

    def key(self, data: dict[str, Any]) -> bytes | None:
        if not self.enabled:
            return None
        self.lookups += 1
        if self.lookups == self.PROBE and self.hits * 2 < self.lookups:
            self.enabled, self.entries = False, {}
            return None
        return to_json(data, serialize_unknown=True)

    def get(self, key: bytes | None) -> Entity | None:
        found = self.entries.get(key) if key is not None else None
        self.hits += found is not None
        return found

    def put(self, key: bytes | None, entity: Entity) -> None:
        if key is None:
            return
        if len(self.entries) >= self.LIMIT:
            self.entries.clear()
        self.entries[key] = entity


class RowMapper:
    """Applies the source's entity mappings to a row and validates the results into canonical models,
    each through its :class:`~hub.core.record_transform.RecordTransform` (model and plugin validators).

    Entities that repeat exactly (same mapped dict) are validated once and shared between rows:
    they are never modified after validation (plugin validators must not modify them either).

    Args:
        mappings: ``{kind: compiled mapping}`` of the source (all of one system).
        provenance: the run's provenance (system, stream, start time) set on every entity.
        validators: the plugins' record validators (``Registry.validators``).

    Example:
        >>> from hub.core.mapping import load_mapping_text
        >>> m = load_mapping_text("system: s\\nentity: job\\nrecord_id: t\\nfields:\\n  title: {from: t}\\n")
        >>> mapper = RowMapper({"job": m})
        >>> first, again = (mapper.map({"t": "产品经理"}, n, f"a.csv:{n}").entities[0] for n in (2, 3))
        >>> first.title, first is again
        ('产品经理', True)
    """

    def __init__(
        self,
        mappings: Mapping[str, CompiledMapping],
        provenance: Provenance | None = None,
        validators: Iterable[Validator] = (),
    ) -> None:
        ordered = sorted(mappings.items(), key=lambda item: _ORDER.index(item[0]) if item[0] in _ORDER else 99)
        validators = tuple(validators)
        self.steps = {kind: RecordTransform(mapping, validators) for kind, mapping in ordered}
        self.provenance = provenance
        self.filled: dict[str, set[str]] = {kind: set() for kind in self.steps}
        self._memos = {kind: _Memo() for kind in self.steps}

    def map(self, row: Mapping[str, Any], number: int | None, record: str,
            kinds: Collection[str] | None = None) -> MappedRow:  # fmt: skip
        """The row's entities, by the mappings of ``kinds`` (default: every mapping: a wide export row)."""
        result = MappedRow(number, record)
        for kind, step in self.steps.items():
            if kinds is not None and kind not in kinds:
                continue
            memo = self._memos[kind]
            try:
                label, data = step.mapped(row, record_id=record)
                key = memo.key(data)
                entity = memo.get(key)
                if entity is None:
                    entity = step.validated(data, label=label, provenance=self.provenance)
                    memo.put(key, entity)
                    self.filled[kind] |= entity.model_fields_set
            except RecordError as exc:
                result.findings.append(Finding.from_error(exc, row=number, record=record))
                own = step.own_id(row)
                if own is not None:
                    result.rejected.append((kind, own))
                continue
            result.entities.append(entity)
        return result


