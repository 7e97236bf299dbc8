"""OData v2 ``/Date(…)/`` values: parsed to the instant they name, and read by the date transforms."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.transforms.dates import to_date, to_datetime
from hub.core.transforms.odata_dates import format_odata_date, parse_odata_date

MOMENTS = st.datetimes(min_value=dt.datetime(1, 1, 3), max_value=dt.datetime(9999, 12, 29),
                       timezones=st.just(dt.UTC)).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1)


@given(MOMENTS, OFFSETS)
def test_a_written_date_parses_back_to_the_same_instant_and_offset(moment: dt.datetime, minutes: int) -> None:
    shown = moment.astimezone(dt.timezone(dt.timedelta(minutes=minutes)))
    parsed = parse_odata_date(format_odata_date(shown))
    assert parsed == moment
    assert parsed.utcoffset() == dt.timedelta(minutes=minutes)


@given(st.integers(min_value=-62_135_596_800_000 + 86_400_000, max_value=253_402_300_799_000 - 86_400_000))
def test_milliseconds_without_offset_are_that_utc_instant(millis: int) -> None:
    parsed = parse_odata_date(f"/Date({millis})/")
    assert parsed.utcoffset() == dt.timedelta(0)
    assert (parsed - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(milliseconds=1) == millis


@given(st.text(max_size=30))
def test_anything_else_is_a_value_error_never_another_exception(text: str) -> None:
    try:
        parse_odata_date(text)
    except ValueError:
        pass


@pytest.mark.parametrize("text", ["/Date()/", "/Date(12a)/", "Date(1)", "/Date(1+2400)/", "/Date(99999999999999999)/"])
def test_malformed_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_odata_date(text)


def test_the_date_transforms_read_the_odata_form() -> None:
    # a startDate is midnight UTC: its day is the same whatever zone the mapping names
    assert to_date("/Date(1704412800000)/", tz="America/Los_Angeles") == dt.date(2024, 1, 5)
    assert to_datetime("/Date(1717664400000+0000)/").isoformat() == "2024-06-06T09:00:00+00:00"
