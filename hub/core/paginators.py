"""Paginators: small strategy objects that know how one vendor pages through a list.

A paginator has three verbs (the dlt shape):

* :meth:`Paginator.init_request` — given the caller's first request, return it with any paging
  parameters added, and forget earlier state;
* :meth:`Paginator.update_state` — look at a response and its records, decide whether there is
  a next page;
* :meth:`Paginator.next_request` — the :class:`PageRequest` for the next page, or None.

Requests are plain :class:`PageRequest` values so the sync engine can checkpoint "the next request"
together with a page's records and resume exactly there.

A vendor that hands back a cursor or next URL it already gave is looping; instead of fetching the
same pages forever the paginator raises :class:`~hub.core.errors.MalformedPageError`.
"""

from __future__ import annotations

import copy
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import httpx

from hub.core.errors import MalformedPageError

__all__ = [
    "CursorPaginator",
    "LinkHeaderPaginator",
    "ODataPaginator",
    "OffsetPaginator",
    "PageNumberPaginator",
    "PageRequest",
    "Paginator",
    "SinglePagePaginator",
    "parse_link_header",
    "select",
    "select_records",
]

_MISSING = object()


@dataclass(frozen=True)
class PageRequest:
    """What to send for one page: a URL (relative or absolute), query parameters and a JSON body.

    Example:
        >>> PageRequest("/v3/jobs", {"per_page": 500})
        PageRequest(url='/v3/jobs', params={'per_page': 500}, json=None)
    """

    url: str
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None


def _path(path: str | Sequence[str]) -> Sequence[str]:
    return path.split(".") if isinstance(path, str) else path


def select(body: Any, path: str | Sequence[str], default: Any = None) -> Any:
    """The value at a dotted path in a JSON body, or ``default`` if any step is missing.

    Pass a sequence instead of a string when a key itself contains a dot.

    Example:
        >>> select({"data": {"page_token": "p2"}}, "data.page_token")
        'p2'
        >>> select({"@odata.nextLink": "u"}, ["@odata.nextLink"])
        'u'
    """
    value = body
    for key in _path(path):
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return default
    return value


def select_records(body: Any, path: str | Sequence[str] | None) -> list[Any]:
    """The list of records in a page body.

    ``path=None`` means the body is a bare array (Greenhouse v3). A missing or null *last* key is an
    empty page (vendors omit ``items`` when there are none); anything else that is not a list is a
    :class:`MalformedPageError`, because guessing would drop records silently. A path ending in
    ``*`` names an object whose *values* are the records, in the order sent: records keyed by id
    (BambooHR's ``{"employees": {"3": {...}, "4": {...}}}``), or lists of them, one after another
    (i人事 keys each requested department's descendants by its id: ``{"data": {"255": [...], "999": []}}``).

    Example:
        >>> select_records({"data": {"items": [1, 2], "has_more": False}}, "data.items")
        [1, 2]
        >>> select_records({"data": {"has_more": False}}, "data.items")
        []
        >>> select_records({"employees": {"3": {"id": "3"}, "4": {"id": "4"}}}, "employees.*")
        [{'id': '3'}, {'id': '4'}]
        >>> select_records({"data": {"255": [1, 2], "999": [], "7": None}}, "data.*")
        [1, 2]
    """
    if path is None:
        records = body
    else:
        *parents, last = _path(path)
        if last == "*":
            return _keyed_records(body, parents)
        container = select(body, parents, _MISSING) if parents else body
        if not isinstance(container, dict):
            raise MalformedPageError(f"page has no object at {'.'.join(parents)!r}")
        records = container.get(last) or []
    if not isinstance(records, list):
        where = "the body" if path is None else repr(path)
        raise MalformedPageError(f"expected a list of records at {where}, got {type(records).__name__}")
    return records


def _keyed_records(body: Any, path: Sequence[str]) -> list[Any]:
    """The values of the object at ``path`` (the body for an empty path), a list value spread into its
    records; missing or null: no records; anything else is malformed."""
    keyed = select(body, path)
    if keyed is None:
        return []
    if not isinstance(keyed, dict):
        raise MalformedPageError(f"expected an object of records keyed by id at {'.'.join(path)!r}, "
                                 f"got {type(keyed).__name__}")  # fmt: skip
    records: list[Any] = []
    for value in keyed.values():
        if isinstance(value, list):
            records.extend(value)
        elif value is not None:
            records.append(value)
    return records


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        raise MalformedPageError("page body is not JSON", status=response.status_code) from None


