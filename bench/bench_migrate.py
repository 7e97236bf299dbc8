"""Benchmark: validate and migrate a generated legacy CSV export into SQLite (target: ≥ 10,000 rows/s,
peak memory < 300 MB for 1,000,000 rows).

Prints rows/s, peak RSS (the largest of this process and its forked producers) and the CPU time of
both; with ``--profile``, where the time goes in this process, grouped by module, so the owner of
the slow part is known (``--in-process`` keeps the producer's work in the profile too).

Usage::

    .venv/bin/python bench/bench_migrate.py --rows 1000000
    .venv/bin/python bench/bench_migrate.py --rows 20000 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hub.core.crypto import KeyRing  # noqa: E402
from hub.core.migrate import FileSource, JobSettings, Migration, StoreTarget, Thresholds  # noqa: E402
from hub.core.store import Store  # noqa: E402
from hub.examples import generate_legacy_export  # noqa: E402


def _by_module(stats: pstats.Stats, top: int = 15) -> list[tuple[str, float]]:
    """Own time (tottime) summed per module: which code, and so which owner, the time is spent in."""
    totals: Counter[str] = Counter()
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        path = filename.replace(str(REPO) + "/", "")
        if "site-packages/" in path:
            path = "site-packages/" + path.split("site-packages/", 1)[1].split("/", 1)[0]
        totals[path] += tottime
    return totals.most_common(top)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mib() -> float:
    """Peak resident memory of this process and of its largest finished child, MiB (Linux reports KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--in-process", action="store_true", help="map and validate in this process (no forked producer)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-migrate-") as folder:
        work = Path(folder)
        export = work / "export.csv"
        started = time.perf_counter()
        gen = generate_legacy_export
        gen.write_csv(export, gen.generate_rows(args.rows), encoding="gbk")
        print(f"generated {args.rows:,} rows ({export.stat().st_size / 1e6:.0f} MB GBK CSV) in {time.perf_counter() - started:.1f}s")
        store = Store.open(f"sqlite:///{work / 'bench.db'}", KeyRing.generate())
        store.upgrade()
        source = FileSource({"path": str(export), "export": "legacy_ai_interview"})
        job = JobSettings(source=source.settings, batch_size=args.batch_size, thresholds=Thresholds(max_error_rate=0.01))
        migration = Migration(job, source, StoreTarget(store, source.system), workdir=work, progress=False,
                              parallel=not args.in_process)  # fmt: skip
        profiler = cProfile.Profile() if args.profile else None
        started, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
        if profiler:
            profiler.enable()
        result = migration.run()
        if profiler:
            profiler.disable()
        elapsed, cpu, children = time.perf_counter() - started, time.process_time() - cpu, _children_cpu() - children
        peak = _peak_rss_mib()
        print(f"migrated {result.state['rows']:,} rows in {elapsed:.1f}s: {result.state['rows'] / elapsed:,.0f} rows/s "
              f"(target 10,000), peak RSS {peak:.0f} MB (target < 300), status {'pass' if result.passed else 'fail'}")
        # On a shared machine wall time depends on the neighbours; CPU time says what the code costs.
        print(f"CPU time {cpu:.1f}s here + {children:.1f}s in producers: {result.state['rows'] / (cpu + children):,.0f} "
              f"rows per CPU-second; the busier process bounds the rate at {result.state['rows'] / max(cpu, children):,.0f} rows/s")
        print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if profiler:
            print("own time by module (profiled, so slower than above):")
            for module, seconds in _by_module(pstats.Stats(profiler)):
                print(f"  {seconds:8.1f}s  {module}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
