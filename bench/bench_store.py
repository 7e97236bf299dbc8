"""Benchmark the store's hot path: upsert canonical assessments with their candidates.

Each record is one Candidate (3 PII fields: national_id, phone, email — all encrypted and blind
indexed) plus one Assessment (6 dimension scores, a reference to the candidate), written in batches
of ``--batch`` records per transaction. Reports records/s for the first load and for re-upserting the
same unchanged records, and peak memory (tracemalloc is too slow at this rate, so ru_maxrss).

Run:
    .venv/bin/python bench/bench_store.py                       # 100,000 records, SQLite tmp file
    .venv/bin/python bench/bench_store.py --records 1000000
    .venv/bin/python bench/bench_store.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from hub.core.crypto import KeyRing
from hub.core.models import ZERO_TO_100, Assessment, Candidate, DimensionScore, Provenance, Ref, Score
from hub.core.store import Store

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_DIMENSIONS = ("communication", "logic", "learning", "teamwork", "stress", "motivation")
_FETCHED = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


def national_id(n: int) -> str:
    """A made-up resident ID number with a valid checksum (GB 11643-1999)."""
    body = f"110105{1970 + n % 30:04d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return body + _CHECK[sum(int(c) * w for c, w in zip(body, _WEIGHTS)) % 11]


def records(count: int, batch: int) -> Iterator[tuple[list[Candidate], list[Assessment]]]:
    """Batches of (candidates, assessments), generated lazily so memory does not grow with count."""
    for start in range(0, count, batch):
        candidates, assessments = [], []
        for n in range(start, min(start + batch, count)):
            provenance = Provenance(system="beisen", fetched_at=_FETCHED)
            candidates.append(
                Candidate(
                    external_ids={"beisen": f"c{n}"},
                    provenance=provenance,
                    national_id=national_id(n),
                    phones=[f"+86138{n:08d}"],
                    emails=[f"user{n}@example.com"],
                )
            )
            assessments.append(
                Assessment(
                    external_ids={"beisen": f"a{n}"},
                    provenance=provenance,
                    vendor="beisen",
                    candidate=Ref(system="beisen", external_id=f"c{n}"),
                    overall=Score(value=str(n % 101), scale=ZERO_TO_100),
                    dimensions=[
                        DimensionScore(key=key, label=key, score=Score(value=str((n + i) % 101), scale=ZERO_TO_100))
                        for i, key in enumerate(_DIMENSIONS)
                    ],
                )
            )
        yield candidates, assessments


def load(store: Store, count: int, batch: int) -> tuple[float, int]:
    """Upsert everything; returns (store seconds, entities written). Record generation is not timed."""
    spent, written = 0.0, 0
    for candidates, assessments in records(count, batch):
        started = time.perf_counter()
        with store.transaction() as tx:
            written += store.upsert_many(tx, "beisen", candidates).written
            written += store.upsert_many(tx, "beisen", assessments).written
        spent += time.perf_counter() - started
    return spent, written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--url", help="database URL (default: a SQLite file in a temporary directory)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url, schema = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}", None
        if args.url:  # a private schema on the shared server, dropped at the end
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            with sa.create_engine(args.url).begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            url = f"{args.url}?options=-csearch_path%3D{schema}"
        store = Store.open(url, KeyRing.generate())
        store.upgrade()
        print(f"backend: {store.engine.dialect.name}; records: {args.records:,} (candidate + assessment each); batch {args.batch}")
        for label in ("first load", "unchanged re-upsert"):
            seconds, written = load(store, args.records, args.batch)
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{label:>20}: {args.records / seconds:>9,.0f} records/s ({seconds:.1f} s, {written:,} entities written), peak RSS {rss:,.0f} MiB")
        store.close()
        if schema:
            with sa.create_engine(args.url).begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
