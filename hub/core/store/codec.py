"""Turning a canonical entity into what the store writes, and back.

One JSON dump per entity (:func:`hashed_dump`): the keyed content hash is computed from its bytes, so
an unchanged record costs one dump and one HMAC and nothing else. Where the kind allows, the entity
is dumped in its stored parts instead and the hashed bytes are assembled from them (the same bytes);
otherwise only a record that is written is split into non-PII data, PII values and provenance,
parsed back from that text (never a second dump of the whole); encryption happens only then. JSON
is read and written with pydantic-core's Rust codec (exact big integers, several times faster than
the ``json`` module on these documents).

Example:
    >>> from hub.core.crypto import KeyRing
    >>> from hub.core.models import Candidate
    >>> codec = EntityCodec(KeyRing.generate())
    >>> rec = codec.prepare(Candidate(external_ids={"ats": "7"}, national_id="11010519491231002X"), "ats")
    >>> rec.external_id, len(rec.content_hash), sorted(codec.split(rec).pii)
    ('7', 64, ['national_id'])
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pydantic_core

from hub.core.crypto import KeyRing
from hub.core.errors import StoreError
from hub.core.models import ENTITY_TYPES, Entity, Ref, pii_fields

__all__ = ["BLIND_INDEXED", "EntityCodec", "Prepared", "Snapshot", "KindInfo", "kind_info", "dumps", "loads", "hashed_dump"]

#: PII fields that get blind indexes (exact-match searchable). Never index low-entropy fields.
BLIND_INDEXED = ("national_id", "phones", "emails")

#: Which entity kind a reference field points at, by field name.
_REF_TARGETS = {
    "candidate": "candidate",
    "job": "job",
    "application": "application",
    "assessment": "assessment",
    "manager": "employee",
    "parent": "department",
}


def dumps(value: Any) -> str:
    """Compact JSON, UTF-8 kept. Keys are not sorted: pydantic dumps fields in a fixed order already,
    and content hashes are computed from pydantic's own JSON, never from this text."""
    return pydantic_core.to_json(value).decode("utf-8")


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
    refs = tuple(
        (name, _REF_TARGETS.get(name, name))
        for name, info in model.model_fields.items()
        if Ref in typing.get_args(info.annotation) or info.annotation is Ref
    )
    in_parts = pii == {"remote_data"} and list(model.model_fields)[:4] == ["id", "external_ids", "provenance", "remote_data"]
    return KindInfo(kind, model, pii, tuple(f for f in BLIND_INDEXED if f in pii), refs, in_parts)


