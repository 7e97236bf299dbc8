"""Stages: what a command adds to the one record path, batch by batch, without a copy of the path.

Every record is transformed the same way whichever command brought it
(:mod:`hub.core.record_transform`) and written with :meth:`~hub.core.store.Store.upsert_prepared`
in the batch's transaction. A command that must prove more — a migration holds back duplicates by
blind index, follows references, keeps a resume ledger and reports unmapped columns — plugs a
:class:`Stage` in: the writing process calls :meth:`Stage.check` on each transformed batch, in
order, before the batch's transaction, and :meth:`Stage.finish` after the last batch.

A stage may reject records of the batch (it moves them to the batch's findings, so they are not
written); it never writes to the store itself: the batch's transaction belongs to the path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, Protocol, TypeVar

__all__ = ["Stage", "Stages"]

BatchT = TypeVar("BatchT", contravariant=True)
FindingT = TypeVar("FindingT", covariant=True)


class Stage(Protocol[BatchT, FindingT]):
    """One check plugged into the record path."""

    def check(self, batch: BatchT) -> None:
        """Look at (and possibly reject records of) one transformed batch, before it is written."""

    def finish(self) -> list[FindingT]:
        """What only the whole input shows, after its last batch (e.g. a reference never resolved)."""


class Stages(Generic[BatchT, FindingT]):
    """The stages of one run, called in the order given (a later stage sees what an earlier rejected)."""

    def __init__(self, stages: Sequence[Stage[BatchT, FindingT]]) -> None:
        self.stages = tuple(stages)

    def check(self, batch: BatchT) -> None:
        for stage in self.stages:
            stage.check(batch)

    def finish(self) -> list[FindingT]:
        return [finding for stage in self.stages for finding in stage.finish()]
