"""What every fuzz test asserts, and how many examples it gets.

A hostile input must end in a result or in a :class:`~hub.core.errors.HubError` — never in another
exception type, never in a hang, never in a memory blow-up. :func:`outcome` runs one call under those
budgets: any other exception propagates and fails the example (hypothesis then shrinks it to the
smallest input that still fails), and so do the budgets:

* time: hypothesis's ``deadline`` fails an example that took too long once it returns; a hang never
  returns, so :func:`outcome` also arms a ``SIGALRM`` at :data:`HANG_SECONDS` that interrupts it;
* memory: the process may grow by at most :data:`MEMORY_BYTES` of address space during the call
  (``RLIMIT_AS`` set above its size when the call starts, on Linux), so a blow-up is a
  ``MemoryError`` the moment it happens — in Python objects and C buffers (expat, zlib) alike —
  instead of a swapping machine. It costs nothing per allocation (``tracemalloc`` made the readers
  several times slower, which the time budget then measured) and, unlike ``getrusage``'s lifetime
  high-water mark, it is per example.

The profile is picked by ``HUB_FUZZ_PROFILE`` (see :data:`PROFILES`): ``ci``, the default, is
bounded and derandomized, so the whole of tests/fuzz takes well under a minute on two cores and a
failure in CI fails the same way on a laptop; ``long`` draws fresh random examples for a hunt.
"""

from __future__ import annotations

import os
import resource
import signal
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings

from hub.core.errors import HubError

__all__ = ["FUZZ", "HANG_SECONDS", "MEMORY_BYTES", "PROFILE", "PROFILES", "outcome", "written"]

T = TypeVar("T")

HANG_SECONDS = 20
MEMORY_BYTES = 512 << 20

_COMMON = {"suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large], "deadline": 3000}
PROFILES = {
    "ci": settings(max_examples=40, derandomize=True, print_blob=True, **_COMMON),
    "long": settings(max_examples=2000, **_COMMON),
}
PROFILE = os.environ.get("HUB_FUZZ_PROFILE", "ci")
#: The settings every fuzz test runs with: ``@FUZZ`` above ``@given``.
FUZZ = PROFILES[PROFILE]


class _Hang(BaseException):
    """Raised by the alarm: a BaseException, so no ``except Exception`` in the code under test eats it."""


def outcome(call: Callable[[], T]) -> T | HubError:
    """Run ``call`` within the time and memory budgets; its result, or the hub error it raised.

    Raises:
        AssertionError: the call hung.
        MemoryError: the call grew the process by more than :data:`MEMORY_BYTES`.
        Exception: whatever else the call raised — the bug the fuzzer is looking for.
    """

    def hang(signum: int, frame: Any) -> None:
        raise _Hang

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(HANG_SECONDS)
    try:
        with _memory_cap(MEMORY_BYTES):
            return call()
    except HubError as error:
        return error
    except _Hang:
        raise AssertionError(f"no outcome after {HANG_SECONDS} s: the input hangs the code") from None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _memory_cap(extra: int) -> Iterator[None]:
    """Let the process's address space grow by at most ``extra`` bytes inside the block (Linux:
    its size is read from /proc; elsewhere the block runs uncapped)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            size = int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = size + extra if hard == resource.RLIM_INFINITY else min(size + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextmanager
def written(data: bytes, name: str) -> Iterator[Path]:
    """``data`` as a file called ``name`` in a fresh folder (hypothesis runs many examples per test,
    so pytest's function-scoped ``tmp_path`` would be shared by all of them)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        yield path
