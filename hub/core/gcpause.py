"""Keep the cyclic garbage collector out of the way of bulk record work: pause it, or make it rare.

The idea of Mercurial's ``util.nogc``. A batch of records allocates tens of thousands of containers
(parsed JSON, unpickled pages, rows) that reference counting frees on its own; meanwhile each
allocation threshold crossed starts a collection that walks every live object of the process and
frees nothing. Measured on the store's upsert that was about a quarter of a first load, and on
unpickling a page from the producer process (:mod:`hub.core.forked`) nine tenths of the time.

Example:
    >>> import gc
    >>> with paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused", "rare_collections", "settled"]


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block; afterwards the collector is as it was (off stays off)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def rare_collections(allocations: int = 1_000_000) -> Iterator[None]:
    """Run the garbage collector's young generation every ``allocations`` net allocations, not 700.

    Why: a migration batch keeps ~10^5 small objects alive (rows, entities, scores; ~130 a row), and
    every young collection while one is in use walks all of it (~90 ms). At 50,000 that still
    happened about once a batch in each process, 12–19 % of a run's CPU; at a million it does not
    happen at all, because the count is *net*: a batch freed after its write gives its allocations
    back. What is left to collect is what the run keeps growing, and reference cycles, of which a
    20,000-row run made a few hundred objects' worth. The previous thresholds are restored afterwards.
    """
    previous = gc.get_threshold()
    gc.set_threshold(allocations, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


@contextmanager
def settled() -> Iterator[None]:
    """Leave every object that exists now out of the collections inside the block (``gc.freeze``).

    Why: a full collection walks every object of the process — modules, pydantic's schemas,
    SQLAlchemy's metadata, the compiled mappings — though none of it becomes garbage during a run.
    Measured in a 50,000-record sync, three full collections took 0.2 s of the committing process
    (more than all its young collections together). Objects made inside the block are collected as
    usual, so the run's own reference cycles are still freed; afterwards the frozen objects return
    to the oldest generation (``gc.unfreeze``), so an inner block ends an outer one's freeze early:
    that costs time, never memory.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
