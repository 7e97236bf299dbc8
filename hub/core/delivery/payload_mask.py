"""What a dry run shows of a planned delivery: the payload, with the person's values masked.

A reverse mapping may copy a PII field into any payload key, reformat it (a phone with its country
code) or combine it with other text, so the payload is masked by value, not by key: every leaf that
holds one of the entity's PII values, as text or as the same digits, is shown masked.

Example:
    >>> from hub.core.models import Candidate
    >>> person = Candidate(name="王芳", phones=["+8613800138000"])
    >>> masked_payload({"full_name": "王芳", "mobile": "138-0013-8000", "job_id": 3}, person)
    {'full_name': '**', 'mobile': '*********8000', 'job_id': 3}
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from hub.core.errors import mask
from hub.core.models import Entity, pii_fields

__all__ = ["masked_payload"]

#: The vendor's own copy of the record: it holds every field, PII or not, so its leaves would mask ids too.
_NOT_COMPARED = frozenset({"remote_data"})
#: Digit runs shorter than this (a day, a level) are too common to say that a value is a person's.
_MIN_DIGITS = 7
_NOT_DIGIT = re.compile(r"\D")


def masked_payload(payload: Any, *entities: Entity | None) -> Any:
    """``payload`` with every value that carries one of the ``entities``' PII values masked (the
    delivered entity and those its references reached: a payroll payload holds the candidate's name)."""
    texts = {text for entity in entities if entity is not None
             for name in pii_fields(type(entity)) - _NOT_COMPARED for text in _leaves(getattr(entity, name))}  # fmt: skip
    if not texts:
        return payload
    digits = {run for text in texts if len(run := _NOT_DIGIT.sub("", text)) >= _MIN_DIGITS}
    return _masked(payload, texts, digits)


def _leaves(value: Any) -> Iterator[str]:
    if value is None:
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif hasattr(value, "model_dump"):
        yield from _leaves(value.model_dump(mode="json"))
    elif str(value):
        yield str(value)


def _masked(value: Any, texts: set[str], digits: set[str]) -> Any:
    if isinstance(value, dict):
        return {key: _masked(item, texts, digits) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item, texts, digits) for item in value]
    if value is None or isinstance(value, bool):
        return value
    text = str(value)
    own_digits = _NOT_DIGIT.sub("", text)
    if any(pii in text for pii in texts) or _same_digits(own_digits, digits):
        return mask(text)
    return value


def _same_digits(own: str, digits: set[str]) -> bool:
    """Whether ``own`` holds one of the PII digit runs, or is one with a prefix dropped (+86 …)."""
    return any(run in own or (len(own) >= _MIN_DIGITS and own in run) for run in digits)
