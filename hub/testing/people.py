"""Real-looking people in recorded text: emails, phone numbers and resident IDs that are not made up.

A cassette or fixture must describe fictional people only. What counts as fictional is what the
standards reserve: email domains of RFC 2606 / RFC 6761 (``example.com``, ``*.example``, ``*.test``,
``*.invalid``, ``*.localhost``) and the North American numbers set aside for fiction (``555-0100`` to
``555-0199``). Candidates are found by pattern, then confirmed by the hub's own normalizers
(:mod:`hub.core.transforms.identity`): a text the hub would store as a phone, an email or a resident
ID is a person. Findings are masked, so a failing test never prints the person it found.

Example:
    >>> real_looking(["test.candidate1@example.com", "+1 415-555-0101", "2024-06-01T09:00:00.000Z"])
    []
    >>> real_looking(["Call Ada on +1 212-736-5000 or ada@gmail.com"])
    ['an email address *********.com', 'a phone number ***********5000']
    >>> real_looking(["手机13800138000"], phone_region="CN")
    ['a phone number *******8000']
    >>> real_looking(["ID 11010519491231002X"]), real_looking(["ID 11010519491231002X"], allowed=["11010519491231002X"])
    (['a resident ID **************002X'], [])
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from hub.core.errors import mask
from hub.core.transforms import identity

__all__ = ["RESERVED_EMAIL_DOMAINS", "real_looking", "texts"]

#: Domains no one can register (RFC 2606, RFC 6761); a subdomain of one is reserved too.
RESERVED_EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "example", "test", "invalid", "localhost")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Digits with the separators people write, at least 7 long, not glued to Latin letters or digits (ids,
# hashes, timestamps); glued to other scripts they may be (手机13800138000).
_PHONE = re.compile(r"(?<![0-9A-Za-z_.:/|-])\+?\(?\d[\d\s().-]{5,}\d(?![0-9A-Za-z_:])")
_RESIDENT_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
#: E.164 numbers reserved for fiction: +1 NXX 555-01XX.
_FICTIONAL_PHONE = re.compile(r"\+1\d{3}55501\d\d")


def texts(value: Any) -> Iterator[str]:
    """Every text in a JSON-like value (keys included: a vendor may key a map by email)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from texts(key)
            yield from texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from texts(item)


def real_looking(values: Iterable[str], *, phone_region: str = "US", allowed: Iterable[str] = ()) -> list[str]:
    """A masked description of each real-looking email, phone number or resident ID in ``values``.

    Args:
        values: the texts to scan.
        phone_region: how numbers without a ``+`` country code are read.
        allowed: exact texts known to be made up (e.g. a documented sample ID); never reported.
    """
    allow = set(allowed)
    found: dict[str, None] = {}
    for text in values:
        for candidate in _EMAIL.findall(text):
            if candidate not in allow and not _reserved_email(candidate):
                found[f"an email address {mask(candidate)}"] = None
        for candidate in _PHONE.findall(text):
            number = _phone(candidate.strip(), phone_region)
            if number and candidate.strip() not in allow and not _FICTIONAL_PHONE.fullmatch(number):
                found[f"a phone number {mask(candidate.strip())}"] = None
        for candidate in _RESIDENT_ID.findall(text):
            if candidate not in allow and _is(identity.cn_resident_id, candidate):
                found[f"a resident ID {mask(candidate)}"] = None
    return list(found)


def _reserved_email(text: str) -> bool:
    try:
        domain = identity.email(text).rpartition("@")[2]
    except ValueError:
        return True  # not an address the hub would store
    return any(domain == reserved or domain.endswith("." + reserved) for reserved in RESERVED_EMAIL_DOMAINS)


def _phone(text: str, region: str) -> str | None:
    try:
        return identity.phone(text, region=region)
    except ValueError:
        return None


def _is(normalize: Any, text: str) -> bool:
    try:
        normalize(text)
    except ValueError:
        return False
    return True
