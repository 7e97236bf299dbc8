"""Reconciliation after writing: prove the target holds what the migration wrote, field by field.

Both sides reduce every field of every record to a keyed digest of its *normalized* value: the
compact JSON of the field as the canonical model's JSON form has it (computed fields left out, as
the store leaves them out), references without the hub id the store fills in, and an empty value
(null, ``[]``, ``{}``) as null, because the store does not keep empty PII. The source side is
computed from the validated entity's JSON dump (the bytes prepared for the store, cut into its
fields' texts, not parsed) and kept in the run ledger; the target side from the stored row itself —
its JSON and its decrypted PII, cut the same way — without rebuilding models, so reading back costs
a query, a cut and the decryptions per record. Per entity kind the report gets:

* counts: records the source produced vs records found in the target;
* per field a checksum — SHA-256 over the external ids and that field's digests, in external-id
  order — on both sides, so a field the target silently truncated or re-encoded shows up as a mismatch;
* a sample of field-by-field diffs naming the record and showing values masked when PII.

Digests are keyed (HMAC key from the key ring), so neither the ledger nor the report can be used to
confirm a guessed ID number or phone.

Example:
    >>> from hub.core.models import Job
    >>> from hub.core.store.codec import hashed_dump
    >>> d = Digester(KeyRing.generate())
    >>> digests = d.digests_of_dump("job", hashed_dump(Job(external_ids={"s": "j1"}, title="产品经理")))
    >>> len(digests) == RECORD + 8 * len(d.fields("job"))
    True
    >>> digests == d.digest_values("job", {"title": "产品经理", "competencies": None})
    True
"""

from __future__ import annotations

import hashlib
import re
from contextlib import closing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic_core import to_json

from hub.core.chunks import chunks
from hub.core.crypto import KeyRing
from hub.core.errors import ReconciliationError, mask
from hub.core.forked import ahead
from hub.core.migrate.findings import Finding
from hub.core.migrate.ledger import Ledger
from hub.core.models import ENTITY_TYPES, Entity, pii_fields
from hub.core.store import field_texts, kind_info, loads

__all__ = ["Digester", "KindReconciliation", "reconcile", "normalized_fields", "entity_values", "shown", "RECORD"]

_SKIP = frozenset({"id", "provenance", "external_ids"})
_SIZE = 8
#: Bytes of the whole-record digest in front of the field digests.
RECORD = 16
#: Between fields in the record digest; compact JSON escapes it inside strings, so it cannot occur in a field.
_SEPARATOR = b"\x1e"
_NULL = to_json(None)
_EMPTY = frozenset({_NULL, b"[]", b"{}"})
#: A reference's hub id leading its JSON as pydantic writes it: null, or a string with no quote,
#: backslash or comma in it (a UUID), then the comma before the next field.
_LEADING_ID = re.compile(rb'\{"id":(?:null|"[^"\\,]*"),')


@cache
def _fields(kind: str) -> tuple[str, ...]:
    return tuple(name for name in ENTITY_TYPES[kind].model_fields if name not in _SKIP)


@cache
def _included(kind: str) -> frozenset[str]:
    return frozenset(_fields(kind))


@cache
def _refs(kind: str) -> frozenset[str]:
    return frozenset(name for name, _ in kind_info(kind).refs)


def entity_values(entity: Entity) -> dict[str, Any]:
    """The compared fields of ``entity`` in their JSON form, as the store writes them."""
    return entity.model_dump(mode="json", include=_included(entity.kind), exclude_computed_fields=True)


def _normalized(kind: str, values: Mapping[str, Any]) -> list[bytes]:
    """Canonical JSON of each compared field, in :func:`_fields` order."""
    refs = _refs(kind)
    return [_text_of(values.get(name), name in refs) for name in _fields(kind)]


def _text_of(value: Any, is_ref: bool) -> bytes:
    """One field's canonical JSON from its parsed value (the normalizations of :func:`_normalized`)."""
    if value is None or (not value and type(value) in (list, dict)):
        return _NULL
    if is_ref and type(value) is dict and "id" in value:
        return to_json({k: v for k, v in value.items() if k != "id"})
    return to_json(value)


