"""A progress bar with rate and ETA for long migrations, on stderr so reports on stdout stay clean.

Example:
    >>> with Progress(total=None, enabled=False) as bar:
    ...     bar.advance(10)
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.progress import Progress as _Rich

__all__ = ["Progress"]


class Progress:
    """Rows done out of ``total`` (``None`` when the source cannot tell), rows/s and time remaining.

    Example:
        >>> with Progress(total=100, enabled=False) as bar:
        ...     bar.advance(100)
    """

    def __init__(self, total: int | None, *, enabled: bool = True, description: str = "migrating") -> None:
        self._rich = _Rich(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]} rows/s"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=not enabled,
        )
        self._task = self._rich.add_task(description, total=total, rate="–")

    def __enter__(self) -> Progress:
        self._rich.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._rich.stop()

    def advance(self, rows: int) -> None:
        self._rich.advance(self._task, rows)
        speed = self._rich.tasks[0].speed
        self._rich.update(self._task, rate=f"{speed:,.0f}" if speed else "–")
