"""Dates and times: every supported form gives an aware datetime (or a date) at the right instant."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.transforms.dates import to_date, to_datetime

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc


def at(*parts: int, tz: dt.tzinfo = SHANGHAI) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=tz)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-05T14:30:00+08:00", at(2024, 1, 5, 14, 30)),
        ("2024-01-05T06:30:00Z", at(2024, 1, 5, 14, 30)),
        ("2024-01-05T14:30:00", at(2024, 1, 5, 14, 30)),
        ("2024-01-05 14:30", at(2024, 1, 5, 14, 30)),
        ("2024-01-05", at(2024, 1, 5)),
        ("20240105T143000", at(2024, 1, 5, 14, 30)),
        ("2024/1/5", at(2024, 1, 5)),
        ("2024/01/05 14:30:15", at(2024, 1, 5, 14, 30, 15)),
        ("2024.1.5", at(2024, 1, 5)),
        ("2024-1-5 9:05", at(2024, 1, 5, 9, 5)),
        ("2024年1月5日", at(2024, 1, 5)),
        ("2024年1月5日 14:30", at(2024, 1, 5, 14, 30)),
        ("2024年1月5日14时30分", at(2024, 1, 5, 14, 30)),
        ("2024年1月5日14点30分15秒", at(2024, 1, 5, 14, 30, 15)),
        ("２０２４年１月５日 １４：３０", at(2024, 1, 5, 14, 30)),
        ("2024/1/5 14:30 +0000", at(2024, 1, 5, 22, 30)),
        (1704436200, at(2024, 1, 5, 14, 30)),
        ("1704436200", at(2024, 1, 5, 14, 30)),
        (1704436200000, at(2024, 1, 5, 14, 30)),
        ("1704436200123", at(2024, 1, 5, 14, 30, 0, 123000)),
        (1704436200.5, at(2024, 1, 5, 14, 30, 0, 500000)),
        (45296.5, at(2024, 1, 5, 12)),
        ("45296.604166666664", at(2024, 1, 5, 14, 30)),
        (Decimal("45296.25"), at(2024, 1, 5, 6)),
        (dt.datetime(2024, 1, 5, 14, 30), at(2024, 1, 5, 14, 30)),
        (dt.date(2024, 1, 5), at(2024, 1, 5)),
    ],
)
def test_datetime_forms(value, expected):
    result = to_datetime(value, tz="Asia/Shanghai")
    assert result.tzinfo is not None
    assert result == expected


def test_naive_values_take_the_zone_and_offsets_are_kept():
    assert to_datetime("2024-01-05 14:30").utcoffset() == dt.timedelta(0)
    assert to_datetime("2024-07-05 14:30", tz="America/New_York").utcoffset() == dt.timedelta(hours=-4)
    kept = to_datetime("2024-01-05T14:30:00+05:30", tz="Asia/Shanghai")
    assert kept.utcoffset() == dt.timedelta(hours=5, minutes=30)


def test_epoch_unit_is_decided_by_magnitude():
    assert to_datetime(99_999_999_999).year == 5138  # below 10^11: seconds
    assert to_datetime(100_000_000_000) == dt.datetime(1973, 3, 3, 9, 46, 40, tzinfo=UTC)  # milliseconds


def test_epoch_times_are_shown_in_the_zone():
    assert to_datetime(0, tz="Asia/Shanghai").isoformat() == "1970-01-01T08:00:00+08:00"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, dt.datetime(1900, 1, 1)),
        (59, dt.datetime(1900, 2, 28)),
        (61, dt.datetime(1900, 3, 1)),
        (45296, dt.datetime(2024, 1, 5)),
        ("45296", dt.datetime(2024, 1, 5)),
        (2958465.999, dt.datetime(9999, 12, 31, 23, 58, 33, 600000)),
    ],
)
def test_excel_serials_with_the_1900_bug(value, expected):
    assert to_datetime(value, excel=True) == expected.replace(tzinfo=ZoneInfo("UTC"))


def test_whole_numbers_are_epoch_seconds_unless_excel_is_set():
    assert to_datetime(45296) == dt.datetime(1970, 1, 1, 12, 34, 56, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "params", "reason"),
    [
        (60, {"excel": True}, "1900-02-29"),
        (0.5, {"excel": True}, "not an Excel serial"),
        (10**14, {}, "too large"),
        ("2024-02-30", {}, "not a real date"),
        ("2024年13月1日", {}, "not a real date"),
        ("05/01/2024", {}, "expected a date"),
        ("next tuesday", {}, "expected a date"),
        ("", {}, "expected a date"),
        (True, {}, "boolean"),
        (None, {}, "expected a date"),
        (float("nan"), {}, "finite"),
        ("2024-01-05", {"tz": "Mars/Olympus"}, "unknown time zone"),
        ("2024-01-05", {"tz": "../../etc/passwd"}, "unknown time zone"),
        ("2024-01-05", {"formats": 5}, "formats"),
    ],
)
def test_datetime_rejects(value, params, reason):
    with pytest.raises(ValueError, match=reason):
        to_datetime(value, **params)


def test_formats_are_tried_first():
    assert to_datetime("05/01/2024", formats=["%d/%m/%Y"]) == dt.datetime(2024, 1, 5, tzinfo=ZoneInfo("UTC"))
    assert to_datetime("01/05/2024 2:30 PM", formats="%m/%d/%Y %I:%M %p").hour == 14


@pytest.mark.parametrize(
    ("value", "params", "expected"),
    [
        ("2024年1月5日", {}, dt.date(2024, 1, 5)),
        ("1990-05-01T00:00:00+08:00", {"tz": "UTC"}, dt.date(1990, 5, 1)),
        (1704470400, {"tz": "Asia/Shanghai"}, dt.date(2024, 1, 6)),
        (1704470400, {}, dt.date(2024, 1, 5)),
        ("45296.5", {}, dt.date(2024, 1, 5)),
        (dt.datetime(2024, 1, 5, 23, tzinfo=UTC), {"tz": "Asia/Shanghai"}, dt.date(2024, 1, 5)),
    ],
)
def test_date(value, params, expected):
    result = to_date(value, **params)
    assert type(result) is dt.date
    assert result == expected


# --- properties -----------------------------------------------------------------------------------

OFFSETS = st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
MOMENTS = st.datetimes(
    # From 1973-03-04: earlier millisecond stamps are below 10^11 and read as seconds (documented).
    min_value=dt.datetime(1973, 3, 4), max_value=dt.datetime(2100, 12, 31), timezones=OFFSETS
).map(lambda d: d.replace(microsecond=0))


def _renderings(moment: dt.datetime) -> dict[str, str]:
    """Every textual form the parser promises, for a moment in its own offset."""
    y, m, d, hh, mm, ss = moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second
    return {
        "iso": moment.isoformat(),
        "iso_z": moment.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "space": f"{y:04d}-{m:02d}-{d:02d} {hh:02d}:{mm:02d}:{ss:02d}",
        "slash": f"{y}/{m}/{d} {hh}:{mm:02d}:{ss:02d}",
        "dots": f"{y}.{m}.{d} {hh}:{mm:02d}:{ss:02d}",
        "zh_colon": f"{y}年{m}月{d}日 {hh}:{mm:02d}:{ss:02d}",
        "zh_words": f"{y}年{m}月{d}日{hh}时{mm}分{ss}秒",
        "epoch_s": str(int(moment.timestamp())),
        "epoch_ms": str(int(moment.timestamp()) * 1000),
    }


@given(MOMENTS)
def test_every_textual_form_gives_the_same_aware_instant(moment):
    naive_wall = moment.replace(tzinfo=None)
    for form, text in _renderings(moment).items():
        result = to_datetime(text, tz="UTC")
        assert result.tzinfo is not None, form
        if form.startswith(("iso", "epoch")):
            assert result == moment, form
        else:  # wall-clock text without offset is read in tz
            assert result.replace(tzinfo=None) == naive_wall, form
            assert result.utcoffset() == dt.timedelta(0), form


@given(st.one_of(st.text(max_size=40), st.integers(), st.floats(), st.decimals()))
def test_datetime_raises_only_value_error(value):
    try:
        result = to_datetime(value, tz="Asia/Shanghai")
    except ValueError:
        return
    assert result.tzinfo is not None