def _normalized_texts(kind: str, texts: Mapping[str, Any]) -> list[bytes]:
    """:func:`_normalized` read off the fields' JSON texts (``{field: bytes or msgspec.Raw}``), unparsed.

    Why: for JSON that pydantic-core wrote (a prepared record's payload, a stored row's data and
    PII) a field's text already is its canonical JSON, so parsing it and dumping it again gives the
    same bytes (a test holds the two equal) at more than twice the cost: an assessment's 15.3 µs
    against 6.1, a candidate's 3.2 against 2.6. Only the normalizations are applied: an empty
    value becomes null, and a reference loses its leading hub id (read the slow way if its text has
    another form). A text that is not canonical (other spacing or escapes) gives a different record
    digest; reconciliation then compares that record field by field from parsed values, so only a
    real difference is reported.
    """
    refs, normalized = _refs(kind), []
    for name in _fields(kind):
        raw = texts.get(name)
        text = _NULL if raw is None else bytes(raw)
        if text in _EMPTY:
            text = _NULL
        elif name in refs and text[:1] == b"{":
            match = _LEADING_ID.match(text)
            text = b"{" + text[match.end() :] if match else _text_of(loads(text), True)
        normalized.append(text)
    return normalized


def normalized_fields(kind: str, values: Mapping[str, Any]) -> dict[str, str]:
    """``{field: canonical JSON}`` of every compared field of ``values`` (an entity's JSON form).

    Example:
        >>> normalized_fields("job", {"title": "产品经理", "competencies": []})["competencies"]
        'null'
    """
    return {name: text.decode("utf-8") for name, text in zip(_fields(kind), _normalized(kind, values))}


class Digester:
    """Keyed digests of an entity: one of the whole record (16 bytes), then 8 bytes per field in
    :meth:`fields` order.

    Why the record digest: the target side hashes a stored record once and, when that matches,
    takes the field digests from the ledger instead of hashing every field again.

    Example:
        >>> d = Digester(KeyRing.generate())
        >>> a, b = (d.digests_of_dump("job", f'{{"title":"{title}"}}'.encode()) for title in ("产品经理", "产品经"))
        >>> a == b, a[:RECORD] == d.record_digest("job", {"title": '"产品经理"'.encode()})
        (False, True)
    """

    def __init__(self, keyring: KeyRing) -> None:
        key = keyring.field_key("migrate/checksum")
        # Keyed hashes copied from these rather than keyed anew: the same digests, without hashing
        # the key block again for every field.
        self._record = hashlib.blake2b(key=key, digest_size=RECORD)
        self._field = hashlib.blake2b(key=key, digest_size=_SIZE)
        # A third of a migrated row's fields are empty: their digest is computed once.
        self._null = self._digest(self._field, _NULL)

    @staticmethod
    def fields(kind: str) -> tuple[str, ...]:
        return _fields(kind)

    def digests_of_dump(self, kind: str, dump: bytes) -> bytes:
        """The digests of a validated entity from its JSON dump (a prepared record's payload: the
        model's JSON form, which may hold more fields than are compared; the source side)."""
        return self._digests(_normalized_texts(kind, field_texts(dump)))

    def digest_values(self, kind: str, values: Mapping[str, Any]) -> bytes:
        """The digests of an entity's JSON form, parsed (e.g. a stored record whose record digest differed)."""
        return self._digests(_normalized(kind, values))

    def unclaimed_as_written(self, ours: bytes, theirs: bytes) -> bytes:
        """``theirs`` with the digest of each field the source left empty replaced by ``ours``.

        Why: a record the store resolved into an entity that already existed (another system's id it
        carries, a matching phone) is laid over that entity, and an empty field of the record makes
        no claim on it (:func:`hub.core.store.identity.overlay`): the survivor's value is no difference.

        Example:
            >>> d = Digester(KeyRing.generate())
            >>> ours = d.digest_values("job", {"title": "产品经理"})
            >>> theirs = d.digest_values("job", {"title": "产品经理", "competencies": ["SQL"]})
            >>> d.unclaimed_as_written(ours, theirs)[RECORD:] == ours[RECORD:]
            True
        """
        null, fields = self._null, [theirs[:RECORD]]
        for start in range(RECORD, len(ours), _SIZE):
            own = ours[start : start + _SIZE]
            fields.append(own if own == null else theirs[start : start + _SIZE])
        return b"".join(fields)

    def record_digest(self, kind: str, texts: Mapping[str, Any]) -> bytes:
        """Just the record digest (the first :data:`RECORD` bytes of the digests) of a record given as
        ``{field: JSON text}``, e.g. a stored row's data fields and decrypted PII (the target side)."""
        return self._digest(self._record, _SEPARATOR.join(_normalized_texts(kind, texts)))

    def _digests(self, texts: list[bytes]) -> bytes:
        """The record digest, then each field's; ``texts`` from the normalizing functions, whose
        empty values are all the one :data:`_NULL` object."""
        digests = [self._digest(self._record, _SEPARATOR.join(texts))]
        base, null = self._field, self._null
        for text in texts:
            if text is _NULL:
                digests.append(null)
                continue
            digest = base.copy()
            digest.update(text)
            digests.append(digest.digest())
        return b"".join(digests)

    @staticmethod
    def _digest(base: Any, data: bytes) -> bytes:
        digest = base.copy()
        digest.update(data)
        return digest.digest()


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
    undelivered: int = 0  # written to the store but not taken by a target connector (ConnectorTarget)
    connector_mismatched: dict[str, int] = field(default_factory=dict)  # fields the connector holds otherwise
    source_checksums: dict[str, str] = field(default_factory=dict)
    target_checksums: dict[str, str] = field(default_factory=dict)
    mismatched: dict[str, int] = field(default_factory=dict)
    diffs: list[dict[str, Any]] = field(default_factory=list)

    def count_delivery(self, findings: list[Finding], sample_size: int) -> None:
        """Count a target connector's findings of this kind (``not_delivered``, and ``checksum_mismatch``
        of what it holds), keeping a sample of the differences with the store's."""
        for finding in findings:
            if finding.kind == "not_delivered":
                self.undelivered += 1
                continue
            name = finding.field.split(".", 1)[-1]
            self.connector_mismatched[name] = self.connector_mismatched.get(name, 0) + 1
            if len(self.diffs) < sample_size and finding.error.value is not None:
                self.diffs.append({"record": finding.record, "row": None, "field": name,
                                   "target": f"{finding.error.value} (in {finding.error.system})"})

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source_count": self.source_count,
            "target_count": self.target_count,
            "missing": self.missing,
            "undelivered": self.undelivered,
            "connector_mismatched": self.connector_mismatched,
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


