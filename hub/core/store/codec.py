"""Turning a canonical entity into what the store writes, and back.

One JSON dump per entity (:func:`hashed_dump`): the keyed content hash is computed from its bytes, so
an unchanged record costs one dump and one HMAC and nothing else. Where the kind allows, the entity
is dumped in its stored parts instead and the hashed bytes are assembled from them (the same bytes),
to be cut apart again if the record is written; otherwise only a record that is written is split
into non-PII data, PII values and provenance, parsed back from that text (never a second dump of the
whole); encryption happens only then. The hash is computed by the process that upserts, not the one
that prepares (:meth:`EntityCodec.hash_of`). JSON is read and written with pydantic-core's Rust codec
(exact big integers, several times faster than the ``json`` module on these documents).

Example:
    >>> from hub.core.crypto import KeyRing
    >>> from hub.core.models import Candidate
    >>> codec = EntityCodec(KeyRing.generate())
    >>> rec = codec.prepare(Candidate(external_ids={"ats": "7"}, national_id="11010519491231002X"), "ats")
    >>> rec.external_id, len(codec.hash_of(rec)), sorted(codec.split(rec).pii)
    ('7', 64, ['national_id'])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import msgspec
import pydantic_core

from hub.core.crypto import KeyRing
from hub.core.errors import StoreError
from hub.core.models import ENTITY_TYPES, Entity, Ref, pii_fields, references

__all__ = ["BLIND_INDEXED", "EntityCodec", "PendingRef", "Prepared", "Snapshot", "KindInfo", "kind_info", "dumps", "loads", "field_texts", "hashed_dump"]

#: PII fields that get blind indexes (exact-match searchable). Never index low-entropy fields.
BLIND_INDEXED = ("national_id", "phones", "emails")

def dumps(value: Any) -> str:
    """Compact JSON, UTF-8 kept. Keys are not sorted: pydantic dumps fields in a fixed order already,
    and content hashes are computed from pydantic's own JSON, never from this text."""
    return pydantic_core.to_json(value).decode("utf-8")


def field_texts(text: str | bytes) -> dict[str, Any]:
    """A JSON object's top-level fields as their JSON texts, not parsed: ``{name: msgspec.Raw}``, each
    a slice of ``text`` that ``bytes()`` copies out (reconciliation digests fields as written).

    Example:
        >>> {name: bytes(raw) for name, raw in field_texts('{"title":"PM","tags":[],"n":1.50}').items()}
        {'title': b'"PM"', 'tags': b'[]', 'n': b'1.50'}
    """
    return _FIELD_TEXTS.decode(text)


_FIELD_TEXTS = msgspec.json.Decoder(dict[str, msgspec.Raw])


def loads(text: str | bytes) -> Any:
    """Parse JSON written by :func:`dumps` or pydantic (the counterpart used on every read path).

    Only keys are interned (``cache_strings="keys"``): they repeat in every record, values rarely do.
    """
    return pydantic_core.from_json(text, cache_strings="keys")


@dataclass(frozen=True)
class KindInfo:
    """What the store needs to know about one entity kind, computed once."""

    kind: str
    model: type[Entity]
    pii: frozenset[str]
    indexed: tuple[str, ...]
    refs: tuple[tuple[str, str], ...]  # (field, target kind)
    in_parts: bool = False  # dumped in its stored parts: see EntityCodec._prepare_in_parts


@cache
def kind_info(kind: str) -> KindInfo:
    """The :class:`KindInfo` of a canonical kind; :class:`StoreError` for an unknown kind."""
    model = ENTITY_TYPES.get(kind)
    if model is None:
        raise StoreError(f"unknown entity kind; expected one of {', '.join(ENTITY_TYPES)}", entity=kind)
    pii = pii_fields(model)
    refs = tuple(references(model).items())
    in_parts = pii == {"remote_data"} and list(model.model_fields)[:4] == ["id", "external_ids", "provenance", "remote_data"]
    return KindInfo(kind, model, pii, tuple(f for f in BLIND_INDEXED if f in pii), refs, in_parts)


