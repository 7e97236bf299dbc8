"""Money transforms: salary text from job boards, ATS and payroll → Decimal money, never float.

One grammar serves :func:`money`, :func:`money_range` and :func:`compensation`::

    [currency] amount[multiplier] [- [currency] amount[multiplier]] [currency] [period] [· months 薪]

* amounts: ``15000``, ``15,000.00``, ``15000.5``; a float input is read through its ``repr``.
* multipliers: ``k``/``K``/``千`` ×1,000, ``w``/``W``/``万`` ×10,000, ``M``/``百万`` ×1,000,000.
  In a range a multiplier written only on the high end applies to both (``10-15K``), unless the
  low end is written as a full amount of four or more digits (``8000-1.2万`` is 8,000–12,000).
* currencies: symbols (``¥ ￥`` → CNY, ``$`` → USD, ``HK$ US$ NT$ S$ A$ C$ JP¥ € £ ₩ ₹``), words
  (``RMB``, ``人民币``, ``元``, ``美元``, ``港币`` …) and common ISO codes. ``¥`` and ``$`` also fit a
  declared JPY or other dollar currency.
* periods: ``/月 月薪 monthly per month /mo`` → monthly, ``/年 年薪 /yr per year annual`` → annual,
  ``/时 /hr hourly`` → hourly, ``/天 日薪 daily`` → daily, ``/周 weekly`` → weekly.
* months per year: ``15k·13薪``, ``15k*13``, ``15k x 13``.
* ranges: ``-``, ``~``, ``–``, ``—``, ``to``, ``至``, ``到``.

The European decimal comma (``€3.000,50``) is not read: ``3.000,50`` is refused rather than guessed,
because ``3,000`` means three thousand in every system the hub talks to.

Currency parameters: ``currency`` declares the field's currency (a value in another currency is an
error; a value without one gets it); ``default_currency`` only fills in a missing currency.

Example:
    >>> money("1.2万", currency="CNY")
    Money(amount=Decimal('12000'), currency='CNY')
    >>> r = money_range("10-15K/月", currency="CNY")
    >>> (r.low.amount, r.high.amount, r.period.value)
    (Decimal('10000'), Decimal('15000'), 'monthly')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pydantic

from hub.core.errors import mask
from hub.core.models import Compensation, Money, MoneyRange, PayPeriod
from hub.core.transform_params import Param, takes
from hub.core.transforms.basic import normalize_text, to_decimal

__all__ = ["money", "money_range", "compensation"]

_DOLLARS = ("USD", "HKD", "TWD", "SGD", "AUD", "CAD", "NZD", "MOP")

#: symbol or word → (default code, other codes it may stand for when one of them is declared)
_CURRENCY_TOKENS: dict[str, tuple[str, ...]] = {
    "HK$": ("HKD",), "US$": ("USD",), "NT$": ("TWD",), "S$": ("SGD",), "A$": ("AUD",), "C$": ("CAD",),
    "JP¥": ("JPY",), "$": _DOLLARS, "¥": ("CNY", "JPY"), "€": ("EUR",), "£": ("GBP",), "₩": ("KRW",),
    "₹": ("INR",), "RMB": ("CNY",), "人民币": ("CNY",), "元": ("CNY",), "块": ("CNY",), "美元": ("USD",),
    "美金": ("USD",), "港币": ("HKD",), "港元": ("HKD",), "欧元": ("EUR",), "英镑": ("GBP",), "日元": ("JPY",),
}  # fmt: skip
_ISO_CODES = (
    "CNY USD EUR GBP JPY HKD TWD SGD AUD CAD NZD MOP KRW INR CHF SEK NOK DKK MYR THB PHP IDR VND AED "
    "SAR BRL MXN RUB ZAR PLN CZK ILS TRY"
).split()
_CURRENCY = re.compile(
    "|".join(
        [re.escape(token) for token in sorted(_CURRENCY_TOKENS, key=len, reverse=True) if not token.isalpha()]
        + [rf"(?<![A-Za-z]){code}(?![A-Za-z])" for code in [*_ISO_CODES, "RMB"]]
        + sorted((t for t in _CURRENCY_TOKENS if t.isalpha() and not t.isascii()), key=len, reverse=True)
    ),
    re.IGNORECASE,
)

_PERIODS: dict[PayPeriod, str] = {
    PayPeriod.MONTHLY: r"月薪|每月|/\s*月|per\s+month|a\s+month|monthly|/\s*mo(?:nth)?\b|/\s*m\b",
    PayPeriod.ANNUAL: r"年薪|每年|/\s*年|per\s+(?:year|annum)|a\s+year|annual(?:ly)?|yearly|/\s*y(?:ea)?r\b|/\s*y\b",
    PayPeriod.HOURLY: r"时薪|每小时|/\s*小?时|per\s+hour|an\s+hour|hourly|/\s*h(?:ou)?r\b|/\s*h\b",
    PayPeriod.DAILY: r"日薪|每天|每日|/\s*[天日]|per\s+day|a\s+day|daily|/\s*day\b|/\s*d\b",
    PayPeriod.WEEKLY: r"周薪|每周|/\s*周|per\s+week|a\s+week|weekly|/\s*w(?:ee)?k\b",
}
_PERIOD_PATTERNS = {period: re.compile(pattern, re.IGNORECASE) for period, pattern in _PERIODS.items()}
_MONTHS = re.compile(r"(?:[·・•*xX×]\s*(\d{1,2})\s*(?:薪|个月|months?)?|(\d{1,2})\s*薪)\s*$")

_AMOUNT = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_MULTIPLIER = r"百万|千|万|[kKwWM]"
_MULTIPLIERS = {"k": 1_000, "千": 1_000, "w": 10_000, "万": 10_000, "M": 1_000_000, "百万": 1_000_000}
_SINGLE = re.compile(rf"(?P<sign>[+-]?)\s*(?P<lo>{_AMOUNT})\s*(?P<lomul>{_MULTIPLIER})?")
_RANGE = re.compile(
    rf"(?P<lo>{_AMOUNT})\s*(?P<lomul>{_MULTIPLIER})?\s*(?:-|~|–|—|[tT][oO]|至|到)\s*"
    rf"(?P<hi>{_AMOUNT})\s*(?P<himul>{_MULTIPLIER})?"
)

#: A low end written with four or more digits is a full amount, not a count of k or 万 (8000-1.2万).
_FULL_AMOUNT = re.compile(r"\d{4,}|\d{1,3},\d{3}")

_EXAMPLES = "15000, ¥15,000.00, 1.5万, 15K/月 or 10-15K·13薪"


@dataclass(frozen=True)
class _Parsed:
    """What a money text says; ``currency`` holds the codes its symbol may stand for, default first."""

    low: Decimal
    high: Decimal
    is_range: bool
    currency: tuple[str, ...] = ()
    period: PayPeriod | None = None
    months_per_year: int | None = None


def _code_param(code: Any, name: str) -> str | None:
    if code is None:
        return None
    if not isinstance(code, str) or not re.fullmatch(r"[A-Za-z]{3}", code.strip()):
        raise ValueError(f"expected {name} to be an ISO 4217 code such as CNY, got {code!r}")
    return code.strip().upper()


def _period_param(period: Any) -> PayPeriod | None:
    if period is None:
        return None
    try:
        return PayPeriod(str(period).strip().lower())
    except ValueError:
        raise ValueError(f"unknown period {period!r}; expected one of {', '.join(PayPeriod)}") from None


def _currency(code: Any) -> str | None:
    return _code_param(code, "currency")


def _default_currency(code: Any) -> str | None:
    return _code_param(code, "default_currency")


_PERIODS = {
    PayPeriod.HOURLY: "pay per hour",
    PayPeriod.DAILY: "pay per day",
    PayPeriod.WEEKLY: "pay per week",
    PayPeriod.MONTHLY: "pay per month",
    PayPeriod.ANNUAL: "pay per year",
}

_CURRENCY_PARAMS = (
    Param(
        "currency", "an ISO 4217 code", "the currency of every value (one the value names must agree)", check=_currency
    ),
    Param("default_currency", "an ISO 4217 code", "the currency of values that name none", check=_default_currency),
)


@takes(*_CURRENCY_PARAMS)
def money(value: Any, *, currency: str | None = None, default_currency: str | None = None) -> Money:
    """:class:`Money` from a number, money text or a ``{amount, currency}`` mapping.

    Period and months-per-year words are accepted and dropped; use :func:`compensation` or
    :func:`money_range` to keep them. A range is refused.

    Example:
        >>> money("$120k/yr")
        Money(amount=Decimal('120000'), currency='USD')
        >>> money(15000.5, currency="CNY").amount
        Decimal('15000.5')
    """
    parsed = _from_mapping(value) if isinstance(value, Mapping) else _parse(value)
    if parsed.is_range:
        raise ValueError("expected one amount, got a range; use the money_range transform")
    return _money(parsed.low, _resolve_currency(parsed.currency, currency, default_currency))


@takes(*_CURRENCY_PARAMS)
def money_range(value: Any, *, currency: str | None = None, default_currency: str | None = None) -> MoneyRange:
    """:class:`MoneyRange` from a salary band; a single amount gives ``low == high``.

    Example:
        >>> r = money_range("15k·13薪", currency="CNY")
        >>> (r.low.amount, r.high.amount, r.months_per_year)
        (Decimal('15000'), Decimal('15000'), 13)
        >>> money_range("20-30万/年", currency="CNY").high.amount
        Decimal('300000')
    """
    parsed = _parse(value)
    code = _resolve_currency(parsed.currency, currency, default_currency)
    return _build(
        MoneyRange,
        low=_money(parsed.low, code),
        high=_money(parsed.high, code),
        period=parsed.period,
        months_per_year=parsed.months_per_year,
    )


@takes(
    *_CURRENCY_PARAMS,
    Param(
        "period",
        "a pay period",
        "the period of values that name none",
        choices=_PERIODS,
        check=_period_param,
    ),
)
def compensation(
    value: Any,
    *,
    currency: str | None = None,
    default_currency: str | None = None,
    period: str | None = None,
) -> Compensation:
    """:class:`Compensation` (base, period, months per year) from one person's pay text.

    The period comes from the text, else from the ``period`` parameter (hourly, daily, weekly,
    monthly, annual). A range is refused: a band is not one person's pay.

    Example:
        >>> c = compensation("15000元/月 × 13")
        >>> (c.base.amount, c.base.currency, c.period.value, c.months_per_year)
        (Decimal('15000'), 'CNY', 'monthly', 13)
    """
    parsed = _parse(value)
    if parsed.is_range:
        raise ValueError("expected one amount, got a range; a band is not a compensation, use money_range")
    pay_period = parsed.period or _period_param(period)
    if pay_period is None:
        raise ValueError("no pay period in the value; write it (e.g. 15K/月) or set period: monthly")
    base = _money(parsed.low, _resolve_currency(parsed.currency, currency, default_currency))
    return _build(Compensation, base=base, period=pay_period, months_per_year=parsed.months_per_year)


# ---------------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------------


def _parse(value: Any) -> _Parsed:
    if isinstance(value, (bool, Mapping)) or not isinstance(value, (str, int, float, Decimal)):
        raise ValueError(f"expected an amount such as {_EXAMPLES}, got {type(value).__name__}")
    if not isinstance(value, str):
        amount = to_decimal(value)
        return _Parsed(amount, amount, is_range=False)
    text = normalize_text(value)
    text, period = _take_period(text)
    text, months = _take_months(text)
    text, codes = _take_currency(text)
    text = text.strip()
    if match := _RANGE.fullmatch(text):
        high = _amount(match["hi"], match["himul"])
        low = _amount(match["lo"], match["lomul"])
        if match["lomul"] is None and match["himul"] is not None and not _FULL_AMOUNT.match(match["lo"]):
            low = _amount(match["lo"], match["himul"])
        if low > high:
            raise ValueError("the low end of the range is above the high end")
        return _Parsed(low, high, True, codes, period, months)
    if match := _SINGLE.fullmatch(text):
        amount = _amount(match["lo"], match["lomul"])
        amount = amount.copy_negate() if match["sign"] == "-" else amount
        return _Parsed(amount, amount, False, codes, period, months)
    raise ValueError(f"expected an amount such as {_EXAMPLES}, got {mask(value.strip())}")


def _take_period(text: str) -> tuple[str, PayPeriod | None]:
    found: list[PayPeriod] = []
    for period, pattern in _PERIOD_PATTERNS.items():
        text, count = pattern.subn(" ", text)
        if count:
            found.append(period)
    if len(found) > 1:
        raise ValueError(f"the value names several pay periods: {', '.join(p.value for p in found)}")
    return text, (found[0] if found else None)


def _take_months(text: str) -> tuple[str, int | None]:
    match = _MONTHS.search(text)
    if match is None:
        return text, None
    return text[: match.start()], int(match[1] or match[2])


def _take_currency(text: str) -> tuple[str, tuple[str, ...]]:
    found = {_codes_for(token) for token in _CURRENCY.findall(text)}
    if len(found) > 1:
        raise ValueError(f"the value names several currencies: {', '.join(sorted(c[0] for c in found))}")
    return _CURRENCY.sub(" ", text), (found.pop() if found else ())


def _codes_for(token: str) -> tuple[str, ...]:
    upper = token.upper()
    if upper in _ISO_CODES:
        return (upper,)
    return _CURRENCY_TOKENS[upper if upper in _CURRENCY_TOKENS else token]


def _amount(digits: str, multiplier: str | None) -> Decimal:
    amount = Decimal(digits.replace(",", ""))
    if multiplier is None:
        return amount
    scaled = amount * _MULTIPLIERS[multiplier if multiplier in _MULTIPLIERS else multiplier.lower()]
    # 1.2 × 10000 is Decimal('12000.0'); show whole amounts without the artefact decimal place.
    return scaled.quantize(Decimal(1)) if scaled == scaled.to_integral_value() else scaled.normalize()


def _from_mapping(value: Mapping[str, Any]) -> _Parsed:
    """A vendor's structured money, e.g. ``{"amount": "100.00", "currency": "USD"}``."""
    amount = value.get("amount", value.get("value"))
    code = value.get("currency", value.get("currency_code"))
    if amount is None:
        raise ValueError("expected a mapping with an amount and a currency")
    number = to_decimal(amount)
    codes = (_code_param(code, "the currency"),) if code else ()
    return _Parsed(number, number, False, codes)


# ---------------------------------------------------------------------------------------------------
# Building canonical objects
# ---------------------------------------------------------------------------------------------------


def _resolve_currency(found: tuple[str, ...], currency: str | None, default_currency: str | None) -> str:
    declared = _currency(currency)
    if declared:
        if found and declared not in found:
            raise ValueError(f"the value is in {found[0]} but the mapping declares currency {declared}")
        return declared
    if found:
        return found[0]
    fallback = _default_currency(default_currency)
    if fallback:
        return fallback
    raise ValueError("the value names no currency; set currency (e.g. CNY) in the mapping")


def _money(amount: Decimal, currency: str) -> Money:
    return _build(Money, amount=amount, currency=currency)


def _build(model: type[pydantic.BaseModel], **fields: Any) -> Any:
    try:
        return model(**fields)
    except pydantic.ValidationError as exc:
        raise ValueError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