#: ``(kind, external ids) -> (external id, {field: JSON text}), ...`` read back (and decrypted) from
#: the target, for the ids it holds, in any order; a text is ``bytes`` or a ``msgspec.Raw``.
ReadBack = Callable[[str, list[str]], Iterable[tuple[str, dict[str, Any]]]]


def reconcile(
    kinds: list[str],
    ledger: Ledger,
    digester: Digester,
    read_back: ReadBack,
    target_count: Callable[[str], int],
    *,
    system: str,
    sample_size: int = 20,
    chunk: int = 2000,
    parallel: bool = False,
    in_child: Callable[[], None] | None = None,
) -> tuple[list[KindReconciliation], list[Finding]]:
    """Compare what the ledger says was written with what the target holds, kind by kind.

    A stored record costs one digest when it matches (its field digests are then the ledger's); only
    a mismatching one is hashed and taken apart field by field. The per-field checksums are fed one
    chunk at a time (the chunk's external ids, then that field's digests), which is the same on both
    sides because both walk the ledger.

    With ``parallel``, a forked child (:mod:`hub.core.forked`, set up by ``in_child``) checks every
    other chunk through a ledger connection and a target connection of its own, so reading back,
    decrypting and hashing use both cores; the chunks are taken in ledger order either way, so the
    results are the same. ``read_back`` must then work in a child (not an in-memory database).

    Returns the per-kind results and the findings (``count_mismatch`` per kind with missing
    records, ``checksum_mismatch`` per mismatching record and field).
    """
    results, findings = [], []
    for kind in kinds:
        names = digester.fields(kind)
        result = KindReconciliation(kind, target_count=target_count(kind))
        source_sums = [hashlib.sha256() for _ in names]
        target_sums = [hashlib.sha256() for _ in names]
        check = _ChunkCheck(kind, digester, read_back)
        for checked in _checked_chunks(kind, ledger, check, chunk, parallel, in_child):
            result.source_count += checked.count
            result.missing += checked.missing
            for ext, number, shown in checked.mismatches:
                findings += _field_diffs(result, kind, system, ext, number, shown, sample_size)
            _feed(source_sums, checked.exts, checked.ours)
            _feed(target_sums, checked.exts, checked.theirs)
        result.source_checksums = {name: s.hexdigest() for name, s in zip(names, source_sums)}
        result.target_checksums = {name: s.hexdigest() for name, s in zip(names, target_sums)}
        if result.missing:
            error = ReconciliationError(
                f"{result.missing} of {result.source_count} records written are not in the target", system=system, entity=kind
            )
            findings.append(Finding(None, "", kind, f"{kind}", "count_mismatch", error))
        results.append(result)
    return results, findings


@dataclass
class _Checked:
    """One chunk of the ledger checked against the target: small, picklable, no plaintext but the
    shown (masked when PII) values of mismatching fields."""

    count: int
    missing: int
    exts: list[str]
    ours: bytes  # the field digests (no record digest) of the records found, concatenated
    theirs: bytes
    mismatches: list[tuple[str, int | None, dict[str, str]]]  # (ext, row, {field: shown target value})


