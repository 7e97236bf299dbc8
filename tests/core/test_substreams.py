"""Child streams (hub.core.substreams) against a small vendor served by an httpx transport: the parent's
pages drive the pass, every parent's child endpoint is paged through, the checkpoint is the parent's."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.connector import Category, Parent, RestConnector, Stream
from hub.core.errors import ConfigError, MalformedPageError
from hub.core.paginators import CursorPaginator, PageRequest
from hub.core.substreams import child_url, path_pattern

PARENTS = [{"id": "p1", "owner": "u1"}, {"id": "p 2", "owner": "u2"}, {"id": "p3", "owner": "u1"}]
CHILDREN = {"p1": [{"id": "c1"}, {"id": "c2"}, {"id": "c3"}], "p 2": [], "p3": [{"id": "c4"}]}


def _listing(records: list[Any], offset: str | None, size: int) -> dict[str, Any]:
    start = int(offset or 0)
    chunk = records[start : start + size]
    more = start + size < len(records)
    return {"items": chunk, "more": more, **({"next": str(start + size)} if more else {})}


def vendor(parents: list[Any], seen: list[str]) -> httpx.MockTransport:
    """Parents at /parents, each one's children at /parents/<id>/children; ``size`` records a page."""

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.url.raw_path.decode()}")
        size, offset = int(request.url.params["size"]), request.url.params.get("cursor")
        parts = request.url.path.strip("/").split("/")
        records = parents if parts == ["parents"] else CHILDREN[parts[1]]
        return httpx.Response(200, json=_listing(records, offset, size))

    return httpx.MockTransport(answer)


class Acme(RestConnector):
    name, category = "acme", Category.HR_SUITES
    base_url = "https://api.acme.example"
    paginator = staticmethod(lambda: CursorPaginator(cursor_path="next", cursor_param="cursor", has_more_path="more"))
    record_path, page_size, page_size_param = "items", 2, "size"
    streams = (
        Stream(name="parents", entity="application", path="/parents", params={"status": "open"}),
        Stream(name="children", entity="assessment", path="/parents/{id}/children",
               parent=Parent("parents", carry=("owner",))),
    )


def _pass(parents: list[Any], request: PageRequest | None = None) -> tuple[list[Any], list[str]]:
    seen: list[str] = []
    acme = Acme({})
    stream = acme.stream("children")
    with acme.client(transport=vendor(parents, seen)) as client:
        pages = list(acme.pages(client, stream, request or acme.first_request(stream, since=None)))
    return pages, seen


def test_a_child_pass_is_one_page_per_parent_page_with_every_child_and_its_parent() -> None:
    pages, seen = _pass(PARENTS)
    assert [[r["id"] for r in page.records] for page in pages] == [["c1", "c2", "c3"], ["c4"]]
    assert pages[0].records[0]["_parent"] == {"id": "p1", "owner": "u1"}
    assert pages[0].next_request == PageRequest("/parents", {"status": "open", "size": 2, "cursor": "2"})
    assert pages[1].next_request is None
    assert seen == ["/parents?status=open&size=2", "/parents/p1/children?size=2",
                    "/parents/p1/children?size=2&cursor=2", "/parents/p%202/children?size=2",
                    "/parents?status=open&size=2&cursor=2", "/parents/p3/children?size=2"]


def test_a_pass_resumed_at_a_parent_page_lists_only_what_follows() -> None:
    first, _ = _pass(PARENTS)
    resumed, seen = _pass(PARENTS, first[0].next_request)
    assert [r["id"] for page in resumed for r in page.records] == ["c4"] and len(seen) == 2


def test_a_child_pass_takes_no_incremental_filter() -> None:
    acme = Acme({})
    assert acme.first_request(acme.stream("children"), since="2024-01-01") == PageRequest(
        "/parents", {"status": "open", "size": 2})


@pytest.mark.parametrize("bad", [{"owner": "u1"}, {"id": None}, {"id": ""}, {"id": {"nested": 1}}, "p1"])
def test_a_parent_without_a_usable_key_is_a_malformed_page(bad: Any) -> None:
    with pytest.raises(MalformedPageError, match="has no 'id' to list /parents/{id}/children by"):
        _pass([bad])


def test_a_child_stream_names_a_parent_of_its_connector_and_no_cursor() -> None:
    with pytest.raises(ConfigError, match="a child stream"):
        type("Bad", (Acme,), {"streams": (Stream(name="c", entity="offer", path="/x/{id}/y", parent=Parent("gone")),)})
    with pytest.raises(ConfigError, match="declares no cursor"):
        type("Bad", (Acme,), {"streams": (*Acme.streams[:1], Stream(name="c", entity="offer", path="/x/{id}/y",
                                                                    cursor_field="updated", parent=Parent("parents")))})


@given(st.text(min_size=1, max_size=20))
def test_a_child_url_is_one_segment_its_pattern_matches(key: str) -> None:
    url = child_url("/v1/parents/{id}/children", key)
    assert path_pattern("/v1/parents/{id}/children").fullmatch(url)
    assert url.count("/") == 4 and not path_pattern("/v1/parents").fullmatch(url)


def test_any_named_placeholder_matches_one_path_segment() -> None:
    pattern = path_pattern("/v1/companies/{company_uuid}/employees")
    assert pattern.fullmatch("/v1/companies/c0a1-b2/employees")
    assert not pattern.fullmatch("/v1/companies/a/b/employees") and not pattern.fullmatch("/v1/companies//employees")
