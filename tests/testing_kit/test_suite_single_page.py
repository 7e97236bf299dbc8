"""The suite's opt-out for lists answered whole: a stream whose paginator declares ``single_page``
has one recorded page (not ``min_stream_pages``), and a connector all of whose streams are so skips
the ``min_pages`` check. Shown on the Greenhouse suite, its jobs re-declared as unpaged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.core.paginators import SinglePagePaginator
from hub.core.store import Store
from hub.testing import sqlite_store
from tests.plugins.hr_suites import test_greenhouse_suite as greenhouse

SUITE = greenhouse.TestGreenhouse  # not bound to a Test* name: the whole suite is not collected again here


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with sqlite_store(tmp_path) as opened:
        yield opened


def unpaged(**attributes: Any) -> greenhouse.TestGreenhouse:
    """The Greenhouse suite with every stream of its connector answered in one page."""
    connector = type("Unpaged", (SUITE.connector,), {"paginator": SinglePagePaginator})
    return type("UnpagedGreenhouse", (SUITE,), {"connector": connector, **attributes})()


def test_a_single_page_stream_passes_with_its_one_page(store: Store) -> None:
    unpaged(stream_cassettes={"jobs": "rate_limited"}).test_stream_pages_through_its_cassette("jobs", store)


def test_a_single_page_stream_with_more_pages_recorded_fails(store: Store) -> None:
    with pytest.raises(AssertionError, match=r"stream 'candidates' \(cassette candidates\): 3 recorded pages of a list "
                                             r"its paginator declares unpaged"):
        unpaged().test_stream_pages_through_its_cassette("candidates", store)


def test_the_min_pages_check_is_skipped_only_when_no_stream_is_paged() -> None:
    with pytest.raises(pytest.skip.Exception, match="pages no list"):
        unpaged().test_a_stream_spans_min_pages()
    SUITE().test_a_stream_spans_min_pages()  # paged streams: the check runs (and passes)
