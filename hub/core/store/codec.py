"""Turning a canonical entity into what the store writes, and back.

One ``model_dump_json`` per entity: the keyed content hash is computed from its bytes, so an
unchanged record costs one dump and one HMAC and nothing else. Only a record that is written parses
that same text back (no second dump) and splits it into non-PII data, PII values and provenance;
encryption and the JSON for storage happen only then. JSON is read and written with pydantic-core's
Rust codec (exact big integers, several times faster than the ``json`` module on these documents).

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

__all__ = ["BLIND_INDEXED", "EntityCodec", "Prepared", "Snapshot", "KindInfo", "kind_info", "dumps", "loads"]

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
    return KindInfo(kind, model, pii, tuple(f for f in BLIND_INDEXED if f in pii), refs)


#: What the content hash ignores: the hub id, and when the record was fetched.
_HASH_EXCLUDE = {"id": True, "provenance": {"fetched_at"}}


@dataclass
class Snapshot:
    """An entity's content in plaintext, in memory only: non-PII data, PII values, provenance."""

    data: dict[str, Any]
    pii: dict[str, Any]
    provenance: dict[str, Any] | None

    def to_json(self) -> str:
        return dumps({"data": self.data, "pii": self.pii, "provenance": self.provenance})

    @classmethod
    def from_json(cls, text: str) -> Snapshot:
        raw = loads(text)
        return cls(raw["data"], raw["pii"], raw["provenance"])


@dataclass
class Prepared:
    """One incoming entity, the JSON its hash covers, and the hash; split into a :class:`Snapshot` only if written."""

    entity: Entity
    external_id: str
    payload: str
    content_hash: str
    content: Snapshot | None = None
    blind: dict[str, list[str]] = field(default_factory=dict)


class EntityCodec:
    """Dumps, hashes, encrypts and rebuilds entities with one key ring.

    Example:
        >>> from hub.core.crypto import KeyRing
        >>> from hub.core.models import Candidate
        >>> codec = EntityCodec(KeyRing.generate())
        >>> row = codec.encrypt_pii("candidate", "c-1", {"phones": ["+8613800138000"]})
        >>> codec.decrypt_pii("candidate", "c-1", row)
        {'phones': ['+8613800138000']}
    """

    def __init__(self, keyring: KeyRing) -> None:
        self.keyring = keyring

    def prepare(self, entity: Entity, system: str) -> Prepared:
        """Dump ``entity`` once and compute the keyed content hash over that dump.

        The hash covers everything except ``id`` and ``provenance.fetched_at`` (refetching the same
        record is not a change). The dump is kept: :meth:`split` parses it if the record is written.
        """
        kind_info(entity.kind)  # an unknown kind is a StoreError before any work
        external_id = entity.external_ids.get(system)
        if not external_id:
            raise StoreError(
                f"the entity has no external id for system {system!r} (external_ids: {sorted(entity.external_ids)})",
                system=system,
                entity=entity.kind,
            )
        payload = entity.model_dump_json(exclude=_HASH_EXCLUDE, exclude_computed_fields=True)
        return Prepared(entity, external_id, payload, self.keyring.content_hash(payload.encode("utf-8")))

    def split(self, prepared: Prepared) -> Snapshot:
        """The plaintext content to write: non-PII data, PII values (empties dropped), provenance.

        Parsed from the payload the hash was computed from (parsing is cheaper than a second dump);
        only the provenance, whose ``fetched_at`` the hash leaves out, is dumped again (it is tiny).
        """
        entity = prepared.entity
        data = loads(prepared.payload)
        pii = {name: value for name in kind_info(entity.kind).pii if (value := data.pop(name, None)) not in (None, [], {})}
        data.pop("provenance", None)
        provenance = entity.provenance.model_dump(mode="json") if entity.provenance is not None else None
        return Snapshot(data, pii, provenance)

    def content_hash(self, kind: str, content: Snapshot) -> str:
        """The same keyed hash :meth:`prepare` computes, for content rebuilt in memory (merge, unmerge)."""
        entity = kind_info(kind).model.model_validate({**content.data, **content.pii, "provenance": content.provenance})
        payload = entity.model_dump_json(exclude=_HASH_EXCLUDE, exclude_computed_fields=True)
        return self.keyring.content_hash(payload.encode("utf-8"))

    def blind_indexes(self, info: KindInfo, pii: dict[str, Any]) -> dict[str, list[str]]:
        """Blind-index HMACs of the searchable PII fields present: {field: [hmac, ...]}."""
        result: dict[str, list[str]] = {}
        for name in info.indexed:
            value = pii.get(name)
            if value:
                values = value if isinstance(value, list) else [value]
                result[name] = sorted({self.keyring.blind_index(name, item) for item in values})
        return result

    def encrypt_pii(self, kind: str, entity_id: str, pii: dict[str, Any]) -> str | None:
        """The ``pii`` column: JSON {field: token}, each token bound to (kind, id, field)."""
        if not pii:
            return None
        encrypt = self.keyring.encrypt
        return dumps({name: encrypt(dumps(value), aad=(kind, entity_id, name)) for name, value in pii.items()})

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
