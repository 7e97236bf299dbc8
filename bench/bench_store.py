"""Benchmark the store's hot path: upsert canonical assessments with their candidates.

Each record is one Candidate (3 PII fields: national_id, phone, email — all encrypted and blind
indexed) plus one Assessment (6 dimension scores, a reference to the candidate), written in batches
of ``--batch`` records per transaction. Reports records/s for the first load and for re-upserting the
same unchanged records, and peak memory (tracemalloc is too slow at this rate, so ru_maxrss).

Building the canonical models is the input (mapping and validation produce them upstream), so each
batch is built outside the store's timer; the figures are given both for the store alone and
including model construction. The store's rate is also given per CPU-second of this process
(``process_time``), which is what "one core" means on a machine other jobs share; the 1-minute load
average is printed next to each line so a figure taken on a busy machine reads as such.

Run:
    .venv/bin/python bench/bench_store.py                       # 100,000 records, SQLite tmp file,
                                                                # then the issue's Core-insert yardstick
    .venv/bin/python bench/bench_store.py --records 1000000 --progress 100000   # memory every 100k
    .venv/bin/python bench/bench_store.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from hub.core.crypto import KeyRing
from hub.core.models import ZERO_TO_100, Assessment, Candidate, DimensionScore, Provenance, Ref, Score
from hub.core.store import Store

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_DIMENSIONS = ("communication", "logic", "learning", "teamwork", "stress", "motivation")
_FETCHED = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
_EPOCH = dt.date(1960, 1, 1)


def national_id(n: int) -> str:
    """A made-up resident ID number with a valid checksum (GB 11643-1999), different for every ``n``.

    Unique on purpose: records sharing an ID number are "the same person" and merge (the identity
    path), which is not what this benchmark measures.
    """
    born = _EPOCH + dt.timedelta(days=n // 1000)
    body = f"110105{born:%Y%m%d}{n % 1000:03d}"
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


@dataclass
class Timing:
    """Seconds spent building models and in the store (wall and this process's CPU)."""

    build: float = 0.0
    store: float = 0.0
    store_cpu: float = 0.0
    written: int = 0


def load(store: Store, count: int, batch: int, progress: int = 0) -> Timing:
    """Upsert everything, one transaction per batch; model construction is timed apart from the store.

    With ``progress``, prints the peak RSS every ``progress`` records, to show memory stays flat.
    """
    timing = Timing()
    done = 0
    for candidates, assessments in timed_records(count, batch, timing):
        started, cpu = time.perf_counter(), time.process_time()
        with store.transaction() as tx:
            timing.written += store.upsert_many(tx, "beisen", candidates).written
            timing.written += store.upsert_many(tx, "beisen", assessments).written
        timing.store += time.perf_counter() - started
        timing.store_cpu += time.process_time() - cpu
        done += len(candidates)
        if progress and done % progress == 0:
            print(f"{done:>22,} records: store {done / timing.store:,.0f} records/s wall; peak RSS {peak_rss():,.0f} MiB", flush=True)
    return timing


def timed_records(count: int, batch: int, timing: Timing) -> Iterator[tuple[list[Candidate], list[Assessment]]]:
    """:func:`records`, with the time spent building each batch added to ``timing.build``."""
    batches = records(count, batch)
    while True:
        started = time.perf_counter()
        item = next(batches, None)
        timing.build += time.perf_counter() - started
        if item is None:
            return
        yield item


def reference_load(url: str, count: int, batch: int) -> Timing:
    """The issue's yardstick: a hand-written SQLAlchemy Core insert of the same records into a flat
    table plus a child table of scores — plaintext, no hashing, no identity, no versions.

    Timed like :func:`load` (models built outside the timer, rows built from them inside), on a
    plain engine for ``url``. The issue measured it at about 10,000 records/s on its machine, so
    the store's rate divided by this one's says how the store compares on any machine.
    """
    meta = sa.MetaData()
    flat = sa.Table("flat_assessments", meta, sa.Column("id", sa.Integer, primary_key=True),
                    *(sa.Column(name, sa.String) for name in ("candidate_ext", "national_id", "phone", "email",
                                                              "assessment_ext", "vendor")),
                    sa.Column("overall", sa.String))
    scores = sa.Table("flat_scores", meta, sa.Column("assessment_id", sa.Integer, index=True),
                      sa.Column("key", sa.String), sa.Column("value", sa.String))
    engine = sa.create_engine(url)
    meta.create_all(engine)
    timing, next_id = Timing(), 0
    for candidates, assessments in timed_records(count, batch, timing):
        started, cpu = time.perf_counter(), time.process_time()
        rows, score_rows = [], []
        for candidate, assessment in zip(candidates, assessments):
            next_id += 1
            rows.append({"id": next_id, "candidate_ext": candidate.external_ids["beisen"], "national_id": candidate.national_id,
                         "phone": candidate.phones[0], "email": candidate.emails[0],
                         "assessment_ext": assessment.external_ids["beisen"], "vendor": assessment.vendor,
                         "overall": assessment.overall.value})
            score_rows.extend({"assessment_id": next_id, "key": d.key, "value": d.score.value} for d in assessment.dimensions)
        with engine.begin() as conn:
            conn.execute(flat.insert(), rows)
            conn.execute(scores.insert(), score_rows)
        timing.store += time.perf_counter() - started
        timing.store_cpu += time.process_time() - cpu
        timing.written += len(rows)
    engine.dispose()
    return timing


def peak_rss() -> float:
    """Peak resident memory of this process so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(label: str, count: int, timing: Timing) -> None:
    rss = peak_rss()
    print(
        f"{label:>20}: store {count / timing.store:>7,.0f} records/s wall, {count / timing.store_cpu:>7,.0f} per CPU-s"
        f" ({timing.store:.1f} s, {timing.written:,} entities written); with model construction"
        f" {count / (timing.store + timing.build):>7,.0f} records/s; peak RSS {rss:,.0f} MiB; load avg {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--url", help="database URL (default: a SQLite file in a temporary directory)")
    parser.add_argument("--progress", type=int, default=0, help="print peak memory every N records")
    parser.add_argument("--no-reference", action="store_true",
                        help="skip the hand-written Core insert the store is compared with (SQLite only)")
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
        first = load(store, args.records, args.batch, args.progress)
        report("first load", args.records, first)
        report("unchanged re-upsert", args.records, load(store, args.records, args.batch, args.progress))
        store.close()
        if not args.url and not args.no_reference:
            reference = reference_load(f"sqlite:///{Path(tmp) / 'reference.db'}", args.records, args.batch)
            report("reference Core insert", args.records, reference)
            print(f"first load / reference: {reference.store / first.store:.2f}x wall, "
                  f"{reference.store_cpu / first.store_cpu:.2f}x per CPU-s (the issue asks 15,000 / 10,000 = 1.5x)")
        if schema:
            with sa.create_engine(args.url).begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
