"""Benchmark: the file readers stream a large export in constant memory.

Writes a made-up export of N rows (default 1,000,000) with the example generator, then reads it
row by row and reports rows/s and the peak RSS sampled at 1%, 50% and 100% of the rows. Memory must
not grow with rows: the script exits 1 if the RSS at the end exceeds the RSS at 1% by more than
``--max-growth-mib`` (default 32 MiB).

Run (by hand or as a CI smoke check, never as a timed test)::

    .venv/bin/python bench/bench_file_reader.py                     # 1M rows, GBK CSV and JSONL
    .venv/bin/python bench/bench_file_reader.py --rows 100000 --formats xlsx
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from hub.examples import generate_legacy_export
from plugins.files.readers import read_rows



def _rss_mib() -> float:
    """Current resident set size (Linux /proc; falls back to the peak from getrusage)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(path: Path, rows: int) -> tuple[float, float, float]:
    """Read ``path`` fully; return (rows per second, RSS MiB at 1% of rows, RSS MiB at the end)."""
    early_at, early = max(rows // 100, 1), 0.0
    count = 0
    start = time.perf_counter()
    for count, _row in enumerate(read_rows(path), start=1):
        if count == early_at:
            early = _rss_mib()
    elapsed = time.perf_counter() - start
    assert count == rows, f"read {count} rows, expected {rows}"
    return rows / elapsed, early, _rss_mib()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--formats", default="csv,jsonl", help="comma-separated: csv (GBK), jsonl, xlsx")
    parser.add_argument("--max-growth-mib", type=float, default=32.0)
    args = parser.parse_args()
    gen = generate_legacy_export
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        for kind in args.formats.split(","):
            path = Path(folder) / f"export.{kind}"
            started = time.perf_counter()
            rows = gen.generate_rows(args.rows, faults=False, typed=kind == "xlsx")
            {"csv": lambda: gen.write_csv(path, rows, encoding="gbk"),
             "jsonl": lambda: gen.write_jsonl(path, rows),
             "xlsx": lambda: gen.write_xlsx(path, rows)}[kind]()  # fmt: skip
            written = time.perf_counter() - started
            rate, early, late = bench(path, args.rows)
            growth = late - early
            failed |= growth > args.max_growth_mib
            print(
                f"{kind:5} {args.rows:>9,} rows  {path.stat().st_size / 2**20:7.1f} MiB  "
                f"read {rate:>9,.0f} rows/s  RSS at 1%: {early:6.1f} MiB, at end: {late:6.1f} MiB "
                f"(growth {growth:+.1f} MiB)  [written in {written:.0f} s]"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the whole run (includes writing): {peak:.1f} MiB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
