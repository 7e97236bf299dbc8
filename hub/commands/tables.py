"""Tables the commands print: boxed and fitted to a terminal, whole when piped or redirected.

Rich fits a table to the console's width, and a console that is not a terminal is taken to be 80
columns wide, so `hub dead-letters list > letters.txt` cut the error column to "con… GET htt…".
Away from a terminal the width is left to the table, so every cell is written in full.
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

__all__ = ["print_table", "stdout_console"]

#: Wide enough for any row: a table is only as wide as its cells need.
_UNBOUNDED = 100_000


def stdout_console() -> Console:
    """The console for standard output: the terminal's width, or unbounded when not a terminal."""
    return Console() if sys.stdout.isatty() else Console(width=_UNBOUNDED)


def print_table(table: Table) -> None:
    """Print ``table`` to standard output, every cell whole unless a terminal's width cuts it."""
    stdout_console().print(table)
