"""OData v2 JSON dates: ``/Date(<ms>)/`` and ``/Date(<ms>+<offset>)/``, as SAP SuccessFactors sends them.

OData v2's JSON format writes an ``Edm.DateTime`` as the milliseconds since the Unix epoch
(``/Date(1704412800000)/``: midnight UTC of 5 January 2024, how SuccessFactors sends a ``startDate``)
and an ``Edm.DateTimeOffset`` with the offset in minutes (``/Date(1704412800000+0000)/``, its
``lastModifiedDateTime``); a negative millisecond count is before 1970. Sources: the OData v2 JSON
format (https://www.odata.org/documentation/odata-version-2-0/json-format/, "Edm.DateTime") and
the SuccessFactors OData reference (dates in JSON responses).

The milliseconds are the UTC instant in both forms; the offset says in which zone the instant is
shown, so ``/Date(0+0060)/`` is 1970-01-01T01:00+01:00. The ``date`` and ``datetime`` transforms read
this form (:mod:`hub.core.transforms.dates`), so a mapping needs no transform of its own.

Example:
    >>> parse_odata_date("/Date(1704412800000)/").isoformat()
    '2024-01-05T00:00:00+00:00'
    >>> parse_odata_date("/Date(1704412800000+0480)/").isoformat()
    '2024-01-05T08:00:00+08:00'
    >>> format_odata_date(parse_odata_date("/Date(1704412800000+0480)/"))
    '/Date(1704412800000+0480)/'
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["format_odata_date", "is_odata_date", "parse_odata_date"]

_ODATA = re.compile(r"/Date\((-?\d{1,15})(?:([+-])(\d{1,4}))?\)/")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MAX_OFFSET_MINUTES = 24 * 60 - 1  # what datetime.timezone takes


def is_odata_date(text: str) -> bool:
    """True when ``text`` is written in the ``/Date(…)/`` form (a cheap test before parsing)."""
    return text.startswith("/Date(")


def parse_odata_date(text: str) -> dt.datetime:
    """The aware datetime an OData v2 ``/Date(ms)/`` or ``/Date(ms±mmmm)/`` denotes (UTC without offset).

    Raises:
        ValueError: not that form, an offset of a day or more, or outside the years 1–9999.

    Example:
        >>> parse_odata_date("/Date(-86400000)/").date()
        datetime.date(1969, 12, 31)
    """
    match = _ODATA.fullmatch(text.strip())
    if match is None:
        raise ValueError("expected an OData date such as /Date(1704412800000)/ or /Date(1704412800000+0000)/")
    millis, sign, minutes = match.groups()
    offset = int(minutes or 0) * (-1 if sign == "-" else 1)
    if abs(offset) > _MAX_OFFSET_MINUTES:
        raise ValueError(f"an OData date's offset is minutes below a day, not {minutes}")
    try:
        instant = _EPOCH + dt.timedelta(milliseconds=int(millis))
    except OverflowError:
        raise ValueError("the OData date is outside the years 1–9999") from None
    if not dt.datetime.min.replace(tzinfo=dt.UTC) + dt.timedelta(days=1) <= instant <= dt.datetime.max.replace(
            tzinfo=dt.UTC) - dt.timedelta(days=1):  # fmt: skip
        raise ValueError("the OData date is outside the years 1–9999")
    return instant.astimezone(dt.timezone(dt.timedelta(minutes=offset))) if sign else instant


def format_odata_date(moment: dt.datetime) -> str:
    """The ``/Date(ms±mmmm)/`` spelling of an aware datetime (the inverse of :func:`parse_odata_date`).

    Example:
        >>> format_odata_date(dt.datetime(2024, 1, 5, tzinfo=dt.UTC))
        '/Date(1704412800000+0000)/'
    """
    if moment.tzinfo is None:
        raise ValueError("an OData date needs an aware datetime")
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    millis = (moment - _EPOCH) // dt.timedelta(milliseconds=1)
    return f"/Date({millis}{'-' if minutes < 0 else '+'}{abs(minutes):04d})/"