#: What the content hash ignores: the hub id, and when the record was fetched.
_HASH_EXCLUDE = {"id": True, "provenance": {"fetched_at"}}
#: The fields :meth:`EntityCodec._prepare_in_parts` dumps apart from the rest.
_PARTS_EXCLUDE = {"id", "provenance", "remote_data"}
_IDS_KEY, _PROVENANCE_KEY, _RAW_KEY = b'{"external_ids":', b',"provenance":', b',"remote_data":'


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
    data — unless it changed the data (:meth:`data_changed`, after filling references).

    Example:
        >>> snap = Snapshot({"status": "active"}, {"phones": ["+8613800138000"]}, None)
        >>> snap.data_json(), snap.pii_json()
        ('{"status":"active"}', {'phones': '["+8613800138000"]'})
        >>> import pickle; pickle.loads(pickle.dumps(snap)).pii
        {'phones': ['+8613800138000']}
    """

    __slots__ = ("_data", "_pii", "_provenance", "_data_text", "_pii_texts", "_provenance_text")

    def __init__(
        self, data: dict[str, Any] | None, pii: dict[str, Any] | None, provenance: dict[str, Any] | None, *,
        texts: tuple[str, dict[str, str], str | None] | None = None,
    ) -> None:
        self._data, self._pii, self._provenance = data, pii, provenance
        self._data_text, self._pii_texts, self._provenance_text = texts or (None, None, None)

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

    def data_changed(self) -> None:
        """Say that :attr:`data` was modified in place: its JSON text is dumped again when asked for."""
        self.data  # noqa: B018 — parse first, so the change is not lost with the text
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

    Fresh from :meth:`EntityCodec.prepare` it holds the entity and either its content as stored
    texts already (kinds dumped in parts) or the JSON its hash covers, split into a
    :class:`Snapshot` only if written. :meth:`EntityCodec.detach` drops the model and keeps plain
    text, cheap to pickle, so a producer process can prepare records while the store writes the
    previous ones.
    """

    kind: str
    external_id: str
    content_hash: str
    payload: str | None = None
    entity: Entity | None = None
    content: Snapshot | None = None
    blind: dict[str, list[str]] | None = None
    provenance: str | None = None  # JSON text, kept by detach (the payload leaves out fetched_at)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its fields in order, the content as its texts.

        Every record of a forked sync crosses to the committing process this way; the dataclass's
        default (a state dict, and the snapshot reduced on its own) took ~14 µs a record to pickle
        and unpickle, this ~8.
        """
        texts = None if self.content is None else self.content.texts()
        return (_prepared_from_texts, (self.kind, self.external_id, self.content_hash, self.payload, self.entity, texts,
                                       self.blind, self.provenance))


def _prepared_from_texts(
    kind: str, external_id: str, content_hash: str, payload: str | None, entity: Entity | None,
    texts: tuple[str, dict[str, str], str | None] | None, blind: dict[str, list[str]] | None, provenance: str | None,
) -> Prepared:
    content = None if texts is None else _snapshot_from_texts(*texts)
    return Prepared(kind, external_id, content_hash, payload, entity, content, blind, provenance)


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
        # (provenance, its JSON, its hashed JSON): a batch's records share one provenance object
        self._provenance_texts: tuple[Any, str, bytes] | None = None

    def prepare(self, entity: Entity, system: str) -> Prepared:
        """Dump ``entity`` once and compute the keyed content hash over that dump.

        The hash covers everything except ``id`` and ``provenance.fetched_at`` (refetching the same
        record is not a change). Kinds dumped in parts come out with their stored texts
        (:meth:`_prepare_in_parts`); for the others the dump is kept, and :meth:`split` parses it if
        the record is written.
        """
        info = kind_info(entity.kind)  # an unknown kind is a StoreError before any work
        external_id = entity.external_ids.get(system)
        if not external_id:
            raise StoreError(
                f"the entity has no external id for system {system!r} (external_ids: {sorted(entity.external_ids)})",
                system=system,
                entity=entity.kind,
            )
        if info.in_parts:
            return self._prepare_in_parts(entity, external_id)
        dump = hashed_dump(entity)
        return Prepared(entity.kind, external_id, self.keyring.content_hash(dump), dump.decode("utf-8"), entity)

    def _prepare_in_parts(self, entity: Entity, external_id: str) -> Prepared:
        """Dump the entity as the texts the store writes, and hash the :func:`hashed_dump` bytes
        assembled from them.

        Why: for a kind whose only PII is the raw payload, the stored data is the dump without
        provenance and raw payload, and the raw payload is stored apart. Dumping the whole and then
        the raw payload again for storage serialized the payload — most of a record — twice, in the
        busier process of a sync. Here it is dumped once. The hashed dump reads
        ``{"external_ids":…,"provenance":…,"remote_data":<raw>,<the rest>}`` (the model's first fields,
        in order; :func:`kind_info` checks), so it is rebuilt exactly from the ids, the provenance
        (dumped once per batch), the raw payload and the rest; a test holds it equal to
        :func:`hashed_dump`, so content hashes do not change.
        """
        data = type(entity).__pydantic_serializer__.to_json(entity, exclude=_PARTS_EXCLUDE, exclude_computed_fields=True)
        ids = _IDS_KEY + pydantic_core.to_json(entity.external_ids)  # how data begins: the first field
        raw = pydantic_core.to_json(entity.remote_data)
        provenance, hashed_provenance = self._provenance_of(entity)
        payload = b"".join((ids, _PROVENANCE_KEY, hashed_provenance, _RAW_KEY, raw, data[len(ids):]))
        pii = {} if raw in (b"null", b"{}") else {"remote_data": raw.decode("utf-8")}
        content = Snapshot(None, None, None, texts=(data.decode("utf-8"), pii, provenance))
        return Prepared(entity.kind, external_id, self.keyring.content_hash(payload), entity=entity, content=content)

    def split(self, prepared: Prepared) -> Snapshot:
        """The plaintext content to write: non-PII data, PII values (empties dropped), provenance.

        Parsed from the payload the hash was computed from (parsing is cheaper than a second dump),
        unless :meth:`prepare` made it already; only the provenance, whose ``fetched_at`` the hash
        leaves out, is dumped again (once per batch: its records share it). Computed once: the
        snapshot is kept in ``prepared.content``.
        """
        if prepared.content is None:
            prepared.content = self._parse(prepared)
        return prepared.content

    def _parse(self, prepared: Prepared) -> Snapshot:
        entity, payload = prepared.entity, prepared.payload
        assert payload is not None, "a Prepared keeps its payload until it is split"
        data = loads(payload)
        pii = {name: value for name in kind_info(prepared.kind).pii if (value := data.pop(name, None)) not in (None, [], {})}
        data.pop("provenance", None)
        provenance = prepared.provenance if entity is None else self._provenance_of(entity)[0]  # detached: came as text
        return Snapshot(data, pii, None, texts=(None, None, provenance))

    def _provenance_of(self, entity: Entity) -> tuple[str | None, bytes]:
        """The entity's provenance as JSON, and as the hashed dump holds it (without ``fetched_at``).

        A batch's records share one provenance object, so both are dumped once and reused while the
        object is the same.
        """
        provenance = entity.provenance
        if provenance is None:
            return None, b"null"
        last = self._provenance_texts
        if last is None or last[0] is not provenance:
            hashed = type(provenance).__pydantic_serializer__.to_json(provenance, exclude=_HASH_EXCLUDE["provenance"])
            last = self._provenance_texts = (provenance, provenance.model_dump_json(), hashed)
        return last[1], last[2]

    def blind_of(self, prepared: Prepared) -> dict[str, list[str]]:
        """The blind indexes of a prepared record's searchable PII, computed once (kept in ``prepared.blind``),
        after its :meth:`split`."""
        content = self.split(prepared)
        if prepared.blind is None:
            info = kind_info(prepared.kind)
            prepared.blind = self.blind_indexes(info, content.pii) if info.indexed else {}
        return prepared.blind

    def detach(self, prepared: Prepared) -> Prepared:
        """Drop the model, keeping plain texts only: ready to pickle.

        Kinds dumped in parts already carry their stored texts, so the process that writes them
        neither parses nor dumps; the others keep their dump and their provenance as JSON and are
        split only if written (the parse is not worth doing in a producer process, the busier side
        of a sync, for a record that may turn out unchanged).
        """
        entity = prepared.entity
        if entity is not None:
            if prepared.content is None:
                prepared.provenance = self._provenance_of(entity)[0]
            prepared.entity = None
        return prepared

    def content_hash(self, kind: str, content: Snapshot) -> str:
        """The same keyed hash :meth:`prepare` computes, for content rebuilt in memory (merge, unmerge)."""
        entity = kind_info(kind).model.model_validate({**content.data, **content.pii, "provenance": content.provenance})
        return self.keyring.content_hash(hashed_dump(entity))

    def blind_indexes(self, info: KindInfo, pii: dict[str, Any]) -> dict[str, list[str]]:
        """Blind-index HMACs of the searchable PII fields present: {field: [hmac, ...]}."""
        result: dict[str, list[str]] = {}
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
        if not column:
            return {}
        decrypt = self.keyring.decrypt
        return {
            name: loads(decrypt(token, aad=(kind, entity_id, name))) for name, token in loads(column).items()
        }

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
