"""The suite reads a stream's detail fetches the way a sync makes them, through the connector's
``detail_url`` and ``detail_records``, every recorded answer to a record's URL in order (a detail that
pages). Shown on the Gusto suite: its payrolls are each fetched in three pages of compensations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.core.connector import Stream
from hub.core.http import HttpClient
from hub.core.store import Store
from hub.testing import sqlite_store
from tests.plugins.payroll import test_gusto_suite as gusto

SUITE = gusto.TestGusto  # not bound to a Test* name: the whole suite is not collected again here


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with sqlite_store(tmp_path) as opened:
        yield opened


class FirstPageOnly(SUITE.connector):  # type: ignore[misc,valid-type]
    """A Gusto that reads only the first page of each payroll it fetches."""

    def details(self, client: HttpClient, stream: Stream, listed: list[Any]) -> list[Any]:
        return [record for item in listed
                for record in self.detail_records(stream, item, client.get_json(
                    self.detail_url(stream, str(item["payroll_uuid"])), params={"per": 2, "page": 1}))]


def test_every_page_of_a_fetched_record_is_read() -> None:
    suite, stream = SUITE(), SUITE.connector.stream("payrolls")
    records = suite._records("payrolls", stream)
    assert len(records) == 20 and len({record["id"] for record in records}) == 20  # 5 runs x 4 employees paid
    assert all(record["_payroll"]["check_date"] for record in records)


def test_a_sync_that_reads_one_page_of_a_paged_detail_fails(store: Store) -> None:
    broken = type("BrokenGusto", (SUITE,), {"connector": FirstPageOnly})()
    with pytest.raises(AssertionError, match=r"stream 'payrolls' \(cassette payrolls\): recorded records not stored"):
        broken.test_stream_records_map_and_validate("payrolls", store)
