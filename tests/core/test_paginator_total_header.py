"""PageNumberPaginator stopped by a header that states the total of pages (Gusto's ``X-Total-Pages``)."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.errors import MalformedPageError
from hub.core.paginators import PageNumberPaginator, PageRequest


def _walk(total_pages: str | None, *, full_pages: int = 100) -> list[int]:
    """The page numbers a pass requests when every page is full and the header says ``total_pages``."""
    paginator = PageNumberPaginator(size_param="per", page_size=2, total_pages_header="X-Total-Pages")
    request: PageRequest | None = paginator.init_request(PageRequest("/v1/companies/c/employees"))
    asked = []
    while request is not None and len(asked) < full_pages:
        asked.append(request.params["page"])
        headers = {} if total_pages is None else {"X-Total-Pages": total_pages}
        paginator.update_state(httpx.Response(200, json=[{}, {}], headers=headers), [{}, {}])
        request = paginator.next_request()
    return asked


@given(st.integers(min_value=1, max_value=60))
def test_the_pass_asks_exactly_the_pages_the_header_states(total: int) -> None:
    assert _walk(str(total)) == list(range(1, total + 1))


@given(st.text(max_size=8).filter(lambda t: not (t.strip().isascii() and t.strip().isdigit())))
def test_a_header_that_is_not_a_number_of_pages_stops_the_pass_as_malformed(text: str) -> None:
    try:
        httpx.Headers({"X-Total-Pages": text})
    except (UnicodeEncodeError, ValueError):
        return  # not sendable as a header at all
    with pytest.raises(MalformedPageError, match="X-Total-Pages"):
        _walk(text)


def test_without_the_header_the_pass_ends_on_an_empty_page() -> None:
    paginator = PageNumberPaginator(size_param="per", total_pages_header="X-Total-Pages")
    paginator.init_request(PageRequest("/x", {"per": 2}))
    paginator.update_state(httpx.Response(200, json=[{}]), [{}])
    assert paginator.next_request() == PageRequest("/x", {"per": 2, "page": 2})
    paginator.update_state(httpx.Response(200, json=[]), [])
    assert paginator.next_request() is None
