"""A migration's checks across rows, as stages of the record path (:mod:`hub.core.stages`).

The writing process runs them on each batch, in this order, before the batch's transaction:

* :class:`Duplicates` — the same person under two external ids, found by blind index (so no
  plaintext is remembered); the later record is held back.
* :class:`References` — a reference to a record that neither the source nor the target holds,
  reported once the whole source was read.
* :class:`Ledgered` — the run's ledger: each written record's row and digests (reconciliation reads
  them back) and the rejected ids, committed before the target's transaction.
* :class:`Coverage` — source columns no mapping reads, and mapped fields no record ever filled.

The checks of one row (its text, its mapping and validation) run in the producer instead:
:mod:`hub.core.migrate.validate`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from hub.core.errors import ConfigError, DuplicateRecordError, MissingReferenceError, SuspectValueError, mask
from hub.core.mapping import CompiledMapping
from hub.core.migrate.batch import Batch, MappedRow, last_of_each
from hub.core.migrate.findings import Finding
from hub.core.migrate.ledger import Ledger
from hub.core.store import EntityCodec, Prepared, kind_info

__all__ = ["UNIQUE_FIELDS", "HUB_COLUMNS", "Coverage", "Duplicates", "Ledgered", "References", "source_columns"]

#: Canonical fields that identify a person when the target has no identity rule for the kind: the same
#: value under two external ids is a duplicate.
UNIQUE_FIELDS: dict[str, tuple[str, ...]] = {"candidate": ("national_id",), "employee": ("national_id",)}


class Duplicates:
    """Holds back the later of two records sharing a unique value under two external ids.

    Args:
        system: the source system.
        codec: the store's codec: computes the blind indexes of unique fields from the prepared
            records, kept for the store to write (the plaintext never leaves the batch).
        ledger: the run's ledger (the identities earlier batches claimed).
        unique: ``{kind: fields}`` that identify a person (default :data:`UNIQUE_FIELDS`). Pass the
            target's identity rules: a record the target would merge into another (same phone,
            say) must be held back here, or reconciliation finds the merged record changed.

    Raises:
        ConfigError: a unique field is not blind-indexed.
    """

    def __init__(self, system: str, codec: EntityCodec, ledger: Ledger,
                 unique: Mapping[str, tuple[str, ...]] = UNIQUE_FIELDS) -> None:  # fmt: skip
        self.system, self.codec, self.ledger = system, codec, ledger
        for kind, names in unique.items():
            if not set(names) <= set(kind_info(kind).indexed):
                raise ConfigError(f"unique fields of {kind!r} must be blind-indexed ({', '.join(kind_info(kind).indexed)})")
        self.unique = unique

    def check(self, batch: Batch) -> None:
        """Move the later of two records sharing a unique value (under two external ids) to findings.

        The values are compared by the blind indexes the store writes for them. All the batch's
        claims go to the ledger in one call, in row order, so a duplicate inside the batch is caught
        like one across batches.
        """
        claims, owners = [], []
        for row in batch.rows:
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

    def finish(self) -> list[Finding]:
        """Nothing: a duplicate is found in the batch that brings it."""
        return []


class References:
    """Referential integrity: a reference to a record that neither the source nor the target holds.

    Args:
        system: the source system (references to other systems are not followed).
        ledger: the run's ledger (what earlier batches produced; the references still open).
        target_known: ``(kind, external ids) -> the ones the target already holds`` (None: the
            target is not consulted, e.g. it is empty).
    """

    def __init__(self, system: str, ledger: Ledger,
                 target_known: Callable[[str, Iterable[str]], set[str]] | None = None) -> None:  # fmt: skip
        self.system, self.ledger, self.target_known = system, ledger, target_known

    def check(self, batch: Batch) -> None:
        """Remember references that neither this batch nor earlier ones resolve, for :meth:`finish`."""
        rows = batch.rows
        produced = {(p.kind, p.external_id) for row in rows for p in row.prepared}  # a rejected one is not: see finish
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
        known = {(target, ext) for target, exts in by_target.items()
                 for ext in self.ledger.known(target, exts, include_rejected=False)}  # fmt: skip
        self.ledger.add_pending(ref for ref in open_refs if (ref[2], ref[3]) not in known)

    def finish(self) -> list[Finding]:
        """Resolve the remembered references against the whole source and the target; the rest dangle.

        A reference to a record the source holds but whose row was rejected is a warning of its own
        (``rejected_reference``): the referring record is stored, pointing at nothing until that row
        is fixed and imported again. A batch read again after a resume left its references in the
        ledger twice: each row's reference is judged once."""
        findings = []
        for kind, name, target, ext, number, record in dict.fromkeys(map(tuple, self.ledger.pending())):
            if self.ledger.known(target, [ext], include_rejected=False) or (self.target_known and self.target_known(target, [ext])):
                continue
            if self.ledger.known(target, [ext]):
                error = MissingReferenceError(
                    f"references {target} {ext!r}, whose source row was rejected: stored, it points at nothing",
                    system=self.system, entity=kind, record_id=record, field_path=name,
                )  # fmt: skip
                findings.append(Finding(number, record, kind, f"{kind}.{name}", "rejected_reference", error))
                continue
            error = MissingReferenceError(
                f"references {target} {ext!r}, which is neither in the source nor in the target",
                system=self.system, entity=kind, record_id=record, field_path=name,
            )  # fmt: skip
            findings.append(Finding.from_error(error, row=number, record=record))
        return findings


