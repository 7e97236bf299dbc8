"""Reconciliation after writing: prove the target holds what the migration wrote, field by field.

Both sides reduce every field of every record to a keyed digest of its *normalized* value (the
canonical JSON of the field, references without the hub id the store fills in). The source side is
computed right after mapping and kept in the run ledger; the target side after reading each record
back from the store and decrypting it. Per entity kind the report gets:

* counts: records the source produced vs records found in the target;
* per field a checksum — SHA-256 over the (external id, value digest) pairs sorted by external id —
  on both sides, so a field the target silently truncated or re-encoded shows up as a mismatch;
* a sample of field-by-field diffs naming the record and showing values masked when PII.

Digests are keyed (HMAC key from the key ring), so neither the ledger nor the report can be used to
confirm a guessed ID number or phone.

Example:
    >>> from pydantic_core import to_json

from hub.core.crypto import KeyRing
    >>> from hub.core.models import Job
    >>> d = Digester(KeyRing.generate())
    >>> job = Job(external_ids={"s": "j1"}, title="产品经理")
    >>> len(d.digests(job)) == 8 * len(d.fields("job"))
    True
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic_core import to_json

from hub.core.crypto import KeyRing
from hub.core.errors import ReconciliationError, mask
from hub.core.migrate.findings import Finding
from hub.core.migrate.ledger import Ledger
from hub.core.models import ENTITY_TYPES, Entity, pii_fields
from hub.core.store.codec import kind_info

__all__ = ["Digester", "KindReconciliation", "reconcile", "normalized_fields"]

_SKIP = frozenset({"id", "provenance", "external_ids"})
_SIZE = 8


@cache
def _fields(kind: str) -> tuple[str, ...]:
    return tuple(name for name in ENTITY_TYPES[kind].model_fields if name not in _SKIP)


def normalized_fields(entity: Entity) -> dict[str, str]:
    """``{field: canonical JSON}`` of every compared field; references lose the store-filled ``id``.

    Key order is the model's field order on both sides (the store keeps JSON objects in order), so
    the compact JSON is canonical without sorting.
    """
    data = entity.model_dump(mode="json", include=set(_fields(entity.kind)))
    for name, _ in kind_info(entity.kind).refs:
        if isinstance(data.get(name), dict):
            data[name] = {k: v for k, v in data[name].items() if k != "id"}
    return {name: to_json(data.get(name)).decode("utf-8") for name in _fields(entity.kind)}


class Digester:
    """Keyed per-field digests of an entity, ``8`` bytes per field in :meth:`fields` order.

    Example:
        >>> from hub.core.models import Job
        >>> d = Digester(KeyRing.generate())
        >>> a, b = Job(title="产品经理"), Job(title="产品经")
        >>> d.digests(a) == d.digests(b)
        False
    """

    def __init__(self, keyring: KeyRing) -> None:
        self._key = keyring.field_key("migrate/checksum")

    @staticmethod
    def fields(kind: str) -> tuple[str, ...]:
        return _fields(kind)

    def digests(self, entity: Entity) -> bytes:
        key = self._key
        return b"".join(
            hashlib.blake2b(text.encode("utf-8"), key=key, digest_size=_SIZE).digest()
            for text in normalized_fields(entity).values()
        )


@dataclass
class KindReconciliation:
    """One entity kind, source vs target.

    Example:
        >>> KindReconciliation("job", source_count=2, target_count=2).missing
        0
    """

    kind: str
    source_count: int = 0
    target_count: int = 0
    missing: int = 0
    source_checksums: dict[str, str] = field(default_factory=dict)
    target_checksums: dict[str, str] = field(default_factory=dict)
    mismatched: dict[str, int] = field(default_factory=dict)
    diffs: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source_count": self.source_count,
            "target_count": self.target_count,
            "missing": self.missing,
            "fields": {
                name: {
                    "source": self.source_checksums[name],
                    "target": self.target_checksums[name],
                    "match": self.source_checksums[name] == self.target_checksums[name],
                    "mismatched_records": self.mismatched.get(name, 0),
                }
                for name in self.source_checksums
            },
            "diffs": self.diffs,
        }


#: ``(kind, external ids) -> {external id: entity}`` read back (and decrypted) from the target.
ReadBack = Callable[[str, list[str]], dict[str, Entity]]


def reconcile(
    kinds: list[str],
    ledger: Ledger,
    digester: Digester,
    read_back: ReadBack,
    target_count: Callable[[str], int],
    *,
    system: str,
    sample_size: int = 20,
    chunk: int = 500,
) -> tuple[list[KindReconciliation], list[Finding]]:
    """Compare what the ledger says was written with what the target holds, kind by kind.

    Returns the per-kind results and the findings (``count_mismatch`` per kind with missing
    records, ``checksum_mismatch`` per mismatching record and field).
    """
    results, findings = [], []
    for kind in kinds:
        names = digester.fields(kind)
        pii = pii_fields(ENTITY_TYPES[kind])
        result = KindReconciliation(kind, target_count=target_count(kind))
        source_sums = {name: hashlib.sha256() for name in names}
        target_sums = {name: hashlib.sha256() for name in names}
        for batch in _chunks(ledger.records(kind), chunk):
            found = read_back(kind, [ext for ext, _, _ in batch])
            for ext, number, digests in batch:
                result.source_count += 1
                entity = found.get(ext)
                if entity is None:
                    result.missing += 1
                    continue
                theirs = digester.digests(entity)
                values = None
                for position, name in enumerate(names):
                    ours, got = digests[position * _SIZE : (position + 1) * _SIZE], theirs[position * _SIZE : (position + 1) * _SIZE]
                    prefix = ext.encode("utf-8") + b"\x1f"
                    source_sums[name].update(prefix + ours)
                    target_sums[name].update(prefix + got)
                    if ours == got:
                        continue
                    result.mismatched[name] = result.mismatched.get(name, 0) + 1
                    values = values or normalized_fields(entity)
                    shown = mask(values[name]) if name in pii else _short(values[name])
                    if len(result.diffs) < sample_size:
                        result.diffs.append({"record": ext, "row": number, "field": name, "target": shown})
                    error = ReconciliationError(
                        "the value read back from the target differs from the value written",
                        system=system, entity=kind, record_id=ext, field_path=name, value=shown,
                    )  # fmt: skip
                    findings.append(Finding(number, ext, kind, f"{kind}.{name}", "checksum_mismatch", error))
        result.source_checksums = {name: s.hexdigest() for name, s in source_sums.items()}
        result.target_checksums = {name: s.hexdigest() for name, s in target_sums.items()}
        if result.missing:
            error = ReconciliationError(
                f"{result.missing} of {result.source_count} records written are not in the target", system=system, entity=kind
            )
            findings.append(Finding(None, "", kind, f"{kind}", "count_mismatch", error))
        results.append(result)
    return results, findings


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
