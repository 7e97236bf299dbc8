"""Money: Decimal amounts, currencies, ranges, periods and months per year from salary text."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.models import Money, PayPeriod
from hub.core.transforms.money import compensation, money, money_range


@pytest.mark.parametrize(
    ("value", "params", "amount", "currency"),
    [
        ("15000", {"currency": "CNY"}, "15000", "CNY"),
        (15000.5, {"currency": "CNY"}, "15000.5", "CNY"),
        (0.1, {"currency": "CNY"}, "0.1", "CNY"),
        (15000, {"currency": "cny"}, "15000", "CNY"),
        ("¥15,000", {}, "15000", "CNY"),
        ("￥15,000.00", {}, "15000.00", "CNY"),
        ("RMB 15000", {}, "15000", "CNY"),
        ("rmb15000", {}, "15000", "CNY"),
        ("15000元", {}, "15000", "CNY"),
        ("人民币 8,500.50", {}, "8500.50", "CNY"),
        ("１５０００元", {}, "15000", "CNY"),
        ("1.2万", {"currency": "CNY"}, "12000", "CNY"),
        ("1.5w", {"currency": "CNY"}, "15000", "CNY"),
        ("1.5k", {"currency": "CNY"}, "1500", "CNY"),
        ("15K", {"currency": "CNY"}, "15000", "CNY"),
        ("1.2345k", {"currency": "CNY"}, "1234.5", "CNY"),
        ("$1.2M", {}, "1200000", "USD"),
        ("$120k/yr", {}, "120000", "USD"),
        ("$120,000", {"currency": "SGD"}, "120000", "SGD"),
        ("HK$20,000", {}, "20000", "HKD"),
        ("US$ 5,000", {}, "5000", "USD"),
        ("€3,000.50", {}, "3000.50", "EUR"),
        ("£40k", {}, "40000", "GBP"),
        ("15000 USD", {}, "15000", "USD"),
        ("JPY 300000", {}, "300000", "JPY"),
        ("¥300000", {"currency": "JPY"}, "300000", "JPY"),
        ("5000美元", {}, "5000", "USD"),
        ("15000", {"default_currency": "CNY"}, "15000", "CNY"),
        ("$100", {"default_currency": "CNY"}, "100", "USD"),
        ("-500", {"currency": "CNY"}, "-500", "CNY"),
        ({"amount": "100.10", "currency": "usd"}, {}, "100.10", "USD"),
        ({"value": 99.9}, {"currency": "EUR"}, "99.9", "EUR"),
    ],
)
def test_money(value, params, amount, currency):
    result = money(value, **params)
    assert isinstance(result.amount, Decimal)
    assert str(result.amount) == amount
    assert result.currency == currency


@pytest.mark.parametrize(
    ("value", "params", "reason"),
    [
        ("15000", {}, "names no currency"),
        ("$100", {"currency": "CNY"}, "in USD but the mapping declares currency CNY"),
        ("€3.000,50", {}, "expected an amount"),
        ("10-15K", {"currency": "CNY"}, "use the money_range transform"),
        ("¥100 $100", {}, "several currencies"),
        ("面议", {"currency": "CNY"}, "expected an amount"),
        ("", {"currency": "CNY"}, "expected an amount"),
        ("12,34", {"currency": "CNY"}, "expected an amount"),
        (True, {"currency": "CNY"}, "expected an amount"),
        (None, {"currency": "CNY"}, "expected an amount"),
        (float("inf"), {"currency": "CNY"}, "finite"),
        ("100", {"currency": "yuan"}, "ISO 4217"),
        ({"currency": "USD"}, {}, "amount"),
    ],
)
def test_money_rejects(value, params, reason):
    with pytest.raises(ValueError, match=reason):
        money(value, **params)


@pytest.mark.parametrize(
    ("value", "low", "high", "period", "months"),
    [
        ("10-15K/月", "10000", "15000", PayPeriod.MONTHLY, None),
        ("10k-15k", "10000", "15000", None, None),
        ("10K~15K 月薪", "10000", "15000", PayPeriod.MONTHLY, None),
        ("15k·13薪", "15000", "15000", None, 13),
        ("10-15K·14薪", "10000", "15000", None, 14),
        ("15k*13", "15000", "15000", None, 13),
        ("20-30万/年", "200000", "300000", PayPeriod.ANNUAL, None),
        ("年薪20万-30万", "200000", "300000", PayPeriod.ANNUAL, None),
        ("8000-1.2万", "8000", "12000", None, None),
        ("8,000-12K", "8000", "12000", None, None),
        ("8000至12000元/月", "8000", "12000", PayPeriod.MONTHLY, None),
        ("100-150元/天", "100", "150", PayPeriod.DAILY, None),
        ("日薪300", "300", "300", PayPeriod.DAILY, None),
        ("50/hr", "50", "50", PayPeriod.HOURLY, None),
        ("15000", "15000", "15000", None, None),
    ],
)
def test_money_range_cny(value, low, high, period, months):
    result = money_range(value, currency="CNY")
    assert (str(result.low.amount), str(result.high.amount)) == (low, high)
    assert result.low.currency == result.high.currency == "CNY"
    assert result.period == period
    assert result.months_per_year == months


def test_money_range_usd_per_year():
    result = money_range("$100k - $120k per year")
    assert result.low == Money(amount="100000", currency="USD")
    assert result.high == Money(amount="120000", currency="USD")
    assert result.period is PayPeriod.ANNUAL


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("15-10K", "above the high end"),
        ("10-15K/月/年", "several pay periods"),
        ("15k·30薪", "less than or equal to 24"),
        ("10-", "expected an amount"),
    ],
)
def test_money_range_rejects(value, reason):
    with pytest.raises(ValueError, match=reason):
        money_range(value, currency="CNY")


@pytest.mark.parametrize(
    ("value", "params", "amount", "period", "months"),
    [
        ("15000元/月 × 13", {}, "15000", PayPeriod.MONTHLY, 13),
        ("月薪1.5万", {"currency": "CNY"}, "15000", PayPeriod.MONTHLY, None),
        ("$120k/yr", {}, "120000", PayPeriod.ANNUAL, None),
        ("$45 per hour", {}, "45", PayPeriod.HOURLY, None),
        ("15000", {"currency": "CNY", "period": "monthly"}, "15000", PayPeriod.MONTHLY, None),
        ("300元/天", {"period": "monthly"}, "300", PayPeriod.DAILY, None),
    ],
)
def test_compensation(value, params, amount, period, months):
    result = compensation(value, **params)
    assert str(result.base.amount) == amount
    assert result.period is period
    assert result.months_per_year == months


@pytest.mark.parametrize(
    ("value", "params", "reason"),
    [
        ("10-15K/月", {"currency": "CNY"}, "use money_range"),
        ("15000", {"currency": "CNY"}, "no pay period"),
        ("15000", {"currency": "CNY", "period": "fortnightly"}, "unknown period"),
    ],
)
def test_compensation_rejects(value, params, reason):
    with pytest.raises(ValueError, match=reason):
        compensation(value, **params)


# --- properties -----------------------------------------------------------------------------------

PLAIN_DECIMALS = st.builds(
    lambda unscaled, places: Decimal(unscaled).scaleb(-places),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.integers(min_value=0, max_value=4),
)


@given(PLAIN_DECIMALS)
def test_decimal_text_round_trips_exactly(number):
    assert "E" not in str(number)
    result = money(str(number), currency="CNY")
    assert type(result.amount) is Decimal
    assert str(result.amount) == str(number)


@given(PLAIN_DECIMALS.filter(lambda d: d >= 0))
def test_grouped_and_symbol_forms_round_trip(number):
    assert money(f"¥{number:,}").amount == number
    assert str(money(f"{number}元").amount) == str(number)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_are_read_through_repr(number):
    result = money(number, currency="USD")
    assert type(result.amount) is Decimal
    assert result.amount == Decimal(repr(number))


@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(), st.decimals()))
def test_money_transforms_raise_only_value_error_and_never_return_floats(value):
    for transform in (money, money_range, compensation):
        try:
            result = transform(value, currency="CNY")
        except ValueError:
            continue
        amounts = [getattr(result, name).amount for name in ("low", "high", "base") if hasattr(result, name)]
        assert all(type(amount) is Decimal for amount in amounts or [result.amount])