class Ledgered:
    """Keeps each batch in the run's ledger: every record to be written (row, digests; the last row
    of a record winning, as in the store) and the ids of rejected ones, committed before the batch's
    transaction so the ledger never lacks what the target holds (its writes are idempotent)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def check(self, batch: Batch) -> None:
        written = last_of_each(batch.rows)
        self.ledger.put_records((kind, ext, number, digest) for (kind, ext), (number, _, digest) in written.items())
        self.ledger.put_rejected(pair for row in batch.rows for pair in row.rejected)
        self.ledger.commit()

    def finish(self) -> list[Finding]:
        """Nothing: reconciliation reads the ledger."""
        return []


#: The columns hub adds to an export it gives back to fix (the rejected rows: their number in the
#: source, why they were rejected); a file migrated again carries them, and they are not data.
HUB_COLUMNS = ("hub_row", "hub_reason")


def source_columns(paths: Iterable[str]) -> set[str]:
    """The export columns that mapping source paths read (``a|b`` is either column; ``a.b`` and
    ``a[*].b`` read column ``a``).

    Example:
        >>> sorted(source_columns(["姓名|名字", "电话[*].号码", "部门"]))
        ['名字', '姓名', '电话', '部门']
    """
    columns = set()
    for path in paths:
        head = path.split("[*]", 1)[0].split(".", 1)[0]
        columns.update(part.strip() for part in head.split("|"))
    return columns


class Coverage:
    """Source columns no mapping reads, and top-level fields a mapping targets that no record filled.

    Args:
        mappings: ``{kind: compiled mapping}`` being migrated (their fields must be filled).
        every_mapping: the source's mappings that decide which columns are read (a run migrating
            only some entities of an export does not make the other entities' columns unmapped).
        columns: the source's columns seen so far (a resumed run's, from its checkpoint).
        filled: ``{kind: field names}`` filled so far (likewise).
    """

    def __init__(self, mappings: Mapping[str, CompiledMapping], every_mapping: Iterable[CompiledMapping],
                 columns: Iterable[str] = (), filled: Mapping[str, Iterable[str]] | None = None) -> None:  # fmt: skip
        self.mappings, self.every_mapping = mappings, tuple(every_mapping)
        self.columns: Iterable[str] = columns
        self.filled: Mapping[str, Iterable[str]] = filled or {}

    def check(self, batch: Batch) -> None:
        """The producer counts columns and filled fields over all rows so far: keep its latest."""
        self.columns, self.filled = batch.columns, batch.filled

    def finish(self) -> list[Finding]:
        """The columns and fields no record carried over, once the whole source was read."""
        read = source_columns(path for mapping in self.every_mapping for path in mapping.source_paths)
        findings = []
        for column in self.columns:
            if column not in read and column not in HUB_COLUMNS:
                error = SuspectValueError("no mapping reads this column; its data is not migrated", field_path=f"source.{column}")
                findings.append(Finding(None, "", None, f"source.{column}", "unmapped_column", error))
        for kind, mapping in self.mappings.items():
            for target in sorted(mapping.target_fields):
                top = target.split(".", 1)[0]
                if top != "external_ids" and top not in set(self.filled.get(kind, ())):
                    error = SuspectValueError("the mapping declares this field but no record filled it",
                                              entity=kind, field_path=top)  # fmt: skip
                    findings.append(Finding(None, "", kind, f"{kind}.{top}", "unfilled_field", error))
        return findings
