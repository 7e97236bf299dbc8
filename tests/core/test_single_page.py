"""Lists answered whole: the single-page paginator, records keyed by id (``employees.*``), and a
deleted flag read as a value (``action: Deleted``) — the pieces BambooHR's change feed needs."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.connector import Stream
from hub.core.errors import MalformedPageError
from hub.core.http import HttpClient
from hub.core.mapping import load_mapping
from hub.core.paginators import PageRequest, SinglePagePaginator, select_records
from hub.core.sync_pipeline import RecordPipeline
from hub.testing import sqlite_store

GREENHOUSE = Path(__file__).resolve().parents[2] / "hub" / "mappings" / "hr_suites" / "greenhouse" / "job.yaml"
JOBS = Path(__file__).resolve().parents[1] / "fixtures" / "mapping" / "greenhouse" / "job.before.json"


def test_one_request_is_the_whole_list() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"employees": {"3": {"id": "3"}, "4": {"id": "4"}}})

    with HttpClient("https://api.example.com/v1", transport=httpx.MockTransport(answer)) as client:
        pages = list(client.paginate("/employees/changed", SinglePagePaginator(), params={"since": "2024-01-01"},
                                     records_path="employees.*"))
    assert [page.records for page in pages] == [[{"id": "3"}, {"id": "4"}]]
    assert pages[0].next_request is None and len(sent) == 1
    assert SinglePagePaginator().single_page and not SinglePagePaginator().init_request(PageRequest("/x")).params


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.dictionaries(st.text(max_size=3), st.integers()), max_size=6))
def test_keyed_records_are_the_values_in_the_order_sent(keyed: dict[str, dict[str, int]]) -> None:
    body = json.loads(json.dumps({"data": {"employees": keyed}}))
    assert select_records(body, "data.employees.*") == list(keyed.values())


@pytest.mark.parametrize(("body", "records"), [({"employees": None}, []), ({}, []), ({"employees": {}}, [])])
def test_no_keyed_object_is_an_empty_page(body: dict, records: list) -> None:
    assert select_records(body, "employees.*") == records


def test_a_list_where_a_keyed_object_is_expected_is_malformed() -> None:
    with pytest.raises(MalformedPageError, match="keyed by id at 'employees'"):
        select_records({"employees": [{"id": "3"}]}, "employees.*")


def test_a_deleted_value_marks_only_the_records_that_have_it(tmp_path: Path) -> None:
    listed = json.loads(JOBS.read_text(encoding="utf-8"))[:2]
    gone = {"id": 5009, "action": "Deleted"}
    records = [{**listed[0], "action": "Updated"}, gone, {**listed[1], "action": "Inserted"}]
    stream = Stream(name="jobs", entity="job", path="/jobs", deleted_field="action", deleted_value="Deleted")
    with sqlite_store(tmp_path) as store:
        result = RecordPipeline(store, load_mapping(GREENHOUSE), stream=stream).transform(records)
    assert result.deleted == ["5009"] and len(result.prepared) == 2 and not result.failures
