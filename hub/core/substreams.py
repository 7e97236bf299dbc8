"""Child streams: records a vendor lists per record of another stream (``/opportunities/{id}/feedback``).

Some vendors have no list endpoint for a kind of record, only one per parent: Lever lists feedback,
interviews and offers under each opportunity. A child stream declares its path as a template with
``{id}`` and names its parent (:class:`Parent`); a pass over it pages through the *parent's* list
and, for every parent record of a page, through the child endpoint of that record. The child
records of one parent page are one page of the child stream, checkpointed with the parent's next
request, so a crash resumes at the first parent page not committed (and a replayed page is harmless:
upserts are idempotent).

A vendor's child record usually does not name its parent (a Lever feedback form has no opportunity
id), so each child record gets the parent values it is listed under as ``_parent`` (``Parent.carry``,
by default the parent's id). That one key is the hub's: it is kept with the record (its
``remote_data`` and any dead letter), so a dead letter replays without the parent. A parent record
without the key the path needs is a :class:`~hub.core.errors.MalformedPageError`: guessing would
list nothing for it, silently.

Example:
    >>> child_url("/opportunities/{id}/feedback", "250d/8f03")
    '/opportunities/250d%2F8f03/feedback'
    >>> bool(path_pattern("/v1/opportunities/{id}/feedback").fullmatch("/v1/opportunities/abc/feedback"))
    True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from hub.core.errors import MalformedPageError
from hub.core.http import HttpClient, Page
from hub.core.paginators import Paginator, select

__all__ = ["PARENT_KEY", "Parent", "child_pages", "child_url", "path_pattern"]

#: Where a child record gets the values of the parent record it was listed under.
PARENT_KEY = "_parent"
_PLACEHOLDER = "{id}"
_ANY_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


@dataclass(frozen=True)
class Parent:
    """The stream a child stream is listed under.

    Attributes:
        stream: the parent stream's name (a stream of the same connector).
        key: the dotted path, in a parent record, of the value that fills ``{id}`` in the child's path.
        carry: the parent fields each child record gets under ``_parent`` (the key always among them).

    Example:
        >>> Parent("opportunities", carry=("contact",)).carried({"id": "o1", "contact": "c1", "name": "x"})
        {'id': 'o1', 'contact': 'c1'}
    """

    stream: str
    key: str = "id"
    carry: Sequence[str] = ()

    def carried(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The values of ``record`` a child listed under it keeps: the key, then ``carry``."""
        return {name: select(record, name) for name in dict.fromkeys((self.key, *self.carry))}


def child_url(template: str, key: Any) -> str:
    """The child endpoint of one parent: ``{id}`` replaced by the key, URL-quoted (a ``/`` in an id stays one segment)."""
    return template.replace(_PLACEHOLDER, quote(str(key), safe=""))


def path_pattern(template: str) -> re.Pattern[str]:
    """A pattern matching the URL paths of a stream's endpoint: ``{id}``, or any other ``{name}`` a
    connector fills from its settings (Gusto's ``{company_uuid}``), matches one path segment.

    Example:
        >>> bool(path_pattern("/v1/companies/{company_uuid}/employees").fullmatch("/v1/companies/c-1/employees"))
        True
    """
    return re.compile("[^/]+".join(re.escape(part) for part in _ANY_PLACEHOLDER.split(template)))


def child_pages(
    client: HttpClient,
    parent_pages: Iterator[Page],
    parent: Parent,
    template: str,
    paginator: Callable[[], Paginator],
    *,
    params: Mapping[str, Any],
    records_path: str | None,
    parent_name: str | None = None,
) -> Iterator[Page]:
    """One page per parent page: the child records of all its parents, with the parent's next request.

    Args:
        client: the connector's client.
        parent_pages: the parent stream's pages, from the pass's request on.
        parent: the child stream's :class:`Parent`.
        template: the child endpoint with ``{id}``.
        paginator: a factory of the child endpoint's paginator (a fresh one per parent).
        params: the first request's parameters of every child listing (page size, fixed filters).
        records_path: where the records are in a child page's body.
        parent_name: the parent stream's name, for errors.

    Raises:
        MalformedPageError: a parent record is not an object or has no usable ``parent.key``.
    """
    for page in parent_pages:
        records: list[Any] = []
        for record in page.records:
            key = select(record, parent.key) if isinstance(record, dict) else None
            if key is None or isinstance(key, (dict, list, bool)) or str(key) == "":
                raise MalformedPageError(f"a {parent_name or parent.stream} record has no {parent.key!r} to list "
                                         f"{template} by", system=client.system, stream=parent_name)  # fmt: skip
            carried = parent.carried(record)
            for child in client.paginate(child_url(template, key), paginator(), params=params,
                                         records_path=records_path):  # fmt: skip
                records += [{**item, PARENT_KEY: carried} if isinstance(item, dict) else item for item in child.records]
        yield Page(request=page.request, response=page.response, records=records, next_request=page.next_request)
