"""Benchmark an incremental Greenhouse sync end to end: hub vs dlt, side by side (issue 7, Performance).

The same local Greenhouse Harvest v3 look-alike (:mod:`bench.greenhouse_server`: 100 records a page,
Link-header cursors, ``updated_at=gte|…`` filter, bearer auth) is read twice per record count:

* **hub** — the real connector (:class:`plugins.hr_suites.greenhouse.Greenhouse`) through the real
  sync engine into a SQLite store: token fetch, paging, ``_hub`` preparation, mapping, validation,
  PII encryption, identity resolution, upsert, dead letters and the checkpoint per page. The stream's
  stored cursor is seeded first, so the pass is incremental (filtered by ``updated_at=gte|<cursor>``).
* **dlt** — ``dlt.sources.rest_api`` with paginator ``header_link`` and an incremental ``updated_at``
  parameter written the Greenhouse way, merged on ``id`` into SQLite through dlt's ``sqlalchemy``
  destination (extract + normalize + load).

Each measurement runs in its own process, so ``ru_maxrss`` is that run's peak memory; running 20,000
and 100,000 records shows whether memory is flat in the record count. The server pre-renders its
pages so neither side pays for generating data.

Each side runs ``--repeat`` times (default 3) per record count, hub and dlt alternating, and the
medians are reported, the ratio as the median of the runs' pairs: this machine's speed drifts by
up to half within minutes, and one run of each, minutes apart, could read either way.

Run (dlt is an optional dependency: ``pip install -e '.[bench]'``)::

    .venv/bin/python bench/bench_sync.py                      # 20,000 and 100,000 applications, 3 runs each
    .venv/bin/python bench/bench_sync.py --records 100000 --only hub --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.greenhouse_server import TOKEN, GreenhouseServer, timestamp  # noqa: E402 — needs the path above

SINCE = timestamp(0)  # every record is at or after it: the incremental pass lists them all
TARGET_RATE, TARGET_RATIO = 8_000, 3.0


def _peak_rss_mib() -> float:
    """Peak resident memory of this process and its finished children, MiB (Linux reports KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def run_hub(base_url: str, token_url: str, resource_name: str, records: int, workdir: Path) -> dict[str, Any]:
    """One incremental hub sync into a fresh SQLite store; the timed part is ``sync()`` alone."""
    from hub.core.crypto import KeyRing
    from hub.core.store import Store
    from hub.core.sync import sync
    from hub.core.sync_state import StreamState
    from plugins.hr_suites.greenhouse import Greenhouse

    store = Store.open(f"sqlite:///{workdir / 'hub.db'}", KeyRing.generate())
    store.upgrade()
    connector = Greenhouse({"base_url": base_url, "token_url": token_url, "client_id": "bench",
                            "client_secret": "bench-secret", "user_id": "4080"})
    with store.transaction() as tx:
        store.set_cursor(tx, "greenhouse", resource_name, StreamState(since=SINCE).to_json())
    started = time.perf_counter()
    report = sync(connector, store, streams=[resource_name])
    seconds = time.perf_counter() - started
    counters = report.counters
    store.close()
    if report.status != "succeeded" or counters.records != records:
        raise SystemExit(f"hub run incomplete: {report.as_dict()}")
    return {"records": counters.records, "created": counters.created, "failed": counters.failed,
            "seconds": seconds, "rate": counters.records / seconds, "peak_rss_mib": _peak_rss_mib()}


def run_dlt(base_url: str, resource_name: str, records: int, workdir: Path) -> dict[str, Any]:
    """The same pass with dlt's REST API source into SQLite; the timed part is ``pipeline.run()``."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    import dlt
    from dlt.sources.rest_api import rest_api_source

    source = rest_api_source({
        "client": {"base_url": base_url + "/", "auth": {"type": "bearer", "token": TOKEN}, "paginator": "header_link"},
        "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
        "resources": [{
            "name": resource_name,
            "endpoint": {
                "path": resource_name,
                "params": {"per_page": 100, "updated_at": "gte|{incremental.start_value}"},
                "incremental": {"cursor_path": "updated_at", "initial_value": SINCE},
            },
        }],
    })
    pipeline = dlt.pipeline(pipeline_name="greenhouse_bench", pipelines_dir=str(workdir / "dlt"),
                            destination=dlt.destinations.sqlalchemy(credentials=f"sqlite:///{workdir / 'dlt.db'}"),
                            dataset_name="greenhouse")
    started = time.perf_counter()
    pipeline.run(source)
    seconds = time.perf_counter() - started
    with pipeline.sql_client() as client:
        loaded = client.execute_sql(f"SELECT COUNT(*) FROM {resource_name}")[0][0]
    if loaded != records:
        raise SystemExit(f"dlt loaded {loaded} of {records} records")
    return {"records": loaded, "seconds": seconds, "rate": loaded / seconds, "peak_rss_mib": _peak_rss_mib()}


def _child(side: str, server: GreenhouseServer, records: int) -> dict[str, Any]:
    """Run one side in a fresh interpreter (its own peak RSS) and read its JSON result."""
    command = [sys.executable, __file__, "--child", side, "--records", str(records), "--resource", server.resource,
               "--base-url", server.base_url, "--token-url", server.token_url]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{side} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--resource", choices=("applications", "candidates"), default="applications")
    parser.add_argument("--only", choices=("hub", "dlt"))
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each side per record count, alternating hub and dlt; medians are reported")
    parser.add_argument("--child", choices=("hub", "dlt"), help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--token-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        with tempfile.TemporaryDirectory() as tmp:
            count = args.records[0]
            result = (run_hub(args.base_url, args.token_url, args.resource, count, Path(tmp)) if args.child == "hub"
                      else run_dlt(args.base_url, args.resource, count, Path(tmp)))
        print(json.dumps(result))
        return

    sides = [args.only] if args.only else ["hub", "dlt"]
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for count in args.records:
        with GreenhouseServer(records=count, resource=args.resource, prerender=True) as server:
            for attempt in range(1, args.repeat + 1):
                for side in sides:  # alternating, so a drift in the machine's speed hits both sides alike
                    r = _child(side, server, count)
                    runs.setdefault((side, count), []).append(r)
                    print(f"{side:4} {count:>8,} {args.resource} (run {attempt}): {r['seconds']:7.2f} s"
                          f"  {r['rate']:9,.0f} records/s  peak RSS {r['peak_rss_mib']:7.1f} MiB", flush=True)
    rate = {key: statistics.median(r["rate"] for r in results) for key, results in runs.items()}
    rss = {key: max(r["peak_rss_mib"] for r in results) for key, results in runs.items()}
    largest = max(args.records)
    for key in runs:
        print(f"{key[0]:4} {key[1]:>8,}: median {rate[key]:9,.0f} records/s of {len(runs[key])} runs"
              f" (min {min(r['rate'] for r in runs[key]):,.0f}, max {max(r['rate'] for r in runs[key]):,.0f});"
              f" peak RSS {rss[key]:.1f} MiB")
    if "hub" in sides:
        hub = rate["hub", largest]
        print(f"hub at {largest:,}: {hub:,.0f} records/s (target >= {TARGET_RATE:,}: "
              f"{'met' if hub >= TARGET_RATE else 'NOT met'})")
    if len(sides) == 2:
        pairs = [h["rate"] / d["rate"] for h, d in zip(runs["hub", largest], runs["dlt", largest])]
        ratio = statistics.median(pairs)
        print(f"hub / dlt at {largest:,}: {ratio:.2f}x, median of the runs' pairs {', '.join(f'{p:.2f}' for p in pairs)}"
              f" (target >= {TARGET_RATIO:.0f}x: {'met' if ratio >= TARGET_RATIO else 'NOT met'})")
    if len(args.records) > 1:
        for side in sides:
            print(f"{side} peak RSS {min(args.records):,} -> {largest:,}: {rss[side, min(args.records)]:.1f} -> "
                  f"{rss[side, largest]:.1f} MiB")


if __name__ == "__main__":
    main()
