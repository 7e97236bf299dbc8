"""The collector policies of bulk work: what they let the cyclic collector do, counted by its callbacks."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from hub.core.gcpause import paused, rare_collections, settled


@contextmanager
def young_collections() -> Iterator[list[int]]:
    """Count the collections of the young generation that start inside the block."""
    seen: list[int] = []

    def count(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 0:
            seen.append(1)

    gc.callbacks.append(count)
    try:
        yield seen
    finally:
        gc.callbacks.remove(count)


def batches(count: int, size: int) -> Iterator[list[dict]]:
    """Batches of small containers, each dropped by the consumer before the next: a migration's shape."""
    for _ in range(count):
        yield [{"row": n, "scores": [n, n + 1]} for n in range(size)]


def test_batches_freed_after_use_never_start_a_collection_under_rare_collections() -> None:
    with rare_collections(), young_collections() as seen:
        for batch in batches(12, 50_000):  # up to 200,000 containers alive, 1.2 million in all
            assert len(batch) > 0
    assert seen == []


def test_the_default_threshold_walks_such_batches_again_and_again() -> None:
    """The reason for the policy: without it the same work starts collections all the time."""
    with young_collections() as seen:
        for batch in batches(12, 50_000):
            assert len(batch) > 0
    assert len(seen) > 100


def test_rare_collections_restores_the_thresholds_and_paused_restores_the_collector() -> None:
    before = gc.get_threshold()
    with rare_collections(123_456):
        assert gc.get_threshold()[0] == 123_456
        with paused():
            assert not gc.isenabled()
        assert gc.isenabled()
    assert gc.get_threshold() == before


class _Node:
    """Something that can sit in a reference cycle and be watched through a weak reference."""


def test_settled_leaves_what_exists_out_of_collections_and_still_frees_new_cycles() -> None:
    existing = [[n] for n in range(10_000)]
    with settled():
        assert gc.get_freeze_count() >= len(existing)  # a full collection no longer walks them
        node = _Node()
        node.me = node  # type: ignore[attr-defined]
        watched = weakref.ref(node)
        del node
        gc.collect()
        assert watched() is None
    assert gc.get_freeze_count() == 0
