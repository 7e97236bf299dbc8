"""Required fault test: a sync SIGKILLed at many random points, rerun, ends with exactly the source.

The sync runs in a subprocess (``run_sync.py``) against the fault server in this process, over real
sockets, into a SQLite file. Each child is killed after a random number of committed pages (0–4) plus
a random delay (0–8 ms), both drawn from a seeded generator, so kills land anywhere: before the first
request, mid-transfer, inside a page's transaction, between commits. A *kill point* is the number of records committed when the kill
landed; the loop runs until 50 distinct kill points were hit, then lets a last run finish.

The source must outlast those 50 kills: once every record is committed, later kills all land on the
same point. A faster machine commits more pages during each delay, so the source is long (720 pages)
and the delays short. Here (November 2026) 50 points took ~61 kills and a third of the source, so a
machine about three times as fast still passes; with 360 pages and delays up to 15 ms, this machine
ran out of source at 48-49 points.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.core.crypto import KeyRing
from hub.core.store import Store
from hub.core.store import schema as t
from tests.support.fault_server import FaultServer
from tests.sync.conftest import state, stored_ids, versions
from tests.sync.connector import record

RUNNER = Path(__file__).with_name("run_sync.py")
RECORDS = 18000  # 720 pages of 25
BAD = {13, 1999, 5777}  # records without a name: exactly one dead letter each, whatever the kills


def committed_records(store: Store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(t.change_log)).scalar_one()


@pytest.mark.slow
def test_sigkill_at_random_points_then_rerun_loses_and_duplicates_nothing(tmp_path) -> None:
    rng = random.Random(20240601)
    ring = KeyRing.generate()
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    store = Store.open(url, ring)
    store.upgrade()
    env = {**os.environ, "HUB_KEYS": ring.to_json()}
    records = [record(i, name=None) if i in BAD else record(i) for i in range(1, RECORDS + 1)]
    kill_points: set[int] = set()
    kills = 0
    with FaultServer(records=records, page_size=25) as server:
        command = [sys.executable, str(RUNNER), url, server.base_url]

        def spawn() -> subprocess.Popen[str]:
            return subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, text=True)

        waiting = deque([spawn()])  # the next child imports while this one runs, so imports do not pace the kills
        while len(kill_points) < 50 and kills < 200:
            child = waiting.popleft()
            assert child.stdout.readline().strip() == "ready"
            waiting.append(spawn())
            child.stdin.write("go\n")
            child.stdin.flush()
            pages, delay = rng.randint(0, 4), rng.uniform(0.0, 0.008)
            lines = [child.stdout.readline() for _ in range(pages)]
            if any(line.startswith("done") for line in lines):
                break  # the run finished before the kill: no kill points left to find
            time.sleep(delay)
            child.send_signal(signal.SIGKILL)
            child.wait()
            kills += 1
            kill_points.add(committed_records(store))
        for spare in waiting:
            spare.kill()
            spare.wait()
        final = subprocess.run(command, env=env, input="go\n", capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr
    assert final.stdout.split()[-1] == "succeeded"
    assert len(kill_points) >= 50, f"only {len(kill_points)} distinct kill points in {kills} kills"

    expected = [str(i) for i in range(1, RECORDS + 1) if i not in BAD]
    assert stored_ids(store) == expected  # none lost, none duplicated
    assert set(versions(store)) == {1}  # replayed pages changed nothing
    assert committed_records(store) == len(expected)  # one change-log entry per record, ever
    assert sorted(letter.record_ref for letter in store.dead_letters(limit=100)) == sorted(str(i) for i in BAD)
    saved = state(store)
    assert not saved.in_pass
    assert saved.since == max(r["updated_at"] for r in records)
