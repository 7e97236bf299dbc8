"""The built-in transform library, registered as the essential plugin ``hub.core.transforms``.

A transform is ``fn(value, **params) -> value`` and raises ``ValueError`` with a plain reason (what
was expected) for a value it cannot convert; the mapping engine adds the system, record and field.
Each module holds one family: :mod:`.basic` (text and numbers), :mod:`.scores`, :mod:`.dates`,
:mod:`.money` and :mod:`.identity` (PII: messages are masked). The names below are the ones mapping
files use; ``datetime`` and ``date`` take the mapping's ``timezone`` as ``tz``.

Example:
    >>> BUILTIN_TRANSFORMS["money_range"]("10-15K/月", currency="CNY").high.amount
    Decimal('15000')
"""

from __future__ import annotations

from typing import Any, Callable

from hub import hookimpl
from hub.core.transforms import basic, dates, identity, money, scores

__all__ = ["BUILTIN_TRANSFORMS"]

BUILTIN_TRANSFORMS: dict[str, Callable[..., Any]] = {
    "to_str": basic.to_str,
    "to_int": basic.to_int,
    "to_decimal": basic.to_decimal,
    "strip": basic.strip,
    "lower": basic.lower,
    "upper": basic.upper,
    "split": basic.split,
    "score": scores.score,
    "recommendation": scores.recommendation,
    "datetime": dates.to_datetime,
    "date": dates.to_date,
    "money": money.money,
    "money_range": money.money_range,
    "compensation": money.compensation,
    "phone": identity.phone,
    "phones": identity.phones,
    "email": identity.email,
    "emails": identity.emails,
    "cn_resident_id": identity.cn_resident_id,
    "birth_date_from_id": identity.birth_date_from_id,
    "bank_card": identity.bank_card,
    "name_part": identity.name_part,
}


@hookimpl
def hub_register_transforms() -> dict[str, Callable[..., Any]]:
    return dict(BUILTIN_TRANSFORMS)
