"""Date and time transforms: every timestamp a vendor or spreadsheet sends → an aware datetime.

Accepted inputs, tried in this order:

1. ``datetime`` / ``date`` objects (a date is midnight).
2. Numbers (int, float, Decimal or numeric text):

   * **Excel serial dates** when ``excel=true``, or when the number has a fractional part (a float,
     or text with a decimal point) and lies in 1 ≤ n < 2958466 (the serial of 10000-01-01). Epoch
     seconds that small would be January 1970, which no HR record holds. The fraction is the time of
     day, rounded to the millisecond (Excel's own precision). Serials follow Excel's 1900 system,
     including its bug: serial 60 is the fictitious 1900-02-29 and is refused; 1–59 are
     1900-01-01…1900-02-28.
   * otherwise **Unix epoch time**: |n| < 10^11 is seconds (10^11 s is the year 5138),
     10^11 ≤ |n| < 10^14 is milliseconds (10^11 ms is 1973-03-03; earlier millisecond stamps are
     therefore read as seconds — use ``formats`` or an explicit value if you have them).
     Larger numbers are refused. Epoch times are instants and are converted to ``tz``.
3. Text in the strptime ``formats`` you give (tried first, in order).
4. ISO 8601 (``2024-01-05T14:30:00+08:00``, ``…Z``, ``2024-01-05 14:30``, ``20240105``).
5. Year-first dates with ``-``, ``/``, ``.`` or 年月日 and an optional time with ``:`` or 时/点 分 秒:
   ``2024/1/5``, ``2024.1.5``, ``2024-1-5 9:05``, ``2024年1月5日 14:30``, ``2024年1月5日14时30分``.
6. OData v2 JSON dates, ``/Date(1704412800000)/`` (UTC) and ``/Date(1704412800000+0000)/`` (an offset
   in minutes), as SAP SuccessFactors sends them (:mod:`hub.core.transforms.odata_dates`).

Full-width digits and colons are folded first. A value without an offset is local time in ``tz``
(default UTC; the mapping's ``timezone`` is passed as ``tz``). Day-first and month-first dates
(``05/01/2024``) are ambiguous and only read through ``formats``.

Example:
    >>> to_datetime("2024年1月5日 14:30", tz="Asia/Shanghai").isoformat()
    '2024-01-05T14:30:00+08:00'
    >>> to_datetime(1704436200).isoformat()
    '2024-01-05T06:30:00+00:00'
    >>> to_date("45296.5")
    datetime.date(2024, 1, 5)
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.core.errors import mask
from hub.core.transform_params import Param, flag, takes
from hub.core.transforms.basic import normalize_text, to_decimal
from hub.core.transforms.odata_dates import is_odata_date, parse_odata_date

__all__ = ["zone", "to_datetime", "to_date"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_EPOCH_MS_FROM = Decimal(10) ** 11
_EPOCH_LIMIT = Decimal(10) ** 14
_EXCEL_LIMIT = Decimal(2958466)
_EXCEL_BUG = 60  # Excel's 1900-02-29, which never existed
_MS_PER_DAY = Decimal(86_400_000)

#: Characters that follow the year in year-first dates but never in ISO 8601 (``-``, a digit or ``W``).
_NEVER_ISO_AFTER_YEAR = frozenset("/.年")
_NUMERIC = re.compile(r"[+-]?\d+(?:\.\d+)?")
_YEAR_FIRST = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*T?\s*(?P<H>\d{1,2})\s*[:时点]\s*(?P<M>\d{1,2})\s*分?"
    r"(?:\s*[:]?\s*(?P<S>\d{1,2})(?:\.(?P<f>\d{1,6}))?\s*秒?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)


def zone(name: Any) -> dt.tzinfo:
    """The IANA time zone ``name`` (e.g. ``Asia/Shanghai``); ValueError if there is no such zone.

    Example:
        >>> zone("Asia/Shanghai")
        zoneinfo.ZoneInfo(key='Asia/Shanghai')
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"expected an IANA time zone name such as Asia/Shanghai, got {name!r}")
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {name!r}; expected an IANA name such as Asia/Shanghai") from None


def _zone(name: Any) -> dt.tzinfo:
    """:func:`zone`, cached for names: a mapping's one zone is looked up for every value it converts."""
    return _named_zone(name) if name.__class__ is str else zone(name)


@functools.lru_cache(maxsize=64)
def _named_zone(name: str) -> dt.tzinfo:
    return zone(name)  # an unknown name raises, and is not cached


def _formats(formats: Any) -> tuple[str, ...]:
    if formats is None:
        return ()
    if isinstance(formats, str):
        return (formats,)
    if isinstance(formats, (list, tuple)) and all(isinstance(f, str) for f in formats):
        return tuple(formats)
    raise ValueError("expected formats to be a strptime format or a list of them")


_TIME_PARAMS = (
    Param(
        "tz", "an IANA zone", "zone of values without an offset; the mapping's timezone unless the step sets it", check=zone
    ),
    Param("formats", "text or a list", "strptime formats tried before the built-in forms", check=_formats),
    Param("excel", "true/false", "read every number as an Excel serial date", check=flag),
)


