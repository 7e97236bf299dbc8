"""Time-window scrolls: a long range read as windows of at most N days, each scrolled in batches.

Some vendors list changes only inside a bounded time window and page through a window with a scroll
id that expires: Beisen iTalent's ``GetByTimeWindow`` endpoints take ``startTime``/``stopTime`` (at most
90 days apart), ``capacity`` (at most 300 records a batch) and the ``scrollId`` of the previous batch, and
answer ``{scrollId, isLastData, data}``; a scroll not continued within seconds expires. A pass over
such an endpoint is therefore three things, each here once:

* :func:`windows` cuts the pass's range (from the stream's cursor to now) into consecutive windows
  of at most ``max_days``, without gaps or overlaps;
* :class:`TimeWindowPaginator` scrolls one window after the other: the same window again with the
  answer's scroll id until a batch comes back empty (or flagged last), then the next window from an
  empty scroll id. Its requests are what the sync engine checkpoints with each page;
* :func:`scroll_pages` drives the paginator and, when the vendor answers that a scroll has expired,
  reads the window it was in again from its start.

Why a re-read is safe: the records of the window's earlier batches come again and are upserted
again, which the store's upsert (idempotent by system, external id and content hash) counts as
unchanged: nothing is lost (the window is read whole) and nothing is duplicated. The same holds for a
killed run: its checkpoint names the window it was in (with a scroll id long expired by then), and
:meth:`TimeWindowPaginator.init_request` drops that scroll id, so the resumed run reads the window from
its start. Windows already finished are not read again.

Times are the vendor's local wall-clock time without an offset (Beisen sends and takes
``2024-01-05T09:30:00``); the caller passes "now" in that time, and ``utc_offset`` moves a cursor that
carries an offset into it.

Example:
    >>> [str(w.start.date()) for w in windows(dt.datetime(2024, 1, 1), dt.datetime(2024, 7, 1), 90)]
    ['2024-01-01', '2024-03-31', '2024-06-29']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import httpx

from hub.core.errors import ConfigError, ConnectorError, MalformedPageError
from hub.core.http import HttpClient, Page
from hub.core.paginators import PageRequest, Paginator, select

__all__ = ["ScrollSpelling", "TimeWindowPaginator", "Window", "parse_local_time", "scroll_pages", "windows"]

#: How times are written into requests: seconds, no offset.
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


@dataclass(frozen=True)
class Window:
    """One window ``[start, stop]`` of a pass, in the vendor's local time."""

    start: dt.datetime
    stop: dt.datetime


def windows(start: dt.datetime, end: dt.datetime, max_days: int) -> list[Window]:
    """``[start, end]`` cut into consecutive windows of at most ``max_days`` days.

    Each window starts where the one before it stopped, the first at ``start``, the last stops at
    ``end``. A range with nothing in it (``end`` not after ``start``) is one window of no length, so a
    pass still asks the vendor once and ends on its answer.

    Example:
        >>> [(w.start.day, w.stop.day) for w in windows(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 25), 10)]
        [(1, 11), (11, 21), (21, 25)]
        >>> windows(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1), 90) == [Window(dt.datetime(2024, 1, 1),
        ...                                                                        dt.datetime(2024, 1, 1))]
        True
    """
    if max_days < 1:
        raise ConfigError(f"a time window must span at least one day, not {max_days}")
    step = dt.timedelta(days=max_days)
    found = [Window(start, min(start + step, end))] if end > start else [Window(start, start)]
    while found[-1].stop < end:
        found.append(Window(found[-1].stop, min(found[-1].stop + step, end)))
    return found


def parse_local_time(value: str, utc_offset: dt.timezone) -> dt.datetime:
    """A vendor's time (``2024-01-05T09:30:00``, with or without fraction or offset) as naive local time.

    A time with an offset is moved to ``utc_offset`` first; a date alone is its midnight.

    Raises:
        ConfigError: the text is not an ISO 8601 date or time (a cursor or ``--since`` set by hand).

    Example:
        >>> parse_local_time("2024-01-05T01:30:00Z", dt.timezone(dt.timedelta(hours=8)))
        datetime.datetime(2024, 1, 5, 9, 30)
    """
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        raise ConfigError(f"{value!r} is not a date or time a time window can start at") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(utc_offset).replace(tzinfo=None)
    return parsed


@dataclass(frozen=True)
class ScrollSpelling:
    """The names a vendor's time-window scroll uses (Beisen's by default).

    Attributes:
        start, stop: the request fields of the window's bounds.
        scroll: the request field of the scroll id (empty on a window's first batch).
        next_scroll: the dotted path of the scroll id in an answer.
        last: the dotted path of the answer's "this was the window's last batch" flag.
        records: the dotted path of the records in an answer.
    """

    start: str = "startTime"
    stop: str = "stopTime"
    scroll: str = "scrollId"
    next_scroll: str = "scrollId"
    last: str = "isLastData"
    records: str = "data"


