"""Run a producer (an iterator) in a forked child process, so producing overlaps with consuming.

Why: the hub's pipelines are CPU-bound Python on both sides — fetching, parsing, mapping and
validating records on one side, encrypting and writing them on the other — and the GIL lets one
thread run at a time. A forked child gets a core of its own and inherits the producer as it is
(compiled mappings, plugin validators, the key ring: nothing has to be picklable but the items).
The consumer keeps everything that must stay in one place: the database transaction, the
checkpoint, the order of commits. So crash safety is unchanged: the child only computes, and
whatever it produced ahead of the last commit is produced again by the next run.

The child is at most ``depth`` items ahead (memory stays flat), dies with its parent (Linux
``PR_SET_PDEATHSIG``, elsewhere a watchdog thread), and an exception it raises is re-raised in the
parent, in order, after the items produced before it. Where ``fork`` does not exist (Windows) or
``enabled`` is false, the producer simply runs in-process: same items, same order, same errors.

Example:
    >>> list(ahead(lambda: (n * n for n in range(5))))
    [0, 1, 4, 9, 16]
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from hub.core.errors import HubError
from hub.core.gcpause import paused

__all__ = ["ahead", "can_fork", "worth_forking"]

T = TypeVar("T")

_ITEM, _ERROR, _END = "item", "error", "end"


def can_fork() -> bool:
    """Whether this platform can run a producer in a forked child."""
    return "fork" in multiprocessing.get_all_start_methods()


def worth_forking() -> bool:
    """The default for sync and migration alike: fork where it exists and a second CPU can run the child.

    On one CPU the two processes only take turns, and pickling every item across is pure overhead.
    """
    return can_fork() and (os.cpu_count() or 1) > 1


def ahead(
    produce: Callable[[], Iterable[T]],
    *,
    depth: int = 3,
    enabled: bool = True,
    in_child: Callable[[], None] | None = None,
    spare: Callable[[T], None] | None = None,
) -> Iterator[T]:
    """The items of ``produce()``, computed in a forked child up to ``depth`` items ahead.

    Args:
        produce: called in the child; what it returns is iterated there. Its items and any
            exception it raises must be picklable (a non-picklable exception arrives as a
            :class:`HubError` naming it).
        depth: how many items the child may have ready before the parent takes them.
        enabled: False (or a platform without ``fork``) runs ``produce()`` in this process.
        in_child: called first thing in the child, e.g. ``engine.dispose(close=False)`` so the
            child never touches the parent's database connections.
        spare: called in the child on an item that finds ``depth`` items already waiting (the
            parent is the busier process), before sending it: work the parent would otherwise do
            on the item (results cached in it), done in time the child would spend waiting.
            Never called in-process.

    Closing the iterator early (``break``, an exception in the consumer) kills the child.
    """
    if not enabled or not can_fork():
        yield from produce()
        return
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=max(1, depth))
    child = context.Process(target=_serve, args=(produce, queue, in_child, spare, os.getpid()), daemon=True)
    child.start()
    try:
        while True:
            kind, value = _take(queue, child)
            if kind == _END:
                break
            if kind == _ERROR:
                raise value
            yield value
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        queue.close()
        queue.cancel_join_thread()


def _take(queue: Any, child: Any) -> tuple[str, Any]:
    """The next message, or a HubError if the child died without saying why (killed, out of memory)."""
    while True:
        try:
            with paused():  # unpickling a page is a burst of acyclic containers
                return queue.get(timeout=0.5)
        except multiprocessing.queues.Empty:  # type: ignore[attr-defined]
            if not child.is_alive() and queue.empty():
                raise HubError(f"the producer process ended without a result (exit code {child.exitcode})") from None


def _serve(
    produce: Callable[[], Iterable[Any]], queue: Any, in_child: Callable[[], None] | None,
    spare: Callable[[Any], None] | None, parent: int,
) -> None:
    """The child: produce, send each item, then the end marker or the error."""
    _die_with(parent)
    gc.freeze()  # what the child inherited stays alive: its collections need not walk it
    try:
        if in_child is not None:
            in_child()
        for item in produce():
            if spare is not None and queue.full():
                spare(item)
            queue.put((_ITEM, item))
        queue.put((_END, None))
    except BaseException as exc:  # noqa: BLE001 — every failure must reach the parent, which decides
        queue.put((_ERROR, _picklable(exc)))
    finally:
        queue.close()
        queue.join_thread()


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 — whatever made it unpicklable, the parent still learns what it was
        return HubError(f"the producer failed with {type(exc).__name__}: {exc}")


def _die_with(parent: int) -> None:
    """End this child when the parent dies (a SIGKILLed sync must not leave its producer running)."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0:  # PR_SET_PDEATHSIG
                if os.getppid() != parent:  # the parent died before prctl took effect
                    os._exit(1)
                return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="hub-parent-watch", daemon=True).start()
