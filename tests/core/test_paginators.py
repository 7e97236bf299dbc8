"""Paginators on hand-built vendor responses, and the RFC 8288 Link parser as a property."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.errors import MalformedPageError
from hub.core.paginators import (
    CursorPaginator,
    LinkHeaderPaginator,
    ODataPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    PageRequest,
    parse_link_header,
    select,
    select_records,
)


def response(body=None, *, url="https://api.example.com/v1/items", headers=None) -> httpx.Response:
    return httpx.Response(200, json=body, headers=headers, request=httpx.Request("GET", url))


def test_page_number_stops_on_empty_page_and_keeps_filters():
    p = PageNumberPaginator(page_size=2)
    first = p.init_request(PageRequest("/employees", {"status": "active"}))
    assert first.params == {"status": "active", "page": 1, "per_page": 2}
    p.update_state(response([]), [1, 2])
    assert p.has_next and p.next_request().params == {"status": "active", "page": 2, "per_page": 2}
    p.update_state(response([]), [])
    assert not p.has_next and p.next_request() is None


def test_page_number_stops_at_total_pages_with_zero_based_pages():
    p = PageNumberPaginator(page_param="pageNo", base_page=0, total_pages_path="meta.total_pages")
    assert p.init_request(PageRequest("/x")).params == {"pageNo": 0}
    p.update_state(response({"meta": {"total_pages": 2}}), [1])
    assert p.next_request().params == {"pageNo": 1}
    p.update_state(response({"meta": {"total_pages": 2}}), [2])
    assert not p.has_next


def test_page_number_init_resets_state():
    p = PageNumberPaginator()
    p.init_request(PageRequest("/x"))
    p.update_state(response([]), [1])
    assert p.init_request(PageRequest("/x")).params == {"page": 1} and not p.has_next


def test_page_number_resumes_at_the_saved_page():
    p = PageNumberPaginator(page_size=2, total_pages_path="total_pages")
    resumed = p.init_request(PageRequest("/employees", {"status": "active", "page": 3, "per_page": 2}))
    assert resumed.params == {"status": "active", "page": 3, "per_page": 2}
    p.update_state(response({"total_pages": 5}), [1, 2])
    assert p.next_request().params == {"status": "active", "page": 4, "per_page": 2}
    p.update_state(response({"total_pages": 5}), [3, 4])
    p.update_state(response({"total_pages": 5}), [5])
    assert not p.has_next


def test_offset_advances_by_records_received_and_stops_at_total():
    p = OffsetPaginator(limit=100, total_path="total")
    assert p.init_request(PageRequest("/people", {"q": "x"})).params == {"q": "x", "offset": 0, "limit": 100}
    p.update_state(response({"total": 150}), list(range(80)))  # vendor capped the page at 80
    assert p.next_request().params == {"q": "x", "offset": 80, "limit": 100}
    p.update_state(response({"total": 150}), list(range(70)))
    assert not p.has_next


def test_offset_without_total_stops_on_empty_page():
    p = OffsetPaginator(limit=2)
    p.init_request(PageRequest("/people"))
    p.update_state(response({}), [1, 2])
    p.update_state(response({}), [])
    assert not p.has_next


def test_offset_in_a_json_body_pages_a_copy_and_resumes_from_the_saved_offset():
    """Odoo's JSON-RPC ``execute_kw``: offset and limit in the keyword arguments, args[2] of params."""
    first = {"params": {"args": ["hr.job", "search_read", {"fields": ["name"]}]}}
    p = OffsetPaginator(limit=2, location="json", json_path=("params", "args", 2))
    sent = p.init_request(PageRequest("/jsonrpc", json=first))
    assert sent.json["params"]["args"][2] == {"fields": ["name"], "offset": 0, "limit": 2} and sent.params == {}
    assert first["params"]["args"][2] == {"fields": ["name"]}  # the caller's body is not touched
    p.update_state(response([]), [1, 2])
    assert p.next_request().json["params"]["args"][2] == {"fields": ["name"], "offset": 2, "limit": 2}
    p.update_state(response([]), [])
    assert not p.has_next
    resumed = OffsetPaginator(limit=2, location="json", json_path=("params", "args", 2))
    assert resumed.init_request(PageRequest("/jsonrpc", json=sent.json | {})).json["params"]["args"][2]["offset"] == 0
    saved = {"params": {"args": ["hr.job", "search_read", {"offset": 4, "limit": 2}]}}
    assert resumed.init_request(PageRequest("/jsonrpc", json=saved)).json["params"]["args"][2]["offset"] == 4


def test_offset_in_a_json_body_without_an_object_at_its_path_is_malformed():
    p = OffsetPaginator(limit=2, location="json", json_path=("params", "args", 9))
    with pytest.raises(MalformedPageError, match="no object"):
        p.init_request(PageRequest("/jsonrpc", json={"params": {"args": []}}))
    assert OffsetPaginator(limit=5, location="json").init_request(PageRequest("/json/2/hr.job/search_read")).json == {
        "offset": 0, "limit": 5}


