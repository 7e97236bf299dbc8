"""Replaying dead letters: a stored raw record goes through its stream's pipeline once more.

A record lands in dead letters with its raw payload (encrypted by the store). After the mapping, a
validator or the source data was fixed, :func:`retry_dead_letters` decrypts each payload and sends it
through the same :class:`~hub.core.sync_pipeline.RecordPipeline` a sync uses. A letter whose record
now stores is ``resolved``; one that fails again stays ``open`` with the new error and one more
attempt. Page-level letters (a page that could not be fetched) carry no payload: they are replayed by
running ``hub sync`` again, which resumes at that page, so they are skipped with that advice. Letters of
deliveries that gave up put their outbox entry back in the queue for the next ``hub deliver``.

Example:
    >>> report = retry_dead_letters(store, {"greenhouse": connector})   # doctest: +SKIP
    >>> len(report.resolved), len(report.failed)                        # doctest: +SKIP
    (12, 1)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hub.core.connector import RestConnector
from hub.core.delivery.outbox import DELIVERY_STREAM_PREFIX
from hub.core.errors import ConfigError
from hub.core.store import DeadLetter, Outbox, Store
from hub.core.sync import pipeline_for
from hub.core.sync_pipeline import Validator

__all__ = ["RetryReport", "retry_dead_letters"]


@dataclass
class RetryReport:
    """What a replay did: letters resolved, failed again, and skipped with the reason.

    Example:
        >>> RetryReport(resolved=["a"], skipped={"b": "no payload"}).resolved
        ['a']
    """

    resolved: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def retry_dead_letters(
    store: Store,
    connectors: Mapping[str, RestConnector],
    *,
    ids: Sequence[str] | None = None,
    validators: Sequence[Validator] = (),
    limit: int = 1000,
) -> RetryReport:
    """Replay open dead letters (all of them, or those in ``ids``) through their stream's pipeline.

    Args:
        store: the open store.
        connectors: configured connectors by their hub.yaml name (a letter's ``system``).
        ids: only these letters.
        validators: the registry's record validators.
        limit: at most this many letters per call.
    """
    report = RetryReport()
    wanted = set(ids) if ids is not None else None
    for letter in store.dead_letters(status="open", with_payload=True, limit=limit):
        if wanted is not None and letter.id not in wanted:
            continue
        if letter.stream and letter.stream.startswith(DELIVERY_STREAM_PREFIX):
            _requeue_delivery(store, letter, report)
            continue
        reason = _skip_reason(letter, connectors)
        if reason:
            report.skipped[letter.id] = reason
            continue
        connector = connectors[letter.system]
        with connector.client() as client, store.transaction() as tx:
            pipeline = pipeline_for(connector, connector.stream(letter.stream or ""), store, client=client,
                                    key=letter.system, validators=validators)
            batch = pipeline.process(tx, [letter.payload])
            error = batch.failures[0][1].to_dict() if batch.failures else None
            store.settle_dead_letter(tx, letter.id, error=error)
        (report.failed if error else report.resolved).append(letter.id)
    return report


def _requeue_delivery(store: Store, letter: DeadLetter, report: RetryReport) -> None:
    """A delivery that gave up goes back into the outbox (as ``hub outbox retry`` does); the letter is resolved."""
    entry_id = int(str(letter.record_ref).split(":", 1)[1])
    try:
        Outbox(store).retry(entry_id)
    except ConfigError as exc:
        report.skipped[letter.id] = exc.reason
        return
    with store.transaction() as tx:
        store.settle_dead_letter(tx, letter.id, error=None)
    report.resolved.append(letter.id)


def _skip_reason(letter: DeadLetter, connectors: Mapping[str, RestConnector]) -> str | None:
    if letter.system not in connectors:
        return f"connector {letter.system!r} is not configured in hub.yaml"
    if letter.payload is None:
        return (f"not a record ({letter.error_code}); run `hub sync --connector {letter.system} "
                f"--stream {letter.stream}` to resume at the page that failed")
    return None