class Paginator(ABC):
    """Base of every paginator; subclasses implement :meth:`update_state` only.

    Example:
        >>> p = PageNumberPaginator(page_size=50)
        >>> p.init_request(PageRequest("/employees", {"status": "active"}))
        PageRequest(url='/employees', params={'status': 'active', 'page': 1, 'per_page': 50}, json=None)
    """

    #: True for a paginator that never asks for a second page: the vendor answers a list whole, in
    #: one response (a report, a directory). The standard test suite then expects one recorded page.
    single_page: bool = False

    def __init__(self) -> None:
        self._first = PageRequest("")
        self._next: PageRequest | None = None
        self._seen: set[Any] = set()

    def init_request(self, request: PageRequest) -> PageRequest:
        """Return the first request with paging parameters added; reset all state."""
        self._first, self._next, self._seen = request, None, set()
        return request

    @abstractmethod
    def update_state(self, response: httpx.Response, records: list[Any]) -> None:
        """Read the page just fetched and work out the next request (or that there is none)."""

    def next_request(self) -> PageRequest | None:
        """The request for the next page, or None after the last page."""
        return self._next

    @property
    def has_next(self) -> bool:
        """True while another page is expected."""
        return self._next is not None

    def _follow(self, marker: Any, request: PageRequest) -> None:
        """Set the next request, refusing a cursor or URL this run has already followed."""
        if marker in self._seen:
            raise MalformedPageError(f"the vendor returned the same next page twice ({marker!r}); stopping a loop")
        self._seen.add(marker)
        self._next = request


class SinglePagePaginator(Paginator):
    """One request, one page: for list endpoints that answer whole and take no paging parameters
    (BambooHR's ``/employees/changed``, a Workday custom report). Declaring it, rather than a
    paginator of another kind that happens to stop, says the list is not paged at all.

    Example:
        >>> p = SinglePagePaginator()
        >>> p.init_request(PageRequest("/employees/changed", {"since": "2024-01-01T00:00:00Z"})).params
        {'since': '2024-01-01T00:00:00Z'}
        >>> p.update_state(httpx.Response(200, json={"employees": {}}), [])
        >>> p.has_next, p.single_page
        (False, True)
    """

    single_page = True

    def update_state(self, response: httpx.Response, records: list[Any]) -> None:
        self._next = None


class PageNumberPaginator(Paginator):
    """``?page=N&per_page=M``; stops on an empty page or when the total of pages says so.

    Handles responses like ``{"employees": [...], "total_pages": 7}`` (``total_pages_path``), bare
    arrays with the total in a header such as Gusto's ``X-Total-Pages: 7`` (``total_pages_header``),
    or bare pages that simply end with ``[]``; a total sent as numeric text counts. Filters from the
    first request are repeated on every page. ``in_body``: the page number and size go in the JSON
    body instead, for list APIs that take their query as a POST body (Yonyou's ``{"pageIndex", "pageSize"}``).

    Example:
        >>> PageNumberPaginator(page_size=100, total_pages_path="total_pages").init_request(PageRequest("/x"))
        PageRequest(url='/x', params={'page': 1, 'per_page': 100}, json=None)
        >>> gusto = PageNumberPaginator(size_param="per", total_pages_header="X-Total-Pages")
        >>> _ = gusto.init_request(PageRequest("/v1/companies/c1/employees", {"per": 2}))
        >>> gusto.update_state(httpx.Response(200, json=[{}], headers={"X-Total-Pages": "1"}), [{}])
        >>> gusto.has_next
        False
        >>> PageNumberPaginator(page_param="pageIndex", in_body=True).init_request(PageRequest("/x", json={"pageSize": 2}))
        PageRequest(url='/x', params={}, json={'pageSize': 2, 'pageIndex': 1})
    """

    def __init__(
        self,
        *,
        page_param: str = "page",
        page_size: int | None = None,
        size_param: str = "per_page",
        base_page: int = 1,
        total_pages_path: str | None = None,
        total_pages_header: str | None = None,
        in_body: bool = False,
    ) -> None:
        super().__init__()
        self.page_param, self.page_size, self.size_param = page_param, page_size, size_param
        self.base_page, self.total_pages_path = base_page, total_pages_path
        self.total_pages_header, self.in_body = total_pages_header, in_body
        self._page = base_page

    def init_request(self, request: PageRequest) -> PageRequest:
        # A resumed pass starts at the saved page, so the request's own page number wins.
        fields = (request.json or {}) if self.in_body else request.params
        self._page = int(fields.get(self.page_param, self.base_page))
        paging = {self.page_param: self._page, **({self.size_param: self.page_size} if self.page_size is not None else {})}
        return super().init_request(self._with(request, paging))

    def update_state(self, response: httpx.Response, records: list[Any]) -> None:
        self._next = None
        if not records:
            return
        total = self._total_pages(response)
        if total is not None and self._page - self.base_page + 1 >= total:
            return
        self._page += 1
        self._next = self._with(self._first, {self.page_param: self._page})

    def _with(self, request: PageRequest, paging: dict[str, Any]) -> PageRequest:
        """``request`` with the paging fields laid over its query, or over its JSON body when ``in_body``."""
        if self.in_body:
            return replace(request, json={**(request.json or {}), **paging})
        return replace(request, params={**request.params, **paging})

    def _total_pages(self, response: httpx.Response) -> int | None:
        """The total of pages the vendor announces (body path, then header); None when it announces none.

        A header that is present but not a whole number is a :class:`MalformedPageError`: ending
        early on it would drop pages, going on would page past the end.
        """
        if self.total_pages_path is not None:
            total = select(_body(response), self.total_pages_path)
            if isinstance(total, str) and total.isdigit():
                total = int(total)
            if isinstance(total, int):
                return total
        if self.total_pages_header is not None and self.total_pages_header in response.headers:
            text = response.headers[self.total_pages_header].strip()
            if not (text.isascii() and text.isdigit()):
                raise MalformedPageError(f"the {self.total_pages_header} header is not a number of pages: {text[:20]!r}",
                                         status=response.status_code)  # fmt: skip
            return int(text)
        return None