def test_offset_in_a_nested_json_body_kingdee_style():
    query = {"data": {"FormId": "BD_Empinfo", "FilterString": "FModifyDate >= '2024-06-01'"}}
    p = OffsetPaginator(limit=2, offset_param="StartRow", limit_param="Limit", location="json", json_path=("data",))
    first = p.init_request(PageRequest("/ExecuteBillQuery", json=query))
    assert first.json == {"data": {**query["data"], "StartRow": 0, "Limit": 2}} and first.params == {}
    p.update_state(response([["a"], ["b"]]), [["a"], ["b"]])
    assert p.next_request().json == {"data": {**query["data"], "StartRow": 2, "Limit": 2}}
    p.update_state(response([]), [])
    assert not p.has_next
    assert query == {"data": {"FormId": "BD_Empinfo", "FilterString": "FModifyDate >= '2024-06-01'"}}  # untouched


def test_offset_in_json_resumes_from_the_checkpointed_offset():
    p = OffsetPaginator(limit=2, offset_param="StartRow", limit_param="Limit", location="json", json_path=("data",))
    resumed = p.init_request(PageRequest("/q", json={"data": {"FormId": "F", "StartRow": 4, "Limit": 2}}))
    assert resumed.json["data"]["StartRow"] == 4
    p.update_state(response([["e"]]), [["e"]])
    assert p.next_request().json["data"]["StartRow"] == 5


FEISHU = dict(cursor_path="data.page_token", cursor_param="page_token", has_more_path="data.has_more")


def test_cursor_feishu_style():
    p = CursorPaginator(**FEISHU)
    assert p.init_request(PageRequest("/apps", {"page_size": 100})).params == {"page_size": 100}
    p.update_state(response({"data": {"items": [1], "has_more": True, "page_token": "p2"}}), [1])
    assert p.next_request() == PageRequest("/apps", {"page_size": 100, "page_token": "p2"})
    p.update_state(response({"data": {"items": [2], "has_more": False, "page_token": "p3"}}), [2])
    assert not p.has_next


def test_cursor_in_json_body_dingtalk_style():
    p = CursorPaginator(cursor_path="result.next_cursor", cursor_param="offset", location="json")
    p.init_request(PageRequest("/topapi/queryonjob", json={"status_list": "2,3", "offset": 0, "size": 50}))
    p.update_state(response({"result": {"data_list": ["u1"], "next_cursor": 50}}), ["u1"])
    assert p.next_request().json == {"status_list": "2,3", "offset": 50, "size": 50}
    p.update_state(response({"result": {"data_list": ["u2"]}}), ["u2"])
    assert not p.has_next


_FILTERS = st.dictionaries(st.text(min_size=1, max_size=12).filter(lambda k: k != "next"),
                           st.one_of(st.text(max_size=12), st.integers()), max_size=5)


@given(params=_FILTERS, body=_FILTERS, cursors=st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=4,
                                                          unique=True), location=st.sampled_from(["params", "json"]))
def test_only_cursor_sends_the_cursor_alone_moka_style(params, body, cursors, location):
    """Moka: "next — pass only this one": whatever filters the first request had, later ones carry
    the cursor and nothing else, where the cursor goes; a page without ``next`` ends the list."""
    p = CursorPaginator(cursor_path="next", cursor_param="next", location=location, only_cursor=True)
    first = p.init_request(PageRequest("/v2/data/ehrApplications", params, json=body or None))
    assert first == PageRequest("/v2/data/ehrApplications", params, json=body or None)
    for cursor in cursors:
        p.update_state(response({"code": 200, "next": cursor, "data": [1]}), [1])
        sent = {"next": cursor}
        expected = (PageRequest("/v2/data/ehrApplications", sent) if location == "params"
                    else PageRequest("/v2/data/ehrApplications", {}, json=sent))
        assert p.next_request() == expected
    p.update_state(response({"code": 200, "data": []}), [])
    assert not p.has_next


def test_cursor_repeat_raises():
    p = CursorPaginator(**FEISHU)
    p.init_request(PageRequest("/apps"))
    page = response({"data": {"has_more": True, "page_token": "same"}})
    p.update_state(page, [1])
    with pytest.raises(MalformedPageError, match="same next page"):
        p.update_state(page, [1])


def test_link_header_follows_next_exactly_and_resolves_relative_urls():
    p = LinkHeaderPaginator()
    p.init_request(PageRequest("/v3/jobs", {"per_page": 500, "status": "open"}))
    p.update_state(response([], url="https://harvest.greenhouse.io/v3/jobs?per_page=500&status=open",
                            headers={"Link": '</v3/jobs?cursor=abc>; rel="next"'}), [])
    assert p.next_request() == PageRequest("https://harvest.greenhouse.io/v3/jobs?cursor=abc", {})
    p.update_state(response([], headers={"Link": '<https://h/p1>; rel="prev"'}), [])
    assert not p.has_next


