"""How fast can the store load, and re-upsert unchanged, on this machine with this schema? Floors.

Why: issue 4 asks a first load of 100,000 assessments with their candidates at 15,000 records/s
(66.7 µs a record) on one core, and an unchanged re-upsert of them at 40,000 (25 µs). This splits
each one's cost into the part no Python can remove and the rest, so whether tuning can reach a
target is measured, not guessed. For the first load:

1. **The load itself**: :func:`bench_store.load` into a fresh SQLite store, timed as there.
2. **Database floor**: the rows that load wrote, inserted again into a fresh store (same schema,
   same pragmas) through the store's own ``bulk.insert_many``, in the same number of transactions,
   each preceded by the batch's lookups (its records by external id, the candidates its assessments
   reference, its candidates' blind indexes): the
   statements and commits a first load cannot skip, with no Python building them. Rows are read
   back batch by batch, so memory stays flat. Split into the lookups, each table's inserts, and
   begin and commit, to show which grows with the store.
3. **Primitive floor**: per record, what no store can skip: dumping the candidate and the
   assessment (pydantic-core), two keyed content hashes, three blind indexes, three AES-GCM
   encryptions and two ids, each called directly on the bench's own models.

The two floors add up to the least a record can cost; what the load spends above them is
orchestration (building rows, resolving references, identity) that tuning can still reduce.

For the unchanged re-upsert, on the loaded store:

4. **The re-upsert itself**: the same records upserted again with :func:`bench_store.load`.
5. **Re-upsert floor**: per batch, what deciding "unchanged" cannot skip: each record's hashed
   dump and keyed content hash, one lookup of the stored hashes per kind, and the comparison, in
   one transaction; models built outside the timer, as in the load. A re-upsert near this floor
   has nothing left to tune but the dump itself.

Run:
    .venv/bin/python bench/bench_store_floor.py                  # 100,000 records
    .venv/bin/python bench/bench_store_floor.py --records 20000
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench_store import load, records

from hub.core.crypto import KeyRing
from hub.core.store import Store, bulk
from hub.core.store import schema as t
from hub.core.store.codec import dumps, hashed_dump
from hub.core.store.identity import find_by_blind_index
from hub.core.store.schema import new_id

#: The tables a first load writes, in the order one batch writes them.
_TABLES = (t.entities, t.external_ids, t.blind_index, t.change_log)
#: The system bench_store's records come from.
_SYSTEM = "beisen"
#: The issue's first-load target, µs a record.
_TARGET_US = 1e6 / 15_000
#: The issue's target for an unchanged re-upsert, µs a record.
_REUPSERT_TARGET_US = 1e6 / 40_000


class Clock:
    """Wall and CPU seconds spent inside ``with clock:`` blocks."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __enter__(self) -> None:
        self._started = (time.perf_counter(), time.process_time())

    def __exit__(self, *_: object) -> None:
        self.wall += time.perf_counter() - self._started[0]
        self.cpu += time.process_time() - self._started[1]

    def per_record(self, count: int) -> str:
        return f"{self.wall / count * 1e6:6.1f} µs a record wall, {self.cpu / count * 1e6:6.1f} CPU"


def stored_batches(path: Path, count: int, batch: int) -> Iterator[dict[str, list[tuple[object, ...]]]]:
    """The rows of each table of a loaded database, in insertion order, cut into the load's batches."""
    source = sqlite3.connect(path)
    cursors, per_batch = {}, {}
    for table in _TABLES:
        columns = ", ".join(column.name for column in table.columns)
        (total,) = source.execute(f"SELECT count(*) FROM {table.name}").fetchone()
        per_batch[table.name] = round(total * batch / count)
        cursors[table.name] = source.execute(f"SELECT {columns} FROM {table.name} ORDER BY rowid")
    try:
        for start in range(0, count, batch):
            last = start + batch >= count  # takes what rounding left over
            yield {name: cursor.fetchall() if last else cursor.fetchmany(per_batch[name]) for name, cursor in cursors.items()}
    finally:
        source.close()


