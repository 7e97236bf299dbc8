"""Holding back a second record that claims an identity an earlier record of the same file has.

Legacy exports are typed by hand, so the same person often appears twice under two candidate
numbers. Merging them silently would join two application histories; trusting both would create two
people with one ID number. Within one input we therefore remember, per entity kind, a keyed digest of
each unique field's value (never the value: the run's memory holds no plaintext ID numbers) with the
external id and row that first carried it, and report the later record as a
:class:`~hub.core.errors.DuplicateRecordError` naming both rows.

Example:
    >>> guard = DuplicateGuard({"candidate": ("national_id",)})
    >>> guard.check("candidate", {"national_id": "11010519491231002X", "external_ids": {"s": "c1"}}, "s", "a.csv:2")
    >>> guard.check("candidate", {"national_id": "11010519491231002X", "external_ids": {"s": "c9"}}, "s", "a.csv:7")
    Traceback (most recent call last):
    ...
    hub.core.errors.DuplicateRecordError: [duplicate-record] s candidate a.csv:7 field 'national_id': the same value is on a.csv:2 under external id 'c1'; held back so two records are not merged (value '**************002X')
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from hub.core.errors import DuplicateRecordError, mask
from hub.core.models import ENTITY_TYPES, pii_fields

__all__ = ["DuplicateGuard"]


class DuplicateGuard:
    """Remembers unique field values per entity kind for one input and flags later repeats.

    Args:
        unique: ``{entity kind: (canonical field, ...)}`` that must not repeat across external ids.
    """

    def __init__(self, unique: Mapping[str, tuple[str, ...]]) -> None:
        self._unique = dict(unique)
        self._key = secrets.token_bytes(16)
        self._seen: dict[tuple[str, str, bytes], tuple[str, str]] = {}

    def check(self, kind: str, data: Mapping[str, Any], system: str, where: str) -> None:
        """Remember ``data``'s unique values, or raise if another external id already had one.

        Raises:
            DuplicateRecordError: naming the field, both rows and the first external id; value masked.
        """
        external_id = str(data.get("external_ids", {}).get(system))
        for field in self._unique.get(kind, ()):
            value = data.get(field)
            if value in (None, "", []):
                continue
            digest = hashlib.blake2b(str(value).encode(), key=self._key, digest_size=16).digest()
            first = self._seen.setdefault((kind, field, digest), (external_id, where))
            if first[0] != external_id:
                shown = mask(value) if field in pii_fields(ENTITY_TYPES[kind]) else str(value)
                raise DuplicateRecordError(
                    f"the same value is on {first[1]} under external id {first[0]!r}; "
                    "held back so two records are not merged",
                    system=system,
                    entity=kind,
                    record_id=where,
                    field_path=field,
                    value=shown,
                )
