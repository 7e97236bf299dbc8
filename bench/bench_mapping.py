"""Benchmark the mapping engine alone: CPU µs per record of ``CompiledMapping.to_entity``.

Sync and migration spend a large share of their CPU mapping and validating records; this isolates
that share, so a change to :mod:`hub.core.mapping` or :mod:`hub.core.transforms` can be measured
without HTTP, files or the store in the way. The records are the ones the real runs map:

* **greenhouse application** — records of :mod:`bench.greenhouse_server`'s generator, prepared by
  the Greenhouse connector's ``prepare_page`` exactly as sync does (nothing, for applications: the
  status key is the mapping's ``key`` rule), mapped with ``hub/mappings/hr_suites/greenhouse/application.yaml``.
* **legacy_ai_interview candidate / job / application / assessment** — rows of
  ``examples/generate_legacy_export.py`` written as a GBK CSV and read back by the file connector
  (column lists filled), each mapped with its mapping in ``hub/mappings/files/legacy_ai_interview/``.

Records are built before timing; each mapping maps all of them ``--repeat`` times and the best pass
is reported (CPU time, ``time.process_time``, so other processes on the machine barely matter).
Records the mapping rejects (the export's planted faults) count as mapped: their error is part of
the work.

Run::

    .venv/bin/python bench/bench_mapping.py                     # 20,000 records, best of 5
    .venv/bin/python bench/bench_mapping.py --records 5000 --repeat 3
    .venv/bin/python bench/bench_mapping.py --profile           # where the time goes, by function
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.greenhouse_server import record  # noqa: E402 — needs the path above
from hub.core.errors import HubError  # noqa: E402
from hub.core.mapping import CompiledMapping, load_mapping  # noqa: E402


def greenhouse_records(count: int) -> tuple[CompiledMapping, list[Any]]:
    """Greenhouse v3 applications prepared as the sync engine prepares them, and their mapping."""
    from plugins.hr_suites.greenhouse import Greenhouse

    connector = Greenhouse({"client_id": "bench", "client_secret": "bench"})
    stream = next(s for s in connector.streams if s.name == "applications")
    raw = [record("applications", i) for i in range(count)]
    prepared: list[Any] = []
    for start in range(0, count, 100):  # the server's page size
        prepared.extend(connector.prepare_page(None, stream, raw[start : start + 100]))  # type: ignore[arg-type]
    return load_mapping(connector.mapping_path(stream.mapping_file)), prepared


def legacy_rows(count: int, folder: Path) -> tuple[dict[str, CompiledMapping], list[Any]]:
    """Rows of the generated legacy export as the file connector reads them, and its mappings."""
    from plugins.files.export import FileExportConnector

    from hub.examples import generate_legacy_export as generator

    export = folder / "export.csv"
    generator.write_csv(export, generator.generate_rows(count), encoding="gbk")
    connector = FileExportConnector({"path": str(export), "export": "legacy_ai_interview"})
    rows = [row for row in connector.read("candidate") if not isinstance(row, HubError)]
    return connector.mappings, rows


def cpu_per_record(map_one: Callable[[Any], Any], records: list[Any], repeat: int) -> tuple[float, int]:
    """(best CPU µs per record over ``repeat`` passes, records rejected in a pass)."""
    best, rejected = float("inf"), 0
    for _ in range(repeat):
        rejected = 0
        started = time.process_time()
        for item in records:
            try:
                map_one(item)
            except HubError:
                rejected += 1
        best = min(best, time.process_time() - started)
    return best / len(records) * 1e6, rejected


def _to_entity(mapping: CompiledMapping, labelled: bool) -> Callable[[Any], Any]:
    if labelled:  # file rows name themselves in errors, as the file connector passes them
        return lambda row: mapping.to_entity(row, record_id=row.record_id)
    return mapping.to_entity


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="profile one pass of each mapping instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-mapping-") as folder:
        greenhouse, applications = greenhouse_records(args.records)
        legacy, rows = legacy_rows(args.records, Path(folder))
    cases = [("greenhouse application", _to_entity(greenhouse, False), applications)]
    cases += [(f"legacy {kind}", _to_entity(mapping, True), rows) for kind, mapping in legacy.items()]
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _, map_one, records in cases:
            cpu_per_record(map_one, records, 1)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return 0
    print(f"{args.records:,} records, best of {args.repeat} passes, CPU µs per record of to_entity")
    legacy_total = 0.0
    for name, map_one, records in cases:
        micros, rejected = cpu_per_record(map_one, records, args.repeat)
        legacy_total += micros if name.startswith("legacy") else 0.0
        print(f"  {name:<26} {micros:8.1f} µs" + (f"   ({rejected} rejected)" if rejected else ""))
    print(f"  {'legacy row (4 entities)':<26} {legacy_total:8.1f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
