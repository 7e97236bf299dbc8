"""Events observers receive through the ``hub_event`` hook."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

__all__ = ["HubEvent"]


@dataclass(frozen=True)
class HubEvent:
    """Something that happened in a run, e.g. ``HubEvent("page_committed", run_id="r1", data={...})``.

    ``name`` is one of: run_started, page_committed, record_failed, run_finished, delivery_sent,
    delivery_failed. ``data`` never holds PII in plaintext.
    """

    name: str
    run_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
