"""The store's benchmarks still run: their figures are issue 4's evidence, so they must not rot.

Run small, for their output only; the figures themselves are never asserted (benchmarks are read,
not tested).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def run_bench(script: str, *args: str) -> str:
    done = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True, text=True, timeout=300,
                          check=False, cwd=BENCH)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(
    ("script", "args", "lines"),
    [
        ("bench_store.py", ("--records", "1000", "--batch", "250"),
         ("first load", "unchanged re-upsert", "reference Core insert", "first load / reference")),
        ("bench_store_floor.py", ("--records", "1000", "--batch", "250"),
         ("first load", "database floor", "split, CPU", "primitive floor", "floor, CPU", "unchanged re-upsert", "re-upsert floor")),
    ],
)  # fmt: skip
def test_each_store_bench_reports_every_figure(script: str, args: tuple[str, ...], lines: tuple[str, ...]) -> None:
    output = run_bench(script, *args)
    for label in lines:
        assert re.search(rf"^\s*{re.escape(label)}: .*\d", output, re.MULTILINE), f"{label!r} missing from:\n{output}"
