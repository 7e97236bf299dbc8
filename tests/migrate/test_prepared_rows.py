"""What a migration's producer hands to the writing process: prepared records, never models.

The checks before writing (duplicates, references) read those prepared records, so they are tested
on them here, for a kind dumped in parts (application) and one that is not (offer, which holds PII).
"""

from __future__ import annotations

import datetime as dt
import pickle
import re
from pathlib import Path

import pytest

from hub.core.crypto import KeyRing
from hub.core.errors import ConfigError
from hub.core.migrate.batch import Batch, MappedRow
from hub.core.migrate.checks import Duplicates, References
from hub.core.migrate.job import _precompute
from hub.core.migrate.ledger import Ledger
from hub.core.migrate.reconcile import Digester, entity_values
from hub.core.migrate.validate import prepare_rows
from hub.core.models import Application, ApplicationStatus, Candidate, Job, Offer, OfferStatus, Provenance, Ref
from hub.core.store import Store
from hub.core.store.codec import EntityCodec, hashed_dump

SYSTEM = "legacy"
CODEC = EntityCodec(KeyRing.generate())
PROVENANCE = Provenance(system=SYSTEM, fetched_at=dt.datetime(2024, 1, 5, tzinfo=dt.UTC))


def candidate(n: int, national_id: str) -> Candidate:
    return Candidate(external_ids={SYSTEM: f"C{n}"}, provenance=PROVENANCE, name="李娜", national_id=national_id)


def rows_sharing_a_job() -> tuple[list[MappedRow], Job]:
    job = Job(external_ids={SYSTEM: "J1"}, provenance=PROVENANCE, title="产品经理")
    rows = []
    for n, national_id in ((1, "11010519491231002X"), (2, "110105196001010009")):
        application = Application(external_ids={SYSTEM: f"A{n}"}, provenance=PROVENANCE, status=ApplicationStatus.APPLIED,
                                  candidate=Ref(system=SYSTEM, external_id=f"C{n}"), job=Ref(system=SYSTEM, external_id="J1"))
        rows.append(MappedRow(n + 1, f"a.csv:{n + 1}", entities=[candidate(n, national_id), job, application]))
    return rows, job


def test_rows_cross_as_prepared_records_in_the_same_order_with_no_model_left() -> None:
    rows, job = rows_sharing_a_job()
    expected = [[(e.kind, e.external_ids[SYSTEM], hashed_dump(e)) for e in row.entities] for row in rows]
    prepare_rows(rows, CODEC, SYSTEM)
    assert [[(p.kind, p.external_id, p.payload) for p in row.prepared] for row in rows] == expected
    assert all(row.entities == [] and all(p.entity is None for p in row.prepared) for row in rows)
    assert rows[0].prepared[1] is rows[1].prepared[1]  # the shared job: prepared once
    crossed = pickle.dumps(rows)
    assert b"hub.core.models" not in crossed and crossed.count(b"\xe4\xba\xa7\xe5\x93\x81\xe7\xbb\x8f\xe7\x90\x86") == 1
    assert rows[0].prepared[2].refs == (("candidate", SYSTEM, "C1"), ("job", SYSTEM, "J1"))


def test_digests_from_the_prepared_bytes_equal_those_of_the_model_dumped_again() -> None:
    """The ledger's digests are parsed from the payload; reconciliation compares them with the
    stored rows, so they must be exactly the digests of the model's own JSON form, for a kind dumped
    in parts (application, job) and one with PII parsed out of the whole (candidate)."""
    rows, _ = rows_sharing_a_job()
    digester = Digester(CODEC.keyring)
    expected = [[digester.digest_values(e.kind, entity_values(e)) for e in row.entities] for row in rows]
    prepare_rows(rows, CODEC, SYSTEM, digester)
    assert [row.digests for row in rows] == expected
    assert len({digest for row in rows for digest in row.digests}) == 5  # 2 candidates, 1 job, 2 applications