@takes(*_TIME_PARAMS)
def to_datetime(value: Any, *, tz: str = "UTC", formats: Any = None, excel: bool = False) -> dt.datetime:
    """An aware datetime from any supported input (the rules: :mod:`hub.core.transforms.dates`).

    Args:
        value: the vendor's timestamp.
        tz: IANA zone for values without an offset, and the zone epoch times are shown in.
        formats: strptime format or list of formats tried before the built-in forms.
        excel: read every number as an Excel serial date.

    Example:
        >>> to_datetime("2024-01-05T14:30:00Z").isoformat()
        '2024-01-05T14:30:00+00:00'
    """
    local = _zone(tz)
    moment, is_instant = _parse(value, _formats(formats), excel)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=local)
    return moment.astimezone(local) if is_instant else moment


@takes(*_TIME_PARAMS)
def to_date(value: Any, *, tz: str = "UTC", formats: Any = None, excel: bool = False) -> dt.date:
    """The calendar date of any supported input.

    Text and datetimes give the date as written (``1990-05-01T00:00+08:00`` is 1 May even when
    ``tz`` is UTC, so birth dates never shift a day); epoch times give the date in ``tz``.

    Example:
        >>> to_date("2024年1月5日")
        datetime.date(2024, 1, 5)
        >>> to_date(1704470400, tz="Asia/Shanghai")
        datetime.date(2024, 1, 6)
    """
    local = _zone(tz)
    moment, is_instant = _parse(value, _formats(formats), excel)
    return (moment.astimezone(local) if is_instant else moment).date()


def _parse(value: Any, formats: tuple[str, ...], excel: bool) -> tuple[dt.datetime, bool]:
    """The datetime ``value`` denotes (naive = local wall time) and whether it is an epoch instant."""
    if isinstance(value, str):  # first: vendors and files send text far more often than anything else
        return _parse_text(normalize_text(value), formats, excel)
    if isinstance(value, dt.datetime):
        return value, False
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day), False
    if isinstance(value, bool):
        raise ValueError("expected a date or time, got a boolean")
    if isinstance(value, (int, float, Decimal)):
        number = to_decimal(value)
        fractional = isinstance(value, float) or number != number.to_integral_value()
        return _from_number(number, fractional, excel)
    raise ValueError(f"expected a date or time, got {type(value).__name__}")


def _parse_text(text: str, formats: tuple[str, ...], excel: bool) -> tuple[dt.datetime, bool]:
    if text[4:5] != "-" and _NUMERIC.fullmatch(text):  # a number has no "-" there: ISO text skips the match
        return _from_number(Decimal(text), "." in text, excel)
    if is_odata_date(text):
        return parse_odata_date(text), False  # aware, as written: a date gives its UTC day whatever ``tz``
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt), False
        except ValueError:
            continue
    parsed = _from_text(text)
    if parsed is None:
        raise ValueError(
            f"expected a date or time such as 2024-01-05T14:30:00+08:00, 2024/1/5 or 2024年1月5日 14:30, "
            f"got {mask(text)}"
        )
    return parsed, False


def _from_number(number: Decimal, fractional: bool, excel: bool) -> tuple[dt.datetime, bool]:
    if not number.is_finite():
        raise ValueError("expected a finite number for a date or time")
    if excel or (fractional and 1 <= number < _EXCEL_LIMIT):
        return _from_excel(number), False
    magnitude = abs(number)
    if magnitude >= _EPOCH_LIMIT:
        raise ValueError("the number is too large for epoch seconds or milliseconds (expected below 10^14)")
    micros = number * (1000 if magnitude >= _EPOCH_MS_FROM else 1_000_000)
    try:
        return _EPOCH + dt.timedelta(microseconds=int(micros)), True
    except OverflowError:
        raise ValueError("the number as epoch time is outside the years 1–9999") from None


def _from_excel(serial: Decimal) -> dt.datetime:
    """Excel 1900-system serial → naive datetime (Excel stores wall time without a zone)."""
    if not 1 <= serial < _EXCEL_LIMIT:
        raise ValueError(f"{serial} is not an Excel serial date; expected 1 ≤ n < {_EXCEL_LIMIT}")
    days = int(serial)
    if days == _EXCEL_BUG:
        raise ValueError("Excel serial 60 is 1900-02-29, a day that does not exist")
    # Serials after the bug are one day ahead of the calendar, so they count from 1899-12-30.
    base = dt.datetime(1899, 12, 31) if days < _EXCEL_BUG else dt.datetime(1899, 12, 30)
    millis = int(((serial - days) * _MS_PER_DAY).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    return base + dt.timedelta(days=days, milliseconds=millis)


def _from_text(text: str) -> dt.datetime | None:
    if text[4:5] not in _NEVER_ISO_AFTER_YEAR:  # skip a certain failure: raising costs more than parsing
        try:
            return dt.datetime.fromisoformat(text)
        except (ValueError, OverflowError):
            pass
    match = _YEAR_FIRST.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone_text = match.groups()  # the groups y m d H M S f tz
    offset = _offset(zone_text)
    try:
        return dt.datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
            int(fraction.ljust(6, "0")) if fraction else 0, tzinfo=offset,
        )  # fmt: skip
    except ValueError:
        reason = "not a real date or time (month 1–12, a day the month has, hour < 24)"
        raise ValueError(f"{reason}: {mask(text)}") from None


def _offset(text: str | None) -> dt.timezone | None:
    if text is None:
        return None
    if text.upper() == "Z":
        return dt.timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    try:
        return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    except ValueError:
        raise ValueError(f"{text!r} is not a valid UTC offset") from None