class TimeWindowPaginator(Paginator):
    """Scrolls each window of ``[request's start, now]`` in turn; see the module docstring.

    The first request names the first window's start in its JSON body (its stop is recomputed: the
    range ends at ``now`` when the pass starts or resumes). An empty batch, or one flagged last, ends
    its window and moves to the next (Beisen documents the empty ``data`` as the end and ``isLastData``
    as deprecated, so either counts); any other batch continues its window with the answer's scroll
    id, and one without a scroll id cannot be continued: a :class:`MalformedPageError`.

    Args:
        max_days: the longest window (Beisen: 90).
        now: the vendor's local time now (naive), when the pass starts.
        utc_offset: the offset the vendor's times are in (to read a cursor that carries one).
        spelling: the vendor's field names.

    Example:
        >>> p = TimeWindowPaginator(max_days=90, now=dt.datetime(2024, 6, 1))
        >>> p.init_request(PageRequest("/Employee/GetByTimeWindow", json={"startTime": "2024-01-01T00:00:00",
        ...                                                               "scrollId": "expired"})).json
        {'startTime': '2024-01-01T00:00:00', 'scrollId': '', 'stopTime': '2024-03-31T00:00:00'}
    """

    def __init__(self, *, max_days: int, now: dt.datetime, utc_offset: dt.timezone = dt.UTC,
                 spelling: ScrollSpelling = ScrollSpelling()) -> None:  # fmt: skip
        super().__init__()
        self.max_days, self.now, self.utc_offset, self.spelling = max_days, now, utc_offset, spelling
        self._windows: list[Window] = []

    def init_request(self, request: PageRequest) -> PageRequest:
        """The request of the first batch of the window ``request`` starts, its scroll id dropped."""
        body = request.json if isinstance(request.json, Mapping) else {}
        start = body.get(self.spelling.start)
        if not isinstance(start, str):
            raise ConfigError(f"a time-window request needs its window's start in {self.spelling.start!r}")
        self._windows = windows(parse_local_time(start, self.utc_offset), self.now, self.max_days)
        return super().init_request(self._window_request(replace(request, json=dict(body)), self._windows[0]))

    def update_state(self, response: httpx.Response, records: list[Any]) -> None:
        body = response.json()
        current = self._first.json
        if not records or select(body, self.spelling.last):
            self._next = self._after(current[self.spelling.start])
            return
        scroll = select(body, self.spelling.next_scroll)
        if not isinstance(scroll, str) or not scroll:
            raise MalformedPageError("a time-window batch is not the last, but carries no scroll id to continue with",
                                     status=response.status_code)  # fmt: skip
        self._next = replace(self._first, json={**current, self.spelling.scroll: scroll})

    def _after(self, start: str) -> PageRequest | None:
        """The first request of the window after the one starting at ``start``; None after the last."""
        starts = [w.start.strftime(TIME_FORMAT) for w in self._windows]
        following = starts.index(start) + 1
        if following >= len(self._windows):
            return None
        self._first = self._window_request(self._first, self._windows[following])
        return self._first

    def _window_request(self, request: PageRequest, window: Window) -> PageRequest:
        return replace(request, json={**request.json, self.spelling.start: window.start.strftime(TIME_FORMAT),
                                      self.spelling.scroll: "", self.spelling.stop: window.stop.strftime(TIME_FORMAT)})


def _expired(error: ConnectorError, codes: frozenset[str]) -> bool:
    return str(error.context.get("vendor_code")) in codes


def scroll_pages(
    client: HttpClient, request: PageRequest, paginator: Callable[[], TimeWindowPaginator], *,
    expired_codes: Iterable[str], max_restarts: int, records_path: str | None = None,
) -> Iterator[Page]:
    """Every page of a time-window pass from ``request``, a window whose scroll expired read again.

    An answer carrying one of ``expired_codes`` (the envelope's ``vendor_code``) to a *continued*
    scroll — one with a scroll id — starts that window over, at most ``max_restarts`` times a window;
    the same code on a window's first batch has no scroll to blame and is raised, as is any other
    error. See the module docstring for why the re-read records are harmless.

    Args:
        client: the connector's client (auth, retries, envelope).
        request: the pass's first request, or the checkpoint it resumes from.
        paginator: a factory of fresh paginators (one per attempt at a window).
        expired_codes: the vendor codes of an expired scroll.
        max_restarts: how often one window may be started over before the error is raised.
        records_path: where the records are in an answer (default: the paginator's spelling).
    """
    codes = frozenset(str(code) for code in expired_codes)
    restarts: dict[str, int] = {}
    at, continued = request, False  # the request in flight; whether it continues a scroll (a resumed one does not)
    while True:
        fresh = paginator()
        try:
            for page in client.paginate(at.url, fresh, method="POST", params=at.params, json=at.json,
                                        records_path=records_path or fresh.spelling.records):  # fmt: skip
                if page.next_request is not None:
                    at, continued = page.next_request, bool(page.next_request.json.get(fresh.spelling.scroll))
                yield page
            return
        except ConnectorError as exc:
            window = str(at.json.get(fresh.spelling.start))
            if not continued or not _expired(exc, codes) or restarts.get(window, 0) >= max_restarts:
                raise
            restarts[window] = restarts.get(window, 0) + 1
            continued = False  # `at` is still in its window; init_request drops its scroll id: the window starts over