def test_an_absolute_next_link_is_followed_as_sent_and_requests_what_joining_it_would():
    link = "https://harvest.greenhouse.io/v3/jobs?cursor=a%2Bb&x=%E6%9D%8E"
    p = LinkHeaderPaginator()
    p.init_request(PageRequest("/v3/jobs"))
    p.update_state(response([], url="https://other.example/v3/jobs", headers={"Link": f'<{link}>; rel="next"'}), [])
    assert p.next_request() == PageRequest(link, {})
    joined = httpx.URL("https://other.example/v3/jobs").join(link)
    assert httpx.Request("GET", p.next_request().url).url == joined


def test_link_header_repeat_raises():
    p = LinkHeaderPaginator()
    p.init_request(PageRequest("/v3/jobs"))
    page = response([], headers={"Link": '<https://h/v3/jobs?cursor=a>; rel="next"'})
    p.update_state(page, [])
    with pytest.raises(MalformedPageError):
        p.update_state(page, [])


def test_odata_v4_next_link():
    p = ODataPaginator()
    p.init_request(PageRequest("/odata/People", {"$filter": "x"}))
    p.update_state(response({"value": [1], "@odata.nextLink": "https://h/odata/People?$skiptoken=2"}), [1])
    assert p.next_request() == PageRequest("https://h/odata/People?$skiptoken=2", {})
    p.update_state(response({"value": [2]}), [2])
    assert not p.has_next


def test_odata_v2_d_next_successfactors():
    p = ODataPaginator()
    p.init_request(PageRequest("/odata/v2/User", {"$format": "json"}))
    body = {"d": {"results": [1], "__next": "https://api.sf.com/odata/v2/User?$format=json&$skiptoken=abc"}}
    p.update_state(response(body), [1])
    assert p.next_request().url.endswith("$skiptoken=abc")
    with pytest.raises(MalformedPageError):
        p.update_state(response(body), [1])


def test_body_that_is_not_json_is_malformed():
    p = CursorPaginator()
    p.init_request(PageRequest("/x"))
    bad = httpx.Response(200, content=b"<html>", request=httpx.Request("GET", "https://h/x"))
    with pytest.raises(MalformedPageError):
        p.update_state(bad, [])


def test_select_and_select_records():
    assert select({"a": [{"b": 1}]}, "a.0.b") == 1
    assert select({"a": 1}, "a.b", "dflt") == "dflt"
    assert select_records([1, 2], None) == [1, 2]
    assert select_records({"d": {"results": [3]}}, "d.results") == [3]
    assert select_records({"data": {"items": None}}, "data.items") == []
    with pytest.raises(MalformedPageError):
        select_records({"errcode": 40014}, "result.data_list")
    with pytest.raises(MalformedPageError):
        select_records({"items": {"not": "a list"}}, "items")
    with pytest.raises(MalformedPageError):
        select_records({"items": []}, None)


# ---------------------------------------------------------------- RFC 8288 Link header


def test_link_header_examples():
    header = ('<https://h/a?x=1,2>; rel="next last"; title="a, \\"quoted\\" title", '
              '<https://h/p>;rel=prev, <https://h/other>; rel="next"')
    assert parse_link_header(header) == {
        "next": "https://h/a?x=1,2", "last": "https://h/a?x=1,2", "prev": "https://h/p"}
    assert parse_link_header("") == {}
    assert parse_link_header("garbage; rel=next") == {}
    assert parse_link_header('<https://h/x>; REL="Next"') == {"next": "https://h/x"}


urls = st.text(alphabet=st.characters(codec="ascii", exclude_characters="<> \t\"\\", min_codepoint=33),
               min_size=1, max_size=40)
rels = st.lists(st.from_regex(r"[a-z][a-z0-9.-]{0,10}", fullmatch=True), min_size=1, max_size=3, unique=True)
titles = st.text(alphabet=st.characters(codec="ascii", min_codepoint=32, max_codepoint=126), max_size=20)


@given(st.lists(st.tuples(urls, rels, titles), min_size=1, max_size=5))
def test_link_header_roundtrip(links):
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    header = ", ".join(f'<{url}>; title={quote(title)}; rel="{" ".join(r)}"' for url, r, title in links)
    expected: dict[str, str] = {}
    for url, r, _ in links:
        for rel in r:
            expected.setdefault(rel, url)
    assert parse_link_header(header) == expected


@given(st.text())
def test_link_header_never_raises(text):
    assert isinstance(parse_link_header(text), dict)


def test_a_cursor_page_announcing_more_without_a_cursor_is_malformed_not_the_end():
    p = CursorPaginator(cursor_path="next", cursor_param="offset", has_more_path="hasNext")  # Lever's envelope
    p.init_request(PageRequest("/opportunities", {"limit": 2}))
    with pytest.raises(MalformedPageError, match="more .hasNext. but has no cursor at 'next'"):
        p.update_state(response({"data": [1, 2], "hasNext": True}), [1, 2])
    p.update_state(response({"data": [3], "hasNext": False}), [3])
    assert not p.has_next