class OffsetPaginator(Paginator):
    """``?offset=N&limit=M``; stops on an empty page or when ``offset`` reaches ``total``.

    Handles ``{"total": 230, "items": [...]}``. The offset advances by the records actually received,
    not by ``limit``, so a vendor that quietly caps the page size loses nothing.

    ``location="json"`` puts ``offset`` and ``limit`` into the POST body instead, in the object at
    ``json_path`` (keys and list indexes; empty: the body itself): Odoo's JSON-2
    ``{"domain": [...], "offset": 0, "limit": 80}``, or its JSON-RPC ``execute_kw`` call, whose
    keyword arguments are the seventh item of ``params.args``.

    Example:
        >>> OffsetPaginator(limit=50).init_request(PageRequest("/people"))
        PageRequest(url='/people', params={'offset': 0, 'limit': 50}, json=None)
        >>> rpc = OffsetPaginator(limit=2, location="json", json_path=("params", "args", 1))
        >>> rpc.init_request(PageRequest("/jsonrpc", json={"params": {"args": ["hr.job", {}]}})).json
        {'params': {'args': ['hr.job', {'offset': 0, 'limit': 2}]}}
    """

    def __init__(
        self,
        *,
        limit: int = 100,
        offset_param: str = "offset",
        limit_param: str = "limit",
        total_path: str | None = None,
        location: Literal["params", "json"] = "params",
        json_path: Sequence[str | int] = (),
    ) -> None:
        super().__init__()
        self.limit, self.offset_param, self.limit_param = limit, offset_param, limit_param
        self.total_path, self.location, self.json_path = total_path, location, tuple(json_path)
        self._offset = 0

    def init_request(self, request: PageRequest) -> PageRequest:
        # A resumed pass starts at the saved offset, so the request's own offset wins.
        sent = (request.params if self.location != "json"
                else _json_at(request.json if request.json is not None else {}, self.json_path))
        self._offset = int(sent.get(self.offset_param, 0))
        return super().init_request(self._at(request, {self.offset_param: self._offset, self.limit_param: self.limit}))

    def _at(self, request: PageRequest, values: dict[str, Any]) -> PageRequest:
        """``request`` with ``values`` in its query, or in the body's object at ``json_path`` (a copy)."""
        if self.location != "json":
            return replace(request, params={**request.params, **values})
        body = copy.deepcopy(request.json) if request.json is not None else {}
        _json_at(body, self.json_path).update(values)
        return replace(request, json=body)

    def update_state(self, response: httpx.Response, records: list[Any]) -> None:
        self._next = None
        if not records:
            return
        self._offset += len(records)
        if self.total_path is not None:
            total = select(_body(response), self.total_path)
            if isinstance(total, int) and self._offset >= total:
                return
        self._next = self._at(self._first, {self.offset_param: self._offset})