class _ChunkCheck:
    """Reads one chunk of ledger records back from the target and compares digests."""

    def __init__(self, kind: str, digester: Digester, read_back: ReadBack) -> None:
        self.kind, self.digester, self.read_back = kind, digester, read_back
        self.pii = pii_fields(ENTITY_TYPES[kind])

    def __call__(self, batch: list[tuple[str, int | None, bytes]]) -> _Checked:
        """Digest each stored record as it is read (never holding the chunk's parsed rows), then
        assemble the results in ledger order."""
        kind, digester = self.kind, self.digester
        ours_of = {ext: ours for ext, _, ours in batch}
        theirs_of: dict[str, bytes] = {}
        shown_of: dict[str, dict[str, str]] = {}
        for ext, texts in self.read_back(kind, list(ours_of)):
            ours = ours_of[ext]
            if digester.record_digest(kind, texts) == ours[:RECORD]:
                theirs_of[ext] = ours
            else:  # compared by value, so a text merely written another way is no difference
                values = {name: loads(bytes(text)) for name, text in texts.items()}
                theirs_of[ext] = theirs = digester.unclaimed_as_written(ours, digester.digest_values(kind, values))
                if shown := self._shown(ours, theirs, values):
                    shown_of[ext] = shown
        ours_all, theirs_all, exts, mismatches = [], [], [], []
        for ext, number, ours in batch:
            theirs = theirs_of.get(ext)
            if theirs is None:
                continue
            if ext in shown_of:
                mismatches.append((ext, number, shown_of[ext]))
            exts.append(ext)
            ours_all.append(ours[RECORD:])
            theirs_all.append(theirs[RECORD:])
        return _Checked(len(batch), len(batch) - len(exts), exts, b"".join(ours_all), b"".join(theirs_all), mismatches)

    def _shown(self, ours: bytes, theirs: bytes, values: dict[str, Any]) -> dict[str, str]:
        """``{field: target value as the report shows it}`` of the fields whose digests differ."""
        differing, texts = {}, normalized_fields(self.kind, values)
        for position, name in enumerate(_fields(self.kind)):
            part = slice(RECORD + position * _SIZE, RECORD + (position + 1) * _SIZE)
            if ours[part] != theirs[part]:
                differing[name] = shown(texts[name], name in self.pii)
        return differing


def _checked_chunks(
    kind: str, ledger: Ledger, check: _ChunkCheck, size: int, parallel: bool, in_child: Callable[[], None] | None
) -> Iterator[_Checked]:
    """Every chunk of ``kind``'s ledger records, checked, in ledger order; with ``parallel`` the even
    chunks are checked in a forked child while this process checks the odd ones."""
    batches = chunks(ledger.records(kind), size)
    if not parallel:
        yield from map(check, batches)
        return

    def even_chunks() -> Iterator[_Checked]:
        own = Ledger(ledger.path)  # the parent's connection stays the parent's
        try:
            for position, batch in enumerate(chunks(own.records(kind), size)):
                if position % 2 == 0:
                    yield check(batch)
        finally:
            own.close()

    with closing(ahead(even_chunks, depth=2, in_child=in_child)) as theirs:
        for position, batch in enumerate(batches):
            yield next(theirs) if position % 2 == 0 else check(batch)


def _feed(sums: list[Any], exts: list[str], digests: bytes) -> None:
    """Add a chunk to every field's checksum: the external ids, then the field's column of digests."""
    ids = "\x1f".join(exts).encode("utf-8")
    digest_column = memoryview(digests).cast("Q")  # one item per 8-byte digest (_SIZE), bytes untouched
    for position, checksum in enumerate(sums):
        checksum.update(ids)
        checksum.update(digest_column[position :: len(sums)].tobytes())


def _field_diffs(
    result: KindReconciliation, kind: str, system: str, ext: str, number: int | None, shown: dict[str, str], sample_size: int
) -> list[Finding]:
    """Count and describe the fields of one record whose digests differ."""
    findings = []
    for name, value in shown.items():
        result.mismatched[name] = result.mismatched.get(name, 0) + 1
        if len(result.diffs) < sample_size:
            result.diffs.append({"record": ext, "row": number, "field": name, "target": value})
        error = ReconciliationError(
            "the value read back from the target differs from the value written",
            system=system, entity=kind, record_id=ext, field_path=name, value=value,
        )  # fmt: skip
        findings.append(Finding(number, ext, kind, f"{kind}.{name}", "checksum_mismatch", error))
    return findings


def shown(text: str, pii: bool, limit: int = 60) -> str:
    """A value as a report shows it: masked when it is PII, else cut to ``limit`` characters.

    Example:
        >>> shown("110105199001011234", True), shown("研发部", False)
        ('**************1234', '研发部')
    """
    if pii:
        return mask(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