#: An unresolved reference: (field name, system, external id of the target).
PendingRef = tuple[str, str, str]
#: Every field of a :class:`Ref` with its default, in the order its serializer writes them: what a
#: reference's JSON in a dumped entity is built from (:meth:`Snapshot.resolve_ref`).
_REF_DEFAULTS = Ref.model_construct(system="", external_id="").model_dump(mode="json")
#: The hub id of an unresolved reference as its JSON has it (``"id":null``): filled in by replacing
#: this text, which occurs once in a reference (quotes inside a JSON string are escaped).
_REF_NO_ID = '"id":' + dumps(_REF_DEFAULTS["id"])

#: What the content hash ignores: the hub id, and when the record was fetched.
_HASH_EXCLUDE = {"id": True, "provenance": {"fetched_at"}}
#: The fields :meth:`EntityCodec._prepare_in_parts` dumps apart from the rest.
_PARTS_EXCLUDE = {"id", "provenance", "remote_data"}
_IDS_KEY, _PROVENANCE_KEY, _RAW_KEY = b'{"external_ids":', b',"provenance":', b',"remote_data":'


def _epoch_micros(moment: dt.datetime) -> int:
    """An aware time as whole microseconds since the Unix epoch: comparable as an integer in any database.

    Example:
        >>> _epoch_micros(dt.datetime(1970, 1, 1, 8, 0, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=8))))
        1
    """
    return (moment - _EPOCH) // _MICROSECOND


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def hashed_dump(entity: Entity) -> bytes:
    """The JSON bytes the content hash covers: ``model_dump_json`` minus :data:`_HASH_EXCLUDE`, as bytes.

    Calls the model's serializer directly: ``model_dump_json`` is the same call behind a wrapper that
    passes a dozen defaults and decodes the bytes, which the hash then encodes again (~2 µs of an
    8 µs dump, paid by every record, changed or not). A test holds the two outputs equal.
    """
    return type(entity).__pydantic_serializer__.to_json(entity, exclude=_HASH_EXCLUDE, exclude_computed_fields=True)