def test_a_batch_hashed_and_indexed_in_the_producer_stores_exactly_as_one_that_was_not() -> None:
    """While the writer is behind, the producer computes content hashes and blind indexes
    (``_precompute``, as a forked sync does too); they cross with the records and the store writes the same rows."""
    stored = []
    for spared in (False, True):
        rows, _ = rows_sharing_a_job()
        prepare_rows(rows, CODEC, SYSTEM)
        batch = Batch(rows, [None] * len(rows), [], {})
        if spared:
            _precompute(CODEC, batch)
        crossed = pickle.loads(pickle.dumps(batch))
        records = list({id(p): p for row in crossed.rows for p in row.prepared}.values())
        assert all((p.content_hash is not None) == spared for p in records)
        assert [p.blind is not None for p in records] == [spared, False, False, spared, False]
        store = Store.open("sqlite://", CODEC.keyring)
        store.upgrade()
        with store.transaction() as tx:
            ids = store.upsert_prepared(tx, SYSTEM, records).ids
        with store.reading() as tx:
            blind = sorted(tx.exec_driver_sql("SELECT field, hmac FROM blind_index").all())
            rows_stored = sorted((kind, content_hash, re.sub(r'"id":"[^"]+"', '"id":_', data))  # new ids each time
                                 for kind, content_hash, data in tx.exec_driver_sql("SELECT kind, content_hash, data FROM entities"))
        got = [re.sub(r'"id":"[^"]+"', '"id":_', store.get(p.kind, i).model_dump_json(exclude={"id"})) for p, i in zip(records, ids)]
        stored.append((blind, rows_stored, got))
    assert stored[0][0] and stored[0] == stored[1]


def test_duplicates_are_found_by_the_blind_indexes_the_store_will_write(tmp_path: Path) -> None:
    rows, _ = rows_sharing_a_job()
    rows.append(MappedRow(4, "a.csv:4", entities=[candidate(3, "11010519491231002X")]))  # row 2's person again
    prepare_rows(rows, CODEC, SYSTEM)
    Duplicates(SYSTEM, CODEC, Ledger(tmp_path / "run.ledger")).check(Batch(rows, [None] * len(rows), [], {}))
    assert [(f.row, f.key[1:], f.error.code) for row in rows for f in row.findings] == [
        (4, ("candidate.national_id", "duplicate"), "duplicate-record")
    ]
    assert rows[2].prepared == [] and rows[2].rejected == [("candidate", "C3")]
    error = str(rows[2].findings[0].error)
    assert "11010519491231002X" not in error and "002X" in error and "'C1'" in error
    first = rows[0].prepared[0]
    assert first.blind["national_id"] == [CODEC.keyring.blind_index("national_id", "11010519491231002X")]


def test_references_left_open_by_a_kind_with_pii_are_reported_at_the_end(tmp_path: Path) -> None:
    offer = Offer(external_ids={SYSTEM: "O1"}, provenance=PROVENANCE, status=OfferStatus.SENT, salary_raw="¥30,000",
                  application=Ref(system=SYSTEM, external_id="A404"), candidate=Ref(system=SYSTEM, external_id="C1"))
    rows = [MappedRow(2, "a.csv:2", entities=[candidate(1, "11010519491231002X"), offer])]
    prepare_rows(rows, CODEC, SYSTEM)
    checks = References(SYSTEM, Ledger(tmp_path / "run.ledger"))
    checks.check(Batch(rows, [None] * len(rows), [], {}))
    assert [(f.row, f.key[1:]) for f in checks.finish()] == [(2, ("offer.application", "missing_reference"))]


def test_unique_fields_must_be_blind_indexed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="blind-indexed"):
        Duplicates(SYSTEM, CODEC, Ledger(tmp_path / "run.ledger"), unique={"candidate": ("name",)})


def test_a_batch_crosses_processes_as_plain_tuples_and_comes_back_whole() -> None:
    """The producer's batch is pickled in a flat form (``Batch.__reduce__``); the writer must get
    every row's fields and records back (a record split already included), the shared job still
    one object, and the raw rows as JSON."""
    rows, _ = rows_sharing_a_job()
    rows[1].rejected.append(("offer", "O9"))
    prepare_rows(rows, CODEC, SYSTEM, Digester(CODEC.keyring))
    raws = [b'{"\\u59d3\\u540d":"\\u674e\\u5a1c"}', None]
    crossed = pickle.loads(pickle.dumps(Batch(rows, raws, ["姓名"], {"job": ["title"]})))

    def shape(row: MappedRow) -> tuple[object, ...]:
        records = [(p.kind, p.external_id, p.payload, p.provenance, p.raw_span, p.refs) for p in row.prepared]
        return row.number, row.record, row.rejected, [f.key for f in row.findings], row.digests, records

    assert [shape(row) for row in crossed.rows] == [shape(row) for row in rows]
    assert crossed.rows[0].prepared[1] is crossed.rows[1].prepared[1]  # the job
    assert (crossed.raws, crossed.columns, crossed.filled) == (raws, ["姓名"], {"job": ["title"]})
    split = CODEC.split(rows[0].prepared[0])  # a record split before crossing keeps its content
    again = pickle.loads(pickle.dumps(Batch(rows, raws, [], {}))).rows[0].prepared[0]
    assert again.content == split and again.content.pii["national_id"] == "11010519491231002X"
