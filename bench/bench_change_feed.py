"""Benchmark the change feed against a bare FastAPI endpoint on the same rows (issue 33, Performance).

Two real uvicorn servers, one worker each, over the same database seeded with ``--changes`` changes
(candidates: five PII fields each, so masking has work to do):

* **hub** — ``hub serve``: ``GET /v1/changes?after=N&limit=100`` with an hr_admin token without
  pii:read: token look-up, the grant's scope in SQL, the state of each version, PII decrypted and
  masked, external ids, JSON;
* **bare** — :func:`bare_app`: a FastAPI endpoint that selects the same 100 ``change_log`` rows joined
  to ``entities`` with plain SQLAlchemy and returns them as JSON, nothing else.

Pages start at random offsets. Each round lasts ``--seconds``: every page is asked of both sides in
turn (one httpx client each, the order alternating), and each side's pages/s is pages over its own
summed request time; the ratio (hub ÷ bare) is the median of the rounds'. This machine is shared and
its speed drifts within seconds, so only figures measured request by request side by side compare. The target is a ratio of at least 0.5 on SQLite; PostgreSQL is reported too.

Where the hub's time goes (one page of 100 candidates, in-process, SQLite, the quietest of five
runs): the same rows as the bare query 1.9 ms; with the join to ``entities``, the grant's condition,
the external ids and parsing each version's data 4.9 ms; decrypting the 400 PII tokens +1.9 ms;
masking them +1.5 ms; the token look-up 0.6 ms; then the JSON. Masking needs the plaintext (it keeps
the last four characters), so every PII value of a page is decrypted even when none is shown. What
would go further: more uvicorn workers (the pages are independent), or a masked form that needs no
plaintext (one fixed mask per field set), which would change what records show elsewhere too.

Run::

    .venv/bin/python bench/bench_change_feed.py                          # SQLite, 100,000 changes, 5 rounds
    .venv/bin/python bench/bench_change_feed.py --database postgresql --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
import yaml

from hub.core.crypto import KeyRing
from hub.core.models import Candidate, Provenance
from hub.core.store import Store

PAGE = 100
_BARE_QUERY = sa.text(
    "SELECT c.seq, c.entity_id, c.kind, c.version, c.op, c.origin, c.at, c.data, e.data AS current"
    " FROM change_log c JOIN entities e ON e.id = c.entity_id WHERE c.seq > :after ORDER BY c.seq LIMIT :limit"
)


def bare_app() -> Any:
    """The bare side (uvicorn factory): the same rows, straight from the table, as JSON (``BENCH_DATABASE_URL``)."""
    from fastapi import FastAPI

    engine = sa.create_engine(os.environ["BENCH_DATABASE_URL"])
    app = FastAPI()

    @app.get("/bare")
    def bare(after: int = 0, limit: int = PAGE) -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return [dict(row) for row in conn.execute(_BARE_QUERY, {"after": after, "limit": limit}).mappings()]

    return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _server(command: list[str], env: dict[str, str], port: int, ready: str) -> Iterator[str]:
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + ready, timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{command[0]} did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def _seed(store: Store, changes: int) -> None:
    """``changes`` candidates (one creation each), in transactions of 1,000."""
    fetched = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    for start in range(0, changes, 1000):
        batch = [Candidate(external_ids={"bench": f"c{n}"}, provenance=Provenance(system="bench", fetched_at=fetched),
                           name=f"王{n}芳", phones=[f"+86139{n:08d}"], emails=[f"wang.fang{n}@example.cn"],
                           remote_data={"note": f"row {n}"}, tags=["java"])
                 for n in range(start, min(start + 1000, changes))]
        with store.transaction() as tx:
            store.upsert_many(tx, "bench", batch)
    with store.transaction() as tx:  # the statistics autovacuum would gather: PostgreSQL plans the join on them
        tx.execute(sa.text("ANALYZE"))


def _round(hub: httpx.Client, bare: httpx.Client, top: int, seconds: float, rng: random.Random) -> dict[str, float]:
    """Pages/s of each side over one round: the same page (a random ``after``) asked of both, one
    request each in turn, in alternating order, each side's own time summed, so the machine's drift
    and the other engineers' load fall on both sides alike."""
    spent, pages, started = {"hub": 0.0, "bare": 0.0}, 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        after = rng.randrange(0, top - PAGE)
        sides = (("hub", hub, "/v1/changes"), ("bare", bare, "/bare"))
        for name, client, path in sides if pages % 2 == 0 else sides[::-1]:
            begun = time.perf_counter()
            client.get(path, params={"after": after, "limit": PAGE}).raise_for_status()
            spent[name] += time.perf_counter() - begun
        pages += 1
    return {name: pages / total for name, total in spent.items()}