class Snapshot:
    """An entity's content in plaintext, in memory only: non-PII data, PII values, provenance.

    Each part also has a JSON text, which is what the store writes (and encrypts, for PII). A part
    is parsed or dumped only when asked for, and both forms are kept: a record prepared in a
    producer process travels as its texts alone (see :meth:`__reduce__`), and the store writes
    those texts without parsing the PII (the raw payload is most of a record) or re-dumping the
    data — a reference filled in is spliced into the text (:meth:`resolve_ref`).

    Example:
        >>> snap = Snapshot({"status": "active"}, {"phones": ["+8613800138000"]}, None)
        >>> snap.data_json(), snap.pii_json()
        ('{"status":"active"}', {'phones': '["+8613800138000"]'})
        >>> import pickle; pickle.loads(pickle.dumps(snap)).pii
        {'phones': ['+8613800138000']}
    """

    __slots__ = ("_data", "_pii", "_provenance", "_data_text", "_pii_texts", "_provenance_text", "_refs")

    def __init__(
        self, data: dict[str, Any] | None, pii: dict[str, Any] | None, provenance: dict[str, Any] | None, *,
        texts: tuple[str, dict[str, str], str | None] | None = None, refs: tuple[PendingRef, ...] | None = None,
    ) -> None:
        self._data, self._pii, self._provenance = data, pii, provenance
        self._data_text, self._pii_texts, self._provenance_text = texts or (None, None, None)
        self._refs = refs  # the unresolved references the data text holds, if known (see unresolved_refs)

    @property
    def data(self) -> dict[str, Any]:
        if self._data is None:
            self._data = loads(self._data_text)  # type: ignore[arg-type]
        return self._data

    @property
    def pii(self) -> dict[str, Any]:
        if self._pii is None:
            self._pii = {name: loads(text) for name, text in (self._pii_texts or {}).items()}
        return self._pii

    @property
    def provenance(self) -> dict[str, Any] | None:
        if self._provenance is None and self._provenance_text is not None:
            self._provenance = loads(self._provenance_text)
        return self._provenance

    def data_json(self) -> str:
        if self._data_text is None:
            self._data_text = dumps(self._data)
        return self._data_text

    def pii_json(self) -> dict[str, str]:
        """{field: JSON text of its value}: what :meth:`EntityCodec.encrypt_pii` encrypts."""
        if self._pii_texts is None:
            self._pii_texts = {name: dumps(value) for name, value in (self._pii or {}).items()}
        return self._pii_texts

    def provenance_json(self) -> str | None:
        if self._provenance_text is None and self._provenance is not None:
            self._provenance_text = dumps(self._provenance)
        return self._provenance_text

    def unresolved_refs(self, fields: tuple[tuple[str, str], ...]) -> Sequence[PendingRef]:
        """The references among ``fields`` (name, target kind) that name their target by external id only.

        Known without parsing the data when the snapshot was cut from a prepared record (which noted
        them from the model); otherwise read from :attr:`data`.
        """
        if self._refs is not None and self._data is None:
            return self._refs
        data = self.data
        return [
            (name, ref["system"], ref["external_id"])
            for name, _ in fields
            if (ref := data.get(name)) and not ref.get("id") and ref.get("system") and ref.get("external_id")
        ]

    def resolve_ref(self, ref: PendingRef, entity_id: str) -> None:
        """Fill the hub id of the reference ``ref`` (from :meth:`unresolved_refs`) in the data.

        Why not parse, set and dump again: that was the costliest step of storing an assessment
        (its data is most of a kilobyte). The data text is spliced instead when the reference's JSON
        occurs in it exactly once — the top-level field is certainly there, so a single occurrence is
        it; anything else (a nested copy of the same text, a different rendering) takes the parse path.
        """
        name, system, external_id = ref
        text = self._data_text
        if self._data is None and text is not None:
            stored = f'"{name}":' + dumps({**_REF_DEFAULTS, "system": system, "external_id": external_id})
            at = text.find(stored)
            if at >= 0 and text.find(stored, at + 1) < 0:
                filled = stored.replace(_REF_NO_ID, '"id":' + dumps(entity_id), 1)
                self._data_text = text[:at] + filled + text[at + len(stored):]
                self._refs = tuple([pending for pending in self._refs or () if pending != ref])
                return
        self.data[name]["id"] = entity_id
        self._data_text = None

    def texts(self) -> tuple[str, dict[str, str], str | None]:
        """The JSON texts of data, PII values and provenance: what the snapshot travels as."""
        return self.data_json(), self.pii_json(), self.provenance_json()

    def __reduce__(self) -> tuple[Any, ...]:
        return (_snapshot_from_texts, self.texts())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Snapshot) and (self.data, self.pii, self.provenance) == (other.data, other.pii, other.provenance)

    def __repr__(self) -> str:
        return f"Snapshot(data fields {sorted(self.data)}, pii fields {sorted(self.pii_json())})"  # never the values

    def to_json(self) -> str:
        return dumps({"data": self.data, "pii": self.pii, "provenance": self.provenance})

    @classmethod
    def from_json(cls, text: str) -> Snapshot:
        raw = loads(text)
        return cls(raw["data"], raw["pii"], raw["provenance"])


def _snapshot_from_texts(data: str, pii: dict[str, str], provenance: str | None) -> Snapshot:
    return Snapshot(None, None, None, texts=(data, pii, provenance))


