"""The keys an erasure finds a dead letter by: keyed hashes of what its payload names, never the values.

A dead letter keeps the record as the source sent it, and it is named however its writer names it: by
an external id (sync, webhooks), by ``<file>:<row>`` (migration), by an outbox entry (delivery), or
under another record's id (a row held back as a duplicate of the person). So an erasure
(:mod:`hub.core.store.erase`) cannot find a person's letters by their names. When a letter is
written, its payload is read instead for the values a blind index covers — every text in it that
reads as a phone number, an email address or a resident ID, normalized by the same transforms as
records' fields — and each is hashed with the store's blind-index key: the hashes the person's
records have in ``blind_index``. The records the letter is about are added as links
(:meth:`~hub.core.crypto.KeyRing.link_index`). The store keeps the keys with the letter
(``dead_letter_keys``).

Example:
    >>> from hub.core.crypto import LINK, KeyRing
    >>> ring = KeyRing.generate()
    >>> keys = letter_keys(ring, {"姓名": "李娜", "手机号": "138-0013-8000"}, links=[("ats", "C1")])
    >>> sorted(field for field, _ in keys)
    ['link', 'phones']
    >>> ("phones", ring.blind_index("phones", "+8613800138000")) in keys
    True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from hub.core.crypto import LINK, KeyRing
from hub.core.transforms import identity

__all__ = ["letter_keys"]

#: Blind-indexed fields (``hub.core.store.codec.BLIND_INDEXED``) and how a record's value is normalized.
_NORMALIZERS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("phones", identity.phones),
    ("emails", identity.emails),
    ("national_id", identity.cn_resident_id),
)


def letter_keys(keyring: KeyRing, payload: Any, links: Iterable[tuple[str, str]] = ()) -> list[tuple[str, int]]:
    """``(field, hmac)`` of each searchable PII value in ``payload`` and of each ``(system, record id)``
    link, without repeats. A text that is no such value gives no key (its normalizer refuses it)."""
    keys = {(LINK, keyring.link_index(system, record_id)) for system, record_id in links}
    for text in _texts(payload):
        for field, normalize in _NORMALIZERS:
            try:
                normalized = normalize(text)
            except ValueError:
                continue
            values = normalized if isinstance(normalized, list) else [normalized]
            keys.update((field, keyring.blind_index(field, value)) for value in values)
    return sorted(keys)


def _texts(value: Any) -> Iterator[str]:
    """Every text and whole number in a JSON-like value (a spreadsheet may hold a phone as a number)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, int) and not isinstance(value, bool):
        yield str(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)
