"""Validation before writing: every check a migration runs on the source, row by row and batch by batch.

* :class:`TextChecks` — the raw text of a row: mojibake (U+FFFD, or GBK/UTF-8 bytes decoded as
  Latin-1) and values that exactly fill a legacy column width (probably cut).
* :class:`RowMapper` — each entity mapping of the source on the row: required fields, enum values,
  dates (Excel serials included), ID checksums, phones, scores... through the per-record transform
  sync uses too (:class:`~hub.core.record_transform.RecordTransform`: mapping engine, canonical model,
  plugin validators); every failure becomes a :class:`~hub.core.migrate.findings.Finding`.
* :class:`BatchChecks` — across rows: duplicates inside the source (the same person under two
  external ids, found by blind index, so no plaintext is remembered) and referential integrity (a
  reference to a record that neither the source nor the target holds).
* :func:`coverage` — source columns no mapping reads, and mapped fields no record ever filled.

Example:
    >>> TextChecks({"面试官评语": 6}).check({"姓名": "Íõ·¼", "面试官评语": "表达清晰，逻"}, 5, "a.csv:5")[0].kind
    'mojibake'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import to_json

from hub.core.errors import ConfigError, DuplicateRecordError, MissingReferenceError, RecordError, SuspectValueError, mask
from hub.core.mapping import CompiledMapping
from hub.core.migrate.findings import Finding
from hub.core.migrate.ledger import Ledger
from hub.core.migrate.reconcile import Digester
from hub.core.models import Entity, Provenance
from hub.core.record_transform import RecordTransform, Validator, prepare_for_store
from hub.core.store.codec import EntityCodec, Prepared, kind_info

__all__ = ["TextChecks", "RowMapper", "MappedRow", "prepare_rows", "BatchChecks", "coverage", "UNIQUE_FIELDS"]

#: Canonical fields that identify a person when the target has no identity rule for the kind: the same
#: value under two external ids is a duplicate.
UNIQUE_FIELDS: dict[str, tuple[str, ...]] = {"candidate": ("national_id",), "employee": ("national_id",)}

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


@dataclass
class MappedRow:
    """What one source row became: valid entities (in dependency order), rejected ones and findings.

    A migration then replaces ``entities`` by ``prepared``: the same records dumped for the store,
    in the same order, with their reconciliation digests aligned in ``digests`` (:func:`prepare_rows`).
    That is what crosses from the producer to the writing process, and what :class:`BatchChecks` reads.
    """

    number: int | None
    record: str
    entities: list[Entity] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (kind, external id)
    findings: list[Finding] = field(default_factory=list)
    digests: list[bytes] = field(default_factory=list)
    prepared: list[Prepared] = field(default_factory=list)

    def drop(self, held: Mapping[int, Any]) -> None:
        """Remove the prepared records whose ``id()`` is in ``held`` (and their digests)."""
        kept = [i for i, prepared in enumerate(self.prepared) if id(prepared) not in held]
        self.prepared = [self.prepared[i] for i in kept]
        if self.digests:
            self.digests = [self.digests[i] for i in kept]


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
_ORDER = ("department", "candidate", "employee", "job", "application", "offer", "assessment", "feedback")


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


class BatchChecks:
    """Duplicates inside the source and referential integrity, batch by batch, through the ledger.

    Args:
        system: the source system (external ids and references are of this system).
        codec: the store's codec: computes the blind indexes of unique fields from the prepared
            records (:func:`prepare_rows`), kept for the store to write (the plaintext never leaves the batch).
        ledger: the run's ledger (what earlier batches produced).
        target_known: ``(kind, external ids) -> the ones the target already holds`` (None: the
            target is not consulted, e.g. it is empty).
        unique: ``{kind: fields}`` that identify a person (default :data:`UNIQUE_FIELDS`). Pass the
            target's identity rules: a record the target would merge into another (same phone,
            say) must be held back here, or reconciliation finds the merged record changed.
    """

    def __init__(
        self,
        system: str,
        codec: EntityCodec,
        ledger: Ledger,
        target_known: Callable[[str, Iterable[str]], set[str]] | None = None,
        unique: Mapping[str, tuple[str, ...]] = UNIQUE_FIELDS,
    ) -> None:
        self.system, self.codec, self.ledger, self.target_known = system, codec, ledger, target_known
        for kind, names in unique.items():
            if not set(names) <= set(kind_info(kind).indexed):
                raise ConfigError(f"unique fields of {kind!r} must be blind-indexed ({', '.join(kind_info(kind).indexed)})")
        self.unique = unique

    def duplicates(self, rows: list[MappedRow]) -> None:
        """Move the later of two records sharing a unique value (under two external ids) to findings.

        The values are compared by the blind indexes the store writes for them. All the batch's
        claims go to the ledger in one call, in row order, so a duplicate inside the batch is caught
        like one across batches.
        """
        claims, owners = [], []
        for row in rows:
            for prepared in row.prepared:
                names = self.unique.get(prepared.kind, ())
                indexes = self.codec.blind_of(prepared) if names else {}
                for name in names:
                    for hmac in indexes.get(name, ()):
                        claims.append((prepared.kind, name, hmac, prepared.external_id, row.record))
                        owners.append((row, prepared, name))
        held: dict[int, tuple[MappedRow, Prepared]] = {}
        for (row, prepared, name), conflict in zip(owners, self.ledger.claim_identities(claims)):
            if conflict is None or id(prepared) in held:
                continue
            held[id(prepared)] = (row, prepared)
            error = self._duplicate(prepared, name, conflict, row.record)
            row.findings.append(Finding.from_error(error, row=row.number, record=row.record))
            row.rejected.append((prepared.kind, prepared.external_id))
        if held:
            for row in {id(row): row for row, _ in held.values()}.values():
                row.drop(held)

    def _duplicate(self, prepared: Prepared, name: str, conflict: tuple[str, str], record: str) -> DuplicateRecordError:
        value = self.codec.split(prepared).pii[name]  # unique fields are blind-indexed, so PII
        return DuplicateRecordError(
            f"the same {name} is on {conflict[1]} under external id {conflict[0]!r}; "
            "held back so two people are not merged",
            system=self.system, entity=prepared.kind, record_id=record, field_path=name, value=mask(value),
        )  # fmt: skip

    def references(self, rows: list[MappedRow]) -> None:
        """Remember references that neither this batch nor earlier ones resolve, for :meth:`finish`."""
        produced = {(kind, ext) for row in rows for kind, ext in row.rejected}
        produced |= {(p.kind, p.external_id) for row in rows for p in row.prepared}
        targets = {kind: dict(kind_info(kind).refs) for kind, _ in produced}  # {kind: {field: target kind}}
        open_refs = []
        for row in rows:
            for prepared in row.prepared:
                for name, system, external_id in prepared.refs or ():
                    target = targets[prepared.kind][name]
                    if system != self.system or (target, external_id) in produced:
                        continue
                    open_refs.append((prepared.kind, name, target, external_id, row.number, row.record))
        by_target: dict[str, set[str]] = {}
        for ref in open_refs:
            by_target.setdefault(ref[2], set()).add(ref[3])
        known = {(target, ext) for target, exts in by_target.items() for ext in self.ledger.known(target, exts)}
        self.ledger.add_pending(ref for ref in open_refs if (ref[2], ref[3]) not in known)

    def finish(self) -> list[Finding]:
        """Resolve the remembered references against the whole source and the target; the rest dangle."""
        findings = []
        for kind, name, target, ext, number, record in self.ledger.pending():
            if self.ledger.known(target, [ext]) or (self.target_known and self.target_known(target, [ext])):
                continue
            error = MissingReferenceError(
                f"references {target} {ext!r}, which is neither in the source nor in the target",
                system=self.system, entity=kind, record_id=record, field_path=name,
            )  # fmt: skip
            findings.append(Finding.from_error(error, row=number, record=record))
        return findings


def coverage(
    columns: Iterable[str],
    mappings: Mapping[str, CompiledMapping],
    filled: Mapping[str, set[str]],
    every_mapping: Iterable[CompiledMapping] | None = None,
) -> list[Finding]:
    """Source columns no mapping reads, and top-level fields a mapping targets that no record filled.

    ``every_mapping`` (default: ``mappings``) decides which columns are read: a run migrating only
    some entities of an export does not make the other entities' columns unmapped.
    """
    read = set()
    for mapping in every_mapping if every_mapping is not None else mappings.values():
        for path in mapping.source_paths:
            head = path.split("[*]", 1)[0].split(".", 1)[0]
            read.update(part.strip() for part in head.split("|"))
    findings = []
    for column in columns:
        if column not in read:
            error = SuspectValueError("no mapping reads this column; its data is not migrated", field_path=f"source.{column}")
            findings.append(Finding(None, "", None, f"source.{column}", "unmapped_column", error))
    for kind, mapping in mappings.items():
        for target in sorted(mapping.target_fields):
            top = target.split(".", 1)[0]
            if top != "external_ids" and top not in filled.get(kind, set()):
                error = SuspectValueError("the mapping declares this field but no record filled it",
                                          entity=kind, field_path=top)  # fmt: skip
                findings.append(Finding(None, "", kind, f"{kind}.{top}", "unfilled_field", error))
    return findings
