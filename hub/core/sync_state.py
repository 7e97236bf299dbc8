"""The checkpoint of one sync stream: a value object saved as the stream's cursor, page by page.

Why the checkpoint holds more than "the largest ``updated_at`` seen": vendors do not promise to list
records in ``updated_at`` order, so moving the incremental filter forward after each page would skip
the records of later pages that are older than an earlier page's newest one. Instead a *pass* (one
complete listing) keeps the filter it started with (``pass_since``) and remembers the exact request
of its next page (``resume``); the largest value seen (``max_seen``) becomes the next pass's filter
(``since``) only when the pass has listed everything. A crash therefore resumes at the next
unprocessed page of the same pass, and a replayed page is harmless because upserts are idempotent.

A pass has up to two phases: ``records`` (the stream's list endpoint) and ``tombstones`` (its
deleted-records endpoint, if it has one). A pass started by ``--full-refresh`` also gets an id
(``seen_pass``) under which the store remembers every external id the pass listed
(:meth:`~hub.core.store.Store.record_seen`, committed with each page), so that at its end everything
else of that system and kind can be marked deleted — the ids stay in the database, not in the
checkpoint, which stays small however many records the pass lists.

Example:
    >>> state = StreamState(since="2024-01-01T00:00:00Z").begin(full_refresh=False)
    >>> state = state.after_page(next_request=None, newest="2024-03-01T00:00:00Z")
    >>> state.in_pass, state.max_seen
    (False, '2024-03-01T00:00:00Z')
    >>> state.finish().since
    '2024-03-01T00:00:00Z'
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass, replace
from typing import Any

from hub.core.errors import StoreError
from hub.core.paginators import PageRequest

__all__ = ["StreamState", "later"]

RECORDS, TOMBSTONES = "records", "tombstones"


def _comparable(value: str) -> tuple[int, Any]:
    """Order ISO 8601 times as instants, numbers as numbers, anything else as text."""
    try:
        return 0, dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)
    except (ValueError, TypeError):
        pass
    try:
        return 1, float(value)
    except ValueError:
        return 2, value


def later(a: str | None, b: str | None) -> str | None:
    """The later of two incremental values, keeping the vendor's own spelling of the winner.

    Example:
        >>> later("2024-01-02T00:00:00+08:00", "2024-01-01T17:00:00Z")
        '2024-01-01T17:00:00Z'
        >>> later(None, "9"), later("10", "9")
        ('9', '10')
    """
    if a is None or b is None:
        return b if a is None else a
    ka, kb = _comparable(a), _comparable(b)
    if ka[0] != kb[0]:
        return max(a, b)
    return b if kb[1] > ka[1] else a


@dataclass(frozen=True)
class StreamState:
    """Where a stream stands; see the module docstring.

    Attributes:
        since: the incremental value the next pass filters from (None: from the beginning).
        pass_since: the filter of the pass under way.
        max_seen: the largest incremental value the pass under way has seen.
        resume: the request of the next page of the pass under way; None when no pass is under way.
        phase: ``records`` or ``tombstones``.
        full_refresh: the pass under way was asked for with ``--full-refresh``.
        seen_pass: the id under which the store keeps the external ids the full-refresh pass
            under way has listed (None: not tracked).
    """

    since: str | None = None
    pass_since: str | None = None
    max_seen: str | None = None
    resume: PageRequest | None = None
    phase: str = RECORDS
    full_refresh: bool = False
    seen_pass: str | None = None

    @property
    def in_pass(self) -> bool:
        """True while a pass has pages left to fetch (a crash left it unfinished, or it is running)."""
        return self.resume is not None

    def begin(self, *, full_refresh: bool, since: str | None = None, track_seen: bool = False) -> StreamState:
        """A new pass: from ``since`` if given, from nothing on a full refresh, else from :attr:`since`."""
        start = None if full_refresh else (since if since is not None else self.since)
        return replace(self, pass_since=start, max_seen=None, resume=None, phase=RECORDS,
                       full_refresh=full_refresh, seen_pass=uuid.uuid4().hex if track_seen else None)

    def at(self, request: PageRequest) -> StreamState:
        """The pass under way, about to fetch ``request``."""
        return replace(self, resume=request)

    def after_page(self, *, next_request: PageRequest | None, newest: str | None = None) -> StreamState:
        """The state once a page is committed: its newest cursor value counted, ``resume`` moved on."""
        return replace(self, max_seen=later(self.max_seen, newest), resume=next_request)

    def enter_tombstones(self, first: PageRequest) -> StreamState:
        """Switch the pass under way to its tombstones phase."""
        return replace(self, phase=TOMBSTONES, resume=first)

    def finish(self) -> StreamState:
        """The pass is complete: its newest value becomes the next pass's filter."""
        return StreamState(since=later(self.since if self.full_refresh else self.pass_since, self.max_seen))

    # -- persistence (the value of the stream's row in sync_cursors)

    def to_json(self) -> str:
        data = asdict(self)
        data["resume"] = asdict(self.resume) if self.resume is not None else None
        return json.dumps({k: v for k, v in data.items() if v not in (None, False)}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None, *, where: str = "") -> StreamState:
        """Parse a saved cursor; a bare value (an older cursor, or one set by hand) is taken as ``since``."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
        except ValueError:
            return cls(since=text)
        if not isinstance(data, dict):
            return cls(since=str(data))
        try:
            resume = data.pop("resume", None)
            return cls(**data, resume=PageRequest(**resume) if resume else None)
        except TypeError as exc:
            raise StoreError(f"the saved cursor {where} is not a sync state: {exc}") from None
