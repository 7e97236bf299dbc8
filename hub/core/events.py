"""Events observers receive through the ``hub_event`` hook, and the one way runs send them.

Sync (:mod:`hub.core.sync`), delivery (:mod:`hub.core.delivery.runner`) and migration
(:mod:`hub.core.migrate.job`) each send their events through an :class:`Events`, so every
observer sees the same shape whichever command ran.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any


if TYPE_CHECKING:
    import pluggy

    from hub.core.errors import HubError

__all__ = ["Events", "HubEvent", "Listener", "emit_event"]

log = logging.getLogger("hub.plugins")  # observers are plugins: their failures log where plugin failures do


@dataclass(frozen=True)
class HubEvent:
    """Something that happened in a run, e.g. ``HubEvent("page_committed", run_id="r1", data={...})``.

    ``name`` is one of (``data`` never holds PII in plaintext; a failed record's error is
    :meth:`HubError.to_dict`, its value masked):

    * ``run_started``, ``run_finished`` — a sync or a migration began or ended (``data["engine"]``
      is ``sync`` or ``migrate``; run_finished carries the run's counters, and for a run an error
      ended, ``status`` ``failed`` or ``interrupted`` and the masked ``error``: every run_started is
      followed by one run_finished).
    * ``page_committed`` — a sync committed one page with its cursor (its counters).
    * ``batch_committed`` — a migration committed one batch with its checkpoint (rows so far).
    * ``record_failed`` — a record was rejected: a dead letter (sync, webhook) or a finding
      (migration); the typed error, and where (connector and stream, or the migration's row).
    * ``delivery_sent``, ``delivery_failed`` — the delivery runner handed an outbox entry to its
      target, or the target refused it (``data["retry"]``: it will be tried again; else it is dead).
    """

    name: str
    run_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))


def emit_event(pm: pluggy.PluginManager, event: HubEvent) -> None:
    """Give ``event`` to every ``hub_event`` observer; an observer that raises is logged and skipped."""
    for impl in pm.hook.hub_event.get_hookimpls():
        try:
            impl.function(event=event)
        except Exception:  # noqa: BLE001 — an observer must never break a run
            log.exception("hub_event observer %s failed on %s", impl.plugin_name, event.name)


#: An in-process observer (the CLI's progress display).
Listener = Callable[[HubEvent], None]


class Events:
    """Sends a run's events to the plugins' ``hub_event`` observers and to in-process listeners.

    Callers send an event only after the transaction it reports has committed (the hook's promise).

    Args:
        pm: the plugin manager (None: no plugin observers).
        listeners: in-process observers.
        run_id: the job run the events belong to (None for a webhook, which is no run).
    """

    def __init__(self, pm: pluggy.PluginManager | None = None, listeners: Sequence[Listener] = (),
                 run_id: str | None = None) -> None:  # fmt: skip
        self.pm, self.listeners, self.run_id = pm, tuple(listeners), run_id

    def __call__(self, name: str, **data: Any) -> None:
        event = HubEvent(name, run_id=self.run_id, data=data)
        if self.pm is not None:
            emit_event(self.pm, event)
        for listener in self.listeners:
            listener(event)

    def record_failed(self, error: HubError, **where: Any) -> None:
        """A ``record_failed`` event: the typed error (PII masked by whoever raised it) and where."""
        self("record_failed", **{**error.to_dict(), **where})