def _json_at(body: Any, path: Sequence[str | int]) -> dict[str, Any]:
    """The object at ``path`` in a JSON body (the body itself for an empty path).

    Raises:
        MalformedPageError: there is no object there (the request was built for another layout).
    """
    node = body
    for key in path:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            node = None
            break
    if not isinstance(node, dict):
        raise MalformedPageError(f"the request body has no object at {list(path)!r} to page in")
    return node


class CursorPaginator(Paginator):
    """A next-page token in the JSON body, sent back as a parameter.

    Handles Feishu ``{"data": {"items": [...], "has_more": true, "page_token": "p2"}}`` with
    ``CursorPaginator(cursor_path="data.page_token", cursor_param="page_token",
    has_more_path="data.has_more")``, and DingTalk ``{"result": {"next_cursor": 50}}`` with
    ``cursor_param="offset", location="json"`` (the cursor goes into the POST body).
    The first request carries no cursor. ``has_more`` false ends the list; without ``has_more_path``
    an empty cursor does too, while with it ``has_more`` true and no cursor is a
    :class:`~hub.core.errors.MalformedPageError` (the pages announced would be lost).

    ``only_cursor=True`` is for vendors whose cursor already holds the first request's filters and
    who want nothing else beside it (Moka: ``{"code": 200, "next": "c2", "data": [...]}``; "next —
    pass only this one"): later requests carry the cursor alone, no filters and no page size.

    Example:
        >>> p = CursorPaginator(cursor_path="data.page_token", cursor_param="page_token",
        ...                     has_more_path="data.has_more")
        >>> p.init_request(PageRequest("/open-apis/hire/v1/applications", {"page_size": 100})).params
        {'page_size': 100}
        >>> moka = CursorPaginator(cursor_path="next", cursor_param="next", only_cursor=True)
        >>> _ = moka.init_request(PageRequest("/v1/data/interviewer_feedbacks", {"fromTime": "2024-06-01", "limit": 2}))
        >>> moka.update_state(httpx.Response(200, json={"code": 200, "next": "c2", "data": [{}]}), [{}])
        >>> moka.next_request().params
        {'next': 'c2'}
    """

    def __init__(
        self,
        *,
        cursor_path: str = "next_cursor",
        cursor_param: str = "cursor",
        has_more_path: str | None = None,
        location: Literal["params", "json"] = "params",
        only_cursor: bool = False,
    ) -> None:
        super().__init__()
        self.cursor_path, self.cursor_param = cursor_path, cursor_param
        self.has_more_path, self.location, self.only_cursor = has_more_path, location, only_cursor

    def update_state(self, response: httpx.Response, records: list[Any]) -> None:
        self._next = None
        body = _body(response)
        if self.has_more_path is not None and not select(body, self.has_more_path):
            return
        cursor = select(body, self.cursor_path)
        if cursor is None or cursor == "":
            if self.has_more_path is not None:  # more pages announced, none reachable: ending would drop them
                raise MalformedPageError(f"the page says there are more ({self.has_more_path}) but has no cursor at "
                                         f"{self.cursor_path!r}")  # fmt: skip
            return
        first = PageRequest(self._first.url) if self.only_cursor else self._first
        if self.location == "json":
            request = replace(first, json={**(first.json or {}), self.cursor_param: cursor})
        else:
            request = replace(first, params={**first.params, self.cursor_param: cursor})
        self._follow(json.dumps(cursor), request)


class _NextUrlPaginator(Paginator):
    """Follows an absolute next URL exactly: no parameters of the first request are re-sent."""

    def _follow_url(self, response: httpx.Response, url: str | None) -> None:
        """Follow ``url``, resolved against the page's own URL if relative.

        An absolute link (what Greenhouse, Graph and SuccessFactors send) is taken as sent: httpx's
        ``URL.join`` parses both URLs, ~0.4 M instructions a page on a sync's busiest path, and the
        request parses the link once more anyway.
        """
        self._next = None
        if url:
            absolute = url if url.startswith(("https://", "http://")) else str(response.request.url.join(url))
            self._follow(absolute, PageRequest(absolute))


