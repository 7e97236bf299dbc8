"""Paging a list whose query is a POST body (``PageNumberPaginator(in_body=True)``) and a list that comes whole."""

from __future__ import annotations

from typing import Any

import httpx

from hub.core.http import HttpClient
from hub.core.paginators import PageNumberPaginator, PageRequest, SinglePagePaginator


def _server(pages: int, seen: list[Any]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        body = __import__("json").loads(request.content)
        seen.append(body)
        index = body["pageIndex"]
        return httpx.Response(200, json={"data": {"pageCount": str(pages), "recordList": [f"r{index}"]}})

    return httpx.MockTransport(answer)


def test_the_page_number_goes_in_the_body_with_the_first_requests_filters_until_the_page_count() -> None:
    seen: list[Any] = []
    paginator = PageNumberPaginator(page_param="pageIndex", total_pages_path="data.pageCount", in_body=True)
    with HttpClient("https://api.example.test", transport=_server(3, seen)) as client:
        pages = list(client.paginate("/list", paginator, method="POST", json={"pageSize": 1, "pubts": "2024-06-01"},
                                     records_path="data.recordList"))
    assert [page.records for page in pages] == [["r1"], ["r2"], ["r3"]]
    assert seen == [{"pageSize": 1, "pubts": "2024-06-01", "pageIndex": n} for n in (1, 2, 3)]


def test_a_resumed_pass_starts_at_the_saved_page_number_in_the_body() -> None:
    paginator = PageNumberPaginator(page_param="pageIndex", in_body=True)
    assert paginator.init_request(PageRequest("/list", json={"pageIndex": 4})).json == {"pageIndex": 4}


def test_a_single_page_list_has_no_next_page() -> None:
    paginator = SinglePagePaginator()
    paginator.init_request(PageRequest("/tree"))
    paginator.update_state(httpx.Response(200, json={"data": [1, 2]}), [1, 2])
    assert paginator.next_request() is None
