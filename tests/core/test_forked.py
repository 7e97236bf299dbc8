"""The forked producer: same items and errors as in-process, bounded lead, no orphan left behind."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from hub.core.errors import HubError, MappingError, RateLimitedError
from hub.core.forked import ahead, can_fork, worth_forking

pytestmark = pytest.mark.skipif(not can_fork(), reason="this platform has no fork(); ahead() runs in-process there")


def _numbers(count: int):
    return lambda: ({"n": n, "pid": os.getpid()} for n in range(count))


def test_items_arrive_in_order_from_another_process() -> None:
    items = list(ahead(_numbers(50)))
    assert [item["n"] for item in items] == list(range(50))
    assert {item["pid"] for item in items} != {os.getpid()}


@pytest.mark.parametrize("enabled", [True, False])
def test_an_error_is_raised_after_the_items_before_it(enabled: bool) -> None:
    def produce():
        yield 1
        yield 2
        raise MappingError("bad row", system="legacy", record_id="r7", field_path="a.b", value="1***")

    seen = []
    with pytest.raises(MappingError) as caught:
        for item in ahead(produce, enabled=enabled):
            seen.append(item)
    assert seen == [1, 2]
    assert caught.value.to_dict() == {"code": "mapping-error", "reason": "bad row", "system": "legacy",
                                      "record_id": "r7", "field_path": "a.b", "value": "1***"}


def test_an_unpicklable_error_arrives_as_a_hub_error_naming_it() -> None:
    class Local(Exception):  # a local class cannot be pickled
        pass

    def produce():
        raise Local("boom")
        yield

    with pytest.raises(HubError, match="Local: boom"):
        list(ahead(produce))


def test_every_hub_error_subclass_pickles_whole() -> None:
    error = RateLimitedError("slow down", retry_after=2.5, status=429, system="greenhouse", stream="applications")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is RateLimitedError and copy.retry_after == 2.5 and str(copy) == str(error) and copy.to_dict() == error.to_dict()


def test_the_child_runs_at_most_depth_items_ahead(tmp_path) -> None:
    marks = tmp_path / "produced"

    def produce():
        for n in range(100):
            with marks.open("a") as out:
                out.write(f"{n}\n")
            yield n

    items = ahead(produce, depth=2)
    assert next(items) == 0
    time.sleep(0.5)
    produced = len(marks.read_text().split())
    items.close()
    # taken 1, 2 queued, 1 blocked in put(), the queue's feeder holding one more
    assert produced <= 5


def _mark_spared(item: dict) -> None:
    item["spared_in"] = os.getpid()


def test_spare_work_is_done_in_the_child_only_while_the_parent_is_behind() -> None:
    """A slow consumer: the child finds the queue full and does the spare work on the items it
    holds, which arrive with it done; a fast consumer (and the in-process fallback) gets none."""
    slow = []
    for item in ahead(_numbers(8), depth=1, spare=_mark_spared):
        time.sleep(0.2)
        slow.append(item)
    assert [item["n"] for item in slow] == list(range(8))
    assert {item.get("spared_in") for item in slow[2:]} == {slow[0]["pid"]} != {os.getpid()}
    fast = list(ahead(lambda: ({"n": n} for n in range(3)), depth=50, spare=_mark_spared))
    in_process = list(ahead(_numbers(3), depth=1, spare=_mark_spared, enabled=False))
    assert not [item for item in fast + in_process if "spared_in" in item]


def test_closing_early_kills_the_child() -> None:
    pids = []

    def produce():
        for n in range(10_000):
            yield os.getpid()

    items = ahead(produce)
    pids.append(next(items))
    items.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)


def test_the_child_dies_with_a_killed_parent(tmp_path) -> None:
    pid_file = tmp_path / "child.pid"
    script = textwrap.dedent(f"""
        import os, time
        from hub.core.forked import ahead
        def produce():
            open({str(pid_file)!r}, "w").write(str(os.getpid()))
            while True:
                yield 1
        for _ in ahead(produce):
            time.sleep(0.01)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=os.getcwd())
    for _ in range(200):
        if pid_file.exists() and pid_file.read_text():
            break
        time.sleep(0.05)
    child = int(pid_file.read_text())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    for _ in range(100):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(child, signal.SIGKILL)
    pytest.fail("the producer outlived its SIGKILLed parent")


def test_the_default_policy_forks_only_with_a_second_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sync and migration share it: on one CPU a forked producer only adds pickling."""
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert worth_forking() is False
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert worth_forking() is True