def database_floor(loaded: Path, target: Store, count: int, batch: int) -> tuple[Clock, dict[str, Clock]]:
    """Insert a loaded store's rows into ``target`` as the load did, timing only the database work:
    in all, and split into the lookups and each table's inserts (the rest is begin and commit)."""
    clock, parts = Clock(), {name: Clock() for name in ("lookups", *(table.name for table in _TABLES))}
    columns = {table.name: tuple(column.name for column in table.columns) for table in _TABLES}
    for rows in stored_batches(loaded, count, batch):
        kinds: dict[str, list[str]] = {}
        for _, kind, external_id, *_ in rows["external_ids"]:
            kinds.setdefault(kind, []).append(external_id)
        hmacs = [row[2] for row in rows["blind_index"]]
        with clock, target.transaction() as tx:
            with parts["lookups"]:
                for kind, external_ids in [*kinds.items(), ("candidate", kinds["candidate"])]:  # the last: references
                    bulk.by_external_id(tx, _SYSTEM, kind, external_ids)
                find_by_blind_index(tx, "candidate", hmacs)
            for table in _TABLES:
                with parts[table.name]:
                    bulk.insert_many(tx, table, columns[table.name], rows[table.name])
    return clock, parts


def primitive_floor(keyring: KeyRing, count: int, batch: int) -> Clock:
    """Per record: two dumps and content hashes, three blind indexes and encryptions, two ids."""
    clock = Clock()
    encrypt, blind_index, content_hash = keyring.encrypt, keyring.blind_index, keyring.content_hash
    for candidates, assessments in records(count, batch):
        with clock:
            for candidate, assessment in zip(candidates, assessments):
                entity_id = new_id()
                content_hash(hashed_dump(candidate))
                content_hash(hashed_dump(assessment))
                new_id()
                for name, value in (("national_id", candidate.national_id), ("phones", candidate.phones),
                                    ("emails", candidate.emails)):
                    blind_index(name, value if isinstance(value, str) else value[0])
                    encrypt(dumps(value), aad=("candidate", entity_id, name))
    return clock


def reupsert_floor(store: Store, count: int, batch: int) -> Clock:
    """Per batch of records already stored: dump and hash each, look up the stored hashes, compare."""
    clock = Clock()
    content_hash = store.keyring.content_hash
    for candidates, assessments in records(count, batch):
        with clock, store.transaction() as tx:
            for entities in (candidates, assessments):
                hashes = {entity.external_ids[_SYSTEM]: content_hash(hashed_dump(entity)) for entity in entities}
                stored = bulk.by_external_id(tx, _SYSTEM, entities[0].kind, sorted(hashes), read="hash")
                unchanged = sum(1 for external_id, _, last_hash, deleted, _remote_updated_at in stored
                                if last_hash == hashes[external_id] and not deleted)
                assert unchanged == len(entities), "the re-upsert floor runs on records stored unchanged"
    return clock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    count, batch = args.records, args.batch
    keyring = KeyRing.generate()
    with tempfile.TemporaryDirectory() as tmp:
        loaded, copy = Path(tmp) / "loaded.db", Path(tmp) / "copy.db"
        store = Store.open(f"sqlite:///{loaded}", keyring)
        store.upgrade()
        timing = load(store, count, batch)
        again = load(store, count, batch)
        unchanged = reupsert_floor(store, count, batch)
        store.close()
        target = Store.open(f"sqlite:///{copy}", keyring)
        target.upgrade()
        database, statements = database_floor(loaded, target, count, batch)
        target.close()
    primitives = primitive_floor(keyring, count, batch)
    floor = (database.cpu + primitives.cpu) / count * 1e6
    load_us = timing.store_cpu / count * 1e6
    print(f"records: {count:,} (candidate + assessment each), SQLite, batch {batch}")
    print(f"first load:       {timing.store / count * 1e6:6.1f} µs a record wall, {load_us:6.1f} CPU"
          f" ({count / timing.store:,.0f} records/s)")
    print(f"database floor:   {database.per_record(count)}")
    split = {name: part.cpu for name, part in statements.items()}
    split["begin and commit"] = database.cpu - sum(split.values())
    print("  split, CPU:      " + ", ".join(f"{name} {cpu / count * 1e6:.1f}" for name, cpu in split.items()) + " µs a record")
    print(f"primitive floor:  {primitives.per_record(count)}")
    print(f"floor, CPU:       {floor:6.1f} µs a record = {1e6 / floor:,.0f} records/s at best on one core"
          f" (target {_TARGET_US:.1f} µs = 15,000 records/s); orchestration above it: {load_us - floor:.1f} µs")
    again_us = again.store_cpu / count * 1e6
    print(f"unchanged re-upsert: {again.store / count * 1e6:6.1f} µs a record wall, {again_us:6.1f} CPU"
          f" ({count / again.store:,.0f} records/s)")
    print(f"re-upsert floor:  {unchanged.per_record(count)} = {count / unchanged.cpu:,.0f} records/s at best on one core"
          f" (target {_REUPSERT_TARGET_US:.1f} µs = 40,000 records/s); above it: {again_us - unchanged.cpu / count * 1e6:.1f} µs")


if __name__ == "__main__":
    main()
