"""Test helpers shared by several test packages: a fault-injecting HTTP server and a fake clock."""

from __future__ import annotations


class FakeClock:
    """A clock that only moves when something sleeps; records every sleep.

    Pass ``clock.time`` as both the monotonic and the wall clock and ``clock.sleep`` as the sleep
    function: retries then run instantly and tests can assert the exact waits.

    Example:
        >>> clock = FakeClock(start=100.0)
        >>> clock.sleep(2.5)
        >>> clock.time(), clock.sleeps
        (102.5, [2.5])
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        """Let time pass without counting it as a sleep (e.g. a token getting older)."""
        self.now += seconds
