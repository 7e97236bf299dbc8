"""Time-window scrolls: windows as a property, the scroll against a small in-memory vendor over httpx."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.envelope import Envelope
from hub.core.errors import ConfigError, MalformedPageError, PermanentConnectorError
from hub.core.http import HttpClient, RetryPolicy
from hub.core.paginators import PageRequest
from hub.core.time_windows import TimeWindowPaginator, Window, parse_local_time, scroll_pages, windows

times = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1))


@given(start=times, end=times, days=st.integers(min_value=1, max_value=400))
def test_windows_cover_the_range_exactly_without_gaps_or_overlaps(start, end, days):
    found = windows(start, end, days)
    assert found[0].start == start
    if end <= start:
        assert found == [Window(start, start)]
        return
    assert found[-1].stop == end
    for before, after in zip(found, found[1:]):
        assert before.stop == after.start  # no gap, no overlap
    for window in found:
        assert window.start < window.stop <= window.start + dt.timedelta(days=days)
    assert all(w.stop - w.start == dt.timedelta(days=days) for w in found[:-1])  # only the last is short


def test_a_window_of_no_days_is_refused():
    with pytest.raises(ConfigError):
        windows(dt.datetime(2024, 1, 1), dt.datetime(2024, 2, 1), 0)


@given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1)),
       st.integers(min_value=-12, max_value=14))
def test_a_time_with_an_offset_is_read_in_the_vendor_offset(moment, hours):
    vendor = dt.timezone(dt.timedelta(hours=8))
    aware = moment.replace(tzinfo=dt.timezone(dt.timedelta(hours=hours)))
    assert parse_local_time(aware.isoformat(), vendor) == aware.astimezone(vendor).replace(tzinfo=None)
    assert parse_local_time(moment.isoformat(), vendor) == moment  # no offset: already local


def test_a_cursor_that_is_no_time_is_a_config_error():
    with pytest.raises(ConfigError):
        parse_local_time("yesterday", dt.UTC)


class Vendor:
    """A time-window endpoint over ``records`` (``{"id", "t"}``): batches of ``capacity`` with a scroll id,
    the envelope ``{code, message}``; ``expire_at`` lists the calls (1-based) answered "scroll expired"."""

    def __init__(self, records: list[dict[str, Any]], *, capacity: int, expire_at: tuple[int, ...] = ()) -> None:
        self.records, self.capacity, self.expire_at = records, capacity, expire_at
        self.calls: list[dict[str, Any]] = []
        self.scrolls: dict[str, list[dict[str, Any]]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.calls.append(body)
        if len(self.calls) in self.expire_at and body["scrollId"]:
            return httpx.Response(200, json={"code": "417", "message": "scrollId expired", "data": None})
        if body["scrollId"]:
            left = self.scrolls.pop(body["scrollId"])
        else:
            left = [r for r in self.records if body["startTime"] <= r["t"] < body["stopTime"]]
        batch, rest = left[: self.capacity], left[self.capacity :]
        scroll = f"s{len(self.calls)}" if rest else ""
        if rest:
            self.scrolls[scroll] = rest
        return httpx.Response(200, json={"code": "200", "message": "", "scrollId": scroll, "isLastData": not rest,
                                         "total": len(left), "data": batch})


def _client(vendor: Any) -> HttpClient:
    return HttpClient("https://api.example.com", system="vendor", transport=httpx.MockTransport(vendor),
                      retry=RetryPolicy(max_attempts=1), envelope=Envelope(ok=("200",), message="message"))


NOW = dt.datetime(2024, 7, 1)
RECORDS = [{"id": n, "t": f"2024-{1 + n % 6:02d}-{1 + n % 27:02d}T08:00:00"} for n in range(40)]
START = PageRequest("/GetByTimeWindow", json={"startTime": "2024-01-01T00:00:00", "capacity": 4})


def _pass(vendor: Vendor, request: PageRequest = START, *, max_restarts: int = 2) -> list[Any]:
    with _client(vendor) as client:
        return list(scroll_pages(client, request, lambda: TimeWindowPaginator(max_days=90, now=NOW),
                                 expired_codes=("417",), max_restarts=max_restarts))


def test_a_pass_reads_every_record_once_window_by_window():
    vendor = Vendor(RECORDS, capacity=4)
    pages = _pass(vendor)
    assert sorted(r["id"] for p in pages for r in p.records) == list(range(40))
    assert {(c["startTime"], c["stopTime"]) for c in vendor.calls} == {
        ("2024-01-01T00:00:00", "2024-03-31T00:00:00"), ("2024-03-31T00:00:00", "2024-06-29T00:00:00"),
        ("2024-06-29T00:00:00", "2024-07-01T00:00:00")}
    assert all(c["capacity"] == 4 for c in vendor.calls)
    # within a window the checkpoint names the window; after its last batch, the next window; at the end, nothing
    assert pages[-1].next_request is None
    assert all(p.next_request.json["startTime"] >= p.request.json["startTime"] for p in pages[:-1])


def test_an_expired_scroll_reads_its_window_again_and_loses_nothing():
    vendor = Vendor(RECORDS, capacity=4, expire_at=(3,))
    pages = _pass(vendor)
    ids = [r["id"] for p in pages for r in p.records]
    assert sorted(set(ids)) == list(range(40))  # nothing lost
    assert len(ids) > 40  # the window's first batches were read twice: the store's upsert makes that harmless
    assert vendor.calls[3]["scrollId"] == "" and vendor.calls[3]["startTime"] == vendor.calls[2]["startTime"]


def test_a_scroll_that_keeps_expiring_is_an_error_after_the_restarts():
    vendor = Vendor(RECORDS, capacity=4, expire_at=tuple(range(2, 60, 2)))
    with pytest.raises(PermanentConnectorError) as raised:
        _pass(vendor, max_restarts=1)
    assert raised.value.context["vendor_code"] == "417"


@pytest.mark.parametrize("scroll", ["", "saved-before-a-crash"])
def test_a_failing_code_on_a_first_batch_is_not_taken_for_an_expiry(scroll):
    calls: list[dict[str, Any]] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content))
        return httpx.Response(200, json={"code": "417", "message": "access denied! no permission for object 'x'"})

    resumed = PageRequest(START.url, json={**START.json, "scrollId": scroll})
    with _client(refuse) as client, pytest.raises(PermanentConnectorError):
        list(scroll_pages(client, resumed, lambda: TimeWindowPaginator(max_days=90, now=NOW), expired_codes=("417",),
                          max_restarts=3))
    assert [call["scrollId"] for call in calls] == [""]  # asked once, from the window's start


def test_a_resumed_checkpoint_drops_its_scroll_id_and_restarts_its_window():
    vendor = Vendor(RECORDS, capacity=4)
    checkpoint = PageRequest("/GetByTimeWindow", json={"startTime": "2024-03-31T00:00:00", "capacity": 4,
                                                       "scrollId": "long-expired", "stopTime": "2024-06-29T00:00:00"})
    pages = _pass(vendor, checkpoint)
    assert vendor.calls[0]["scrollId"] == "" and vendor.calls[0]["startTime"] == "2024-03-31T00:00:00"
    assert {r["id"] for p in pages for r in p.records} == {r["id"] for r in RECORDS if r["t"] >= "2024-03-31"}


def _answer(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json=body, request=httpx.Request("POST", "https://api.example.com/x"))


def test_an_empty_batch_ends_its_window_though_not_flagged_last():
    p = TimeWindowPaginator(max_days=90, now=NOW)
    p.init_request(START)
    p.update_state(_answer({"isLastData": False, "scrollId": "s1", "data": []}), [])
    assert p.next_request().json["startTime"] == "2024-03-31T00:00:00" and p.next_request().json["scrollId"] == ""


def test_a_batch_neither_last_nor_scrollable_is_malformed():
    p = TimeWindowPaginator(max_days=90, now=NOW)
    p.init_request(START)
    with pytest.raises(MalformedPageError):
        p.update_state(_answer({"isLastData": False, "scrollId": "", "data": [{"id": 1}]}), [{"id": 1}])