@dataclass
class Prepared:
    """One incoming entity, keyed by (kind, external id), with the content hash deciding no-op upserts.

    Fresh from :meth:`EntityCodec.prepare` it holds the entity and ``payload``, the bytes its keyed
    content hash covers. The hash itself is computed where the record is upserted
    (:meth:`EntityCodec.hash_of`), and the content is split into a :class:`Snapshot` only if the
    record is written. :meth:`EntityCodec.detach` drops the model and keeps plain data, cheap to
    pickle, so a producer process can prepare records while the store writes the previous ones.
    """

    kind: str
    external_id: str
    payload: bytes
    entity: Entity | None = None
    provenance: str | None = None  # its JSON text (the payload leaves out fetched_at); set when needed
    #: kinds dumped in parts: (end of the ids, start and end of the raw payload) in ``payload``
    raw_span: tuple[int, int, int] | None = None
    content_hash: str | None = None
    content: Snapshot | None = None
    blind: dict[str, list[int]] | None = None
    #: the references left to resolve, noted from the model (EntityCodec._pending_refs): the store
    #: fills them into the text of kinds dumped in parts; a migration checks them before writing
    refs: tuple[PendingRef, ...] | None = None
    #: the source's ``updated_at`` of this version (``Entity.remote_updated_at``), microseconds since
    #: the Unix epoch: the store refuses it when older than the one it holds
    remote_updated_at: int | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its fields in order, the content (if split already) as its texts.

        Every record of a forked sync crosses to the committing process this way; the dataclass's
        default (a state dict, and the snapshot reduced on its own) took ~14 µs a record to pickle
        and unpickle, this ~8.
        """
        texts = None if self.content is None else self.content.texts()
        return (_prepared_from_texts, (self.kind, self.external_id, self.payload, self.entity, self.provenance,
                                       self.raw_span, self.content_hash, texts, self.blind, self.refs,
                                       self.remote_updated_at))


def _prepared_from_texts(
    kind: str, external_id: str, payload: bytes, entity: Entity | None, provenance: str | None,
    raw_span: tuple[int, int, int] | None, content_hash: str | None,
    texts: tuple[str, dict[str, str], str | None] | None, blind: dict[str, list[int]] | None,
    refs: tuple[PendingRef, ...] | None, remote_updated_at: int | None,
) -> Prepared:
    content = None if texts is None else _snapshot_from_texts(*texts)
    return Prepared(kind, external_id, payload, entity, provenance, raw_span, content_hash, content, blind, refs,
                    remote_updated_at)


class EntityCodec:
    """Dumps, hashes, encrypts and rebuilds entities with one key ring.

    Example:
        >>> from hub.core.crypto import KeyRing
        >>> from hub.core.models import Candidate
        >>> codec = EntityCodec(KeyRing.generate())
        >>> row = codec.encrypt_pii("candidate", "c-1", {"phones": '["+8613800138000"]'})
        >>> codec.decrypt_pii("candidate", "c-1", row)
        {'phones': ['+8613800138000']}
    """

    def __init__(self, keyring: KeyRing) -> None:
        self.keyring = keyring
        # (provenance's field values, its JSON, its hashed JSON): a batch's records share one provenance
        self._provenance_texts: tuple[tuple[Any, ...], str, bytes] | None = None

    def prepare(self, entity: Entity, system: str) -> Prepared:
        """Dump ``entity`` once, as the bytes its keyed content hash covers.

        The hash covers everything except ``id`` and ``provenance.fetched_at`` (refetching the same
        record is not a change); :meth:`hash_of` computes it. Kinds whose only PII is the raw payload
        are dumped in their stored parts (:meth:`_prepare_in_parts`); for the others the dump is
        kept, and :meth:`split` parses it if the record is written.
        """
        info = kind_info(entity.kind)  # an unknown kind is a StoreError before any work
        external_id = entity.external_ids.get(system)
        if not external_id:
            raise StoreError(
                f"the entity has no external id for system {system!r} (external_ids: {sorted(entity.external_ids)})",
                system=system,
                entity=entity.kind,
            )
        prepared = (self._prepare_in_parts(entity, external_id) if info.in_parts
                    else Prepared(entity.kind, external_id, hashed_dump(entity), entity))
        if entity.remote_updated_at is not None:
            prepared.remote_updated_at = _epoch_micros(entity.remote_updated_at)
        return prepared

    def _prepare_in_parts(self, entity: Entity, external_id: str) -> Prepared:
        """The :func:`hashed_dump` bytes, assembled from the texts the store writes, and where they lie.

        Why: for a kind whose only PII is the raw payload, the stored data is the dump without
        provenance and raw payload, and the raw payload is stored apart. Dumping the whole and then
        the raw payload again for storage serialized the payload — most of a record — twice, in the
        busier process of a sync. Here it is dumped once. The hashed dump reads
        ``{"external_ids":…,"provenance":…,"remote_data":<raw>,<the rest>}`` (the model's first fields,
        in order; :func:`kind_info` checks), so it is rebuilt exactly from the ids, the provenance
        (dumped once per batch), the raw payload and the rest; a test holds it equal to
        :func:`hashed_dump`, so content hashes do not change. :meth:`split` cuts the stored texts
        back out of it (``raw_span``), so the record travels as one copy of its bytes.
        """
        data = type(entity).__pydantic_serializer__.to_json(entity, exclude=_PARTS_EXCLUDE, exclude_computed_fields=True)
        ids = _IDS_KEY + pydantic_core.to_json(entity.external_ids)  # how data begins: the first field
        raw = pydantic_core.to_json(entity.remote_data)
        provenance, hashed_provenance = self._provenance_of(entity)
        raw_start = len(ids) + len(_PROVENANCE_KEY) + len(hashed_provenance) + len(_RAW_KEY)
        payload = b"".join((ids, _PROVENANCE_KEY, hashed_provenance, _RAW_KEY, raw, data[len(ids):]))
        return Prepared(entity.kind, external_id, payload, entity, provenance,
                        raw_span=(len(ids), raw_start, raw_start + len(raw)))

    def hash_of(self, prepared: Prepared) -> str:
        """The keyed content hash of a prepared record, computed once (kept in ``prepared.content_hash``).

        Computed where the record is upserted rather than where it is prepared: in a forked sync
        the producer is the busier process, and the committing side has room for an HMAC over each
        record's bytes. Moving it (with the decoding of the stored texts, now cut out only if
        written) took a Greenhouse application's producer work from 310.9k to 254.9k instructions.
        """
        if prepared.content_hash is None:
            prepared.content_hash = self.keyring.content_hash(prepared.payload)
        return prepared.content_hash

    def split(self, prepared: Prepared) -> Snapshot:
        """The plaintext content to write: non-PII data, PII values (empties dropped), provenance.

        Cut out of the payload for kinds dumped in parts; otherwise parsed from it (parsing is
        cheaper than a second dump). Computed once: the snapshot is kept in ``prepared.content``.
        """
        if prepared.content is None:
            prepared.content = self._cut(prepared) if prepared.raw_span else self._parse(prepared)
        return prepared.content

    def _cut(self, prepared: Prepared) -> Snapshot:
        payload, (ids_end, raw_start, raw_end) = prepared.payload, prepared.raw_span  # type: ignore[misc]
        data = (payload[:ids_end] + payload[raw_end:]).decode("utf-8")
        raw = payload[raw_start:raw_end]
        pii = {} if raw in (b"null", b"{}") else {"remote_data": raw.decode("utf-8")}
        return Snapshot(None, None, None, texts=(data, pii, prepared.provenance), refs=self._pending_refs(prepared))

    @staticmethod
    def _pending_refs(prepared: Prepared) -> tuple[PendingRef, ...] | None:
        """The references of a record that name their target by external id only, read from the
        model (kept in ``prepared.refs``): for a kind dumped in parts the store fills them in without
        parsing the data to find them (:meth:`Snapshot.resolve_ref`). Noted only for a record that
        is written, or before its model is dropped (:meth:`detach`)."""
        if prepared.refs is None and prepared.entity is not None:
            entity = prepared.entity
            prepared.refs = tuple(
                (name, ref.system, ref.external_id)
                for name, _ in kind_info(prepared.kind).refs
                if (ref := getattr(entity, name)) is not None and not ref.id and ref.system and ref.external_id
            )
        return prepared.refs

    def _parse(self, prepared: Prepared) -> Snapshot:
        data = loads(prepared.payload)
        pii = {name: value for name in kind_info(prepared.kind).pii if (value := data.pop(name, None)) not in (None, [], {})}
        data.pop("provenance", None)
        return Snapshot(data, pii, None, texts=(None, None, self._provenance_text(prepared)))

    def _provenance_text(self, prepared: Prepared) -> str | None:
        """The record's provenance as JSON, dumped only when needed: a record that is not dumped in
        parts and turns out unchanged never needs it (the payload leaves out ``fetched_at``)."""
        if prepared.provenance is None and prepared.entity is not None:
            prepared.provenance = self._provenance_of(prepared.entity)[0]
        return prepared.provenance

    def _provenance_of(self, entity: Entity) -> tuple[str | None, bytes]:
        """The entity's provenance as JSON, and as the hashed dump holds it (without ``fetched_at``).

        A batch's records share one provenance, so both are dumped once and reused while its values
        stay the same. Compared by value, not identity: a caller that builds an equal provenance per
        record (``bench/bench_store.py`` does) dumped it twice per record, ~1.5 µs, a twentieth of an
        unchanged re-upsert.
        """
        provenance = entity.provenance
        if provenance is None:
            return None, b"null"
        # the offset too: the same instant written as +08:00 and as Z compares equal but dumps differently
        values = (*provenance.__dict__.values(), provenance.fetched_at.utcoffset())
        last = self._provenance_texts
        if last is None or last[0] != values:
            hashed = type(provenance).__pydantic_serializer__.to_json(provenance, exclude=_HASH_EXCLUDE["provenance"])
            last = self._provenance_texts = (values, provenance.model_dump_json(), hashed)
        return last[1], last[2]

    def external_ids_of(self, prepared: Prepared) -> dict[str, str]:
        """The record's ``external_ids`` — every system's id it carries — read without parsing the rest:
        for a kind dumped in parts they are the payload's first field, cut out by position; for the
        others the record is parsed once anyway when it is written (:meth:`split`)."""
        if prepared.raw_span:
            return loads(prepared.payload[len(_IDS_KEY) : prepared.raw_span[0]])
        return self.split(prepared).data.get("external_ids") or {}

    def blind_of(self, prepared: Prepared) -> dict[str, list[int]]:
        """The blind indexes of a prepared record's searchable PII, computed once (kept in ``prepared.blind``),
        after its :meth:`split`."""
        content = self.split(prepared)
        if prepared.blind is None:
            prepared.blind = self.blind_indexes(kind_info(prepared.kind), content)
        return prepared.blind

    def detach(self, prepared: Prepared) -> Prepared:
        """Drop the model, keeping plain data only (the payload, the provenance's text, the references
        to resolve): ready to pickle."""
        self._provenance_text(prepared)
        self._pending_refs(prepared)
        prepared.entity = None
        return prepared

    def content_hash(self, kind: str, content: Snapshot) -> str:
        """The same keyed hash :meth:`prepare` computes, for content rebuilt in memory (merge, unmerge)."""
        entity = kind_info(kind).model.model_validate({**content.data, **content.pii, "provenance": content.provenance})
        return self.keyring.content_hash(hashed_dump(entity))

    def blind_indexes(self, info: KindInfo, content: Snapshot) -> dict[str, list[int]]:
        """Blind-index HMACs of the searchable PII fields present: {field: [hmac, ...]}.

        A kind without searchable PII never reads ``content.pii``: for kinds dumped in parts that
        would parse the raw payload back only to find nothing to index.
        """
        if not info.indexed:
            return {}
        pii = content.pii
        result: dict[str, list[int]] = {}
        for name in info.indexed:
            value = pii.get(name)
            if value:
                values = value if isinstance(value, list) else [value]
                result[name] = sorted({self.keyring.blind_index(name, item) for item in values})
        return result

    def encrypt_pii(self, kind: str, entity_id: str, pii: dict[str, str]) -> str | None:
        """The ``pii`` column: JSON {field: token}, each token bound to (kind, id, field).

        ``pii`` maps each field to the JSON text of its value (:meth:`Snapshot.pii_json`).
        """
        if not pii:
            return None
        encrypt = self.keyring.encrypt
        return dumps({name: encrypt(text, aad=(kind, entity_id, name)) for name, text in pii.items()})

    def decrypt_pii(self, kind: str, entity_id: str, column: str | None) -> dict[str, Any]:
        """Inverse of :meth:`encrypt_pii`; raises DecryptionError / KeyNotFoundError, never garbage."""
        return {name: loads(text) for name, text in self.pii_texts(kind, entity_id, column).items()}

    def pii_texts(self, kind: str, entity_id: str, column: str | None) -> dict[str, str]:
        """``{field: JSON text}`` of a stored row's PII, decrypted but not parsed (what
        :meth:`Snapshot.pii_json` gave :meth:`encrypt_pii`); the same errors as :meth:`decrypt_pii`."""
        if not column:
            return {}
        decrypt = self.keyring.decrypt
        return {name: decrypt(token, aad=(kind, entity_id, name)) for name, token in loads(column).items()}

    def build(self, kind: str, entity_id: str, row: dict[str, Any], external_ids: dict[str, str]) -> Entity:
        """Rebuild the canonical entity from a stored row (decrypting its PII)."""
        info = kind_info(kind)
        data = loads(row["data"])
        data.update(self.decrypt_pii(kind, entity_id, row["pii"]))
        if row["provenance"]:
            data["provenance"] = loads(row["provenance"])
        data["id"] = entity_id
        data["external_ids"] = external_ids
        return info.model.model_validate(data)