def run(database_url: str, changes: int, rounds: int, seconds: float) -> dict[str, Any]:
    ring = KeyRing.generate("k1")
    store = Store.open(database_url, ring)
    store.upgrade()
    started = time.perf_counter()
    _seed(store, changes)
    seeded = time.perf_counter() - started
    token, _ = store.api_tokens.create("bench", "hr_admin", created_by="bench",
                                       expires_at=store.now() + dt.timedelta(hours=2))
    top = changes  # a fresh database: seqs 1..changes
    store.close()
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "hub.yaml"
        # the token's rate limit would measure the limiter, not the feed
        config.write_text(yaml.safe_dump({"database": {"url": database_url},
                                          "service": {"rate_limit_per_minute": 1_000_000_000}}), encoding="utf-8")
        env = {**os.environ, "HUB_KEYS": ring.to_json(), "BENCH_DATABASE_URL": database_url}
        env.pop("HUB_DATABASE_URL", None)
        hub_port, bare_port = _free_port(), _free_port()
        hub_cmd = [str(Path(sys.executable).with_name("hub")), "serve", "--port", str(hub_port), "--config", str(config)]
        bare_cmd = [sys.executable, "-m", "uvicorn", "bench.bench_change_feed:bare_app", "--factory", "--port",
                    str(bare_port), "--workers", "1", "--log-level", "warning", "--no-server-header"]
        bare_env = {**env, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        with _server(hub_cmd, env, hub_port, "/v1/health") as hub_url, _server(bare_cmd, bare_env, bare_port, "/docs") as bare_url, \
                httpx.Client(base_url=hub_url, headers={"Authorization": f"Bearer {token}"}) as hub, \
                httpx.Client(base_url=bare_url) as bare:
            assert len(hub.get("/v1/changes", params={"after": 0, "limit": PAGE}).json()["items"]) == PAGE
            assert len(bare.get("/bare", params={"after": 0}).json()) == PAGE
            rng, results = random.Random(33), []
            _round(hub, bare, top, 1.0, rng)  # warm both: caches, first-request set-up
            for n in range(rounds):
                measured = _round(hub, bare, top, seconds, rng)
                results.append(measured)
                print(f"  round {n + 1}: hub {measured['hub']:.1f} pages/s, bare {measured['bare']:.1f} pages/s,"
                      f" ratio {measured['hub'] / measured['bare']:.2f}", flush=True)
    return {"seeded_s": seeded, "hub": statistics.median(r["hub"] for r in results),
            "bare": statistics.median(r["bare"] for r in results),
            "ratio": statistics.median(r["hub"] / r["bare"] for r in results)}


@contextmanager
def _database(kind: str, pg_url: str) -> Iterator[str]:
    """A fresh database: a SQLite file in a temporary folder, or a new PostgreSQL schema (dropped after)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/hub.db"
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{pg_url}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time of each side in each round")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    for kind in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        print(f"{kind}: {args.changes:,} changes, {PAGE} a page, PII masked, one uvicorn worker each", flush=True)
        with _database(kind, args.pg_url) as url:
            result = run(url, args.changes, args.rounds, args.seconds)
        print(f"{kind}: seeded in {result['seeded_s']:.0f} s; hub {result['hub']:.1f} pages/s, bare {result['bare']:.1f}"
              f" pages/s; ratio {result['ratio']:.2f} (target >= 0.5)", flush=True)


if __name__ == "__main__":
    main()