class LinkHeaderPaginator(_NextUrlPaginator):
    """RFC 8288 ``Link: <…>; rel="next"`` (Greenhouse v3, GitHub, Lever-style APIs).

    Handles a bare array body with a header such as
    ``Link: <https://harvest.greenhouse.io/v3/jobs?cursor=eyJ…>; rel="next"``. The next URL is
    followed *exactly*: filters and ``per_page`` go on the first request only, because Greenhouse
    encodes them in the cursor and rejects a cursor with other parameters. No ``next`` link ends it.

    Example:
        >>> p = LinkHeaderPaginator()
        >>> p.init_request(PageRequest("/v3/jobs", {"per_page": 500, "status": "open"})).params
        {'per_page': 500, 'status': 'open'}
    """

    def __init__(self, *, rel: str = "next") -> None:
        super().__init__()
        self.rel = rel

    def update_state(self, response: httpx.Response, records: list[Any]) -> None:
        links = parse_link_header(", ".join(response.headers.get_list("link")))
        self._follow_url(response, links.get(self.rel))


class ODataPaginator(_NextUrlPaginator):
    """OData server-driven paging: v4 ``@odata.nextLink`` and v2 ``d.__next`` (``$skiptoken``).

    Handles ``{"value": [...], "@odata.nextLink": "…?$skiptoken=X"}`` (records at ``value``) and SAP
    SuccessFactors v2 ``{"d": {"results": [...], "__next": "…?$skiptoken=X"}}`` (records at
    ``d.results``). The next link already holds ``$filter``/``$select``, so it is followed exactly.

    Example:
        >>> ODataPaginator().init_request(PageRequest("/odata/v2/User", {"$format": "json"})).params
        {'$format': 'json'}
    """

    _NEXT_PATHS = (["@odata.nextLink"], ["odata.nextLink"], ["d", "__next"])

    def update_state(self, response: httpx.Response, records: list[Any]) -> None:
        body = _body(response)
        urls = (select(body, path) for path in self._NEXT_PATHS)
        self._follow_url(response, next((u for u in urls if isinstance(u, str) and u), None))


# ---------------------------------------------------------------- RFC 8288 Link header


def parse_link_header(value: str) -> dict[str, str]:
    """Map each ``rel`` to its target in an RFC 8288 ``Link`` header value.

    Handles several links, several relation types in one ``rel`` (``rel="next last"``), quoted
    parameters with commas or escapes, and commas inside ``<…>`` URLs. The first link for a rel
    wins. Malformed parts are skipped; this never raises.

    Example:
        >>> parse_link_header('<https://h/v3/jobs?cursor=a,b>; rel="next", </p1>; rel=prev')
        {'next': 'https://h/v3/jobs?cursor=a,b', 'prev': '/p1'}
    """
    links: dict[str, str] = {}
    pos, end = 0, len(value)
    while pos < end:
        start = value.find("<", pos)
        close = value.find(">", start + 1)
        if start < 0 or close < 0:
            break
        target = value[start + 1 : close].strip()
        params, pos = _link_params(value, close + 1)
        for rel in params.get("rel", "").lower().split():
            links.setdefault(rel, target)
    return links


def _link_params(value: str, pos: int) -> tuple[dict[str, str], int]:
    """Parse ``; name="value"; name=token`` after a ``<target>`` up to the next top-level comma."""
    params: dict[str, str] = {}
    end = len(value)
    while pos < end:
        while pos < end and value[pos] in " \t":
            pos += 1
        if pos >= end or value[pos] == ",":
            return params, pos + 1
        if value[pos] != ";":
            pos += 1  # stray character: skip it rather than fail the whole header
            continue
        pos += 1
        eq = pos
        while eq < end and value[eq] not in "=;,":
            eq += 1
        name = value[pos:eq].strip().lower()
        pos = eq
        param_value = ""
        if pos < end and value[pos] == "=":
            pos += 1
            while pos < end and value[pos] in " \t":
                pos += 1
            if pos < end and value[pos] == '"':
                param_value, pos = _quoted(value, pos + 1)
            else:
                stop = pos
                while stop < end and value[stop] not in ";,":
                    stop += 1
                param_value, pos = value[pos:stop].strip(), stop
        if name:
            params.setdefault(name, param_value)
    return params, pos


def _quoted(value: str, pos: int) -> tuple[str, int]:
    """Read an RFC 9110 quoted-string body starting after the opening quote."""
    chars: list[str] = []
    while pos < len(value):
        char = value[pos]
        if char == "\\" and pos + 1 < len(value):
            chars.append(value[pos + 1])
            pos += 2
        elif char == '"':
            return "".join(chars), pos + 1
        else:
            chars.append(char)
            pos += 1
    return "".join(chars), pos
