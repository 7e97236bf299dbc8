"""Resuming a migration where its checkpoint ended, only if the source is still the one it read.

A resumed run reads its source again from the start (a file) or lists it again (an API) and skips
the rows its checkpoint covers, by number. This module decides which rows those are, and refuses
when the source has moved under the checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.core.crypto import KeyRing
from hub.core.errors import SourceChangedError

__all__ = ["ResumePoint"]


@dataclass
class ResumePoint:
    """Where a resumed run picks its source up: the last row its checkpoint covers, by number,
    label and keyed fingerprint of the row as read (no PII in the checkpoint).

    Why: a resumed run reads its source again from the row numbered :attr:`number` and skips the
    rows the checkpoint covers. Records added or removed upstream since (a re-exported file, a
    live API) shift the numbers, and the skip would then drop records never written. So that row
    must still be there, unchanged, before any row after it is taken; otherwise
    :class:`~hub.core.errors.SourceChangedError` stops the run before it writes anything.

    Example:
        >>> ring = KeyRing.generate()
        >>> point = ResumePoint(7, "a.csv:7", ring.content_hash(b'{"id":"1"}'), ring, "legacy")
        >>> point.covers(7, b'{"id":"1"}'), point.covers(8, b'{"id":"2"}')
        (True, False)
        >>> ResumePoint(7, "a.csv:7", ring.content_hash(b'{"id":"1"}'), ring, "legacy").covers(7, b'{"id":"9"}')
        Traceback (most recent call last):
        ...
        hub.core.errors.SourceChangedError: [source-changed] legacy: the row a.csv:7 that the checkpoint ended on is not in the source as it was; records were added, removed or changed upstream since the interruption. Start a new run instead (records already written are updated in place, never duplicated)
    """

    number: int
    record: str | None
    fingerprint: str | None
    keyring: KeyRing
    system: str
    seen: bool = False

    @classmethod
    def of(cls, state: dict[str, Any], keyring: KeyRing, system: str) -> ResumePoint:
        """The resume point a checkpoint's state holds (number 0 for a fresh run: nothing to skip)."""
        return cls(state["position"], state.get("position_record"), state.get("position_fingerprint"), keyring, system)

    def covers(self, number: int | None, seen_as: bytes) -> bool:
        """True for a row the checkpoint covers (skip it); raises SourceChangedError when the source moved.

        ``seen_as`` is the row as read (its JSON), whose keyed hash the checkpoint's fingerprint is.
        """
        if number is None or self.fingerprint is None:  # an unparsable line, or nothing to check
            return number is not None and number <= self.number
        if number < self.number:
            return True
        if number == self.number:
            if self.keyring.content_hash(seen_as) != self.fingerprint:
                raise self._changed()
            self.seen = True
            return True
        if not self.seen:
            raise self._changed()
        return False

    def finish(self) -> None:
        """At the source's end: the checkpoint's row must have been seen (a shorter source moved too)."""
        if self.fingerprint is not None and not self.seen:
            raise self._changed()

    def _changed(self) -> SourceChangedError:
        return SourceChangedError(
            f"the row {self.record} that the checkpoint ended on is not in the source as it was; records were added, "
            "removed or changed upstream since the interruption. Start a new run instead (records already written "
            "are updated in place, never duplicated)", system=self.system,
        )  # fmt: skip
