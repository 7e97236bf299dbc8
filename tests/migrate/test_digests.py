"""Reconciliation digests read off JSON texts, unparsed, against the digests of the parsed values.

Both sides of a reconciliation cut their records into the fields' JSON texts instead of parsing
them (:func:`~hub.core.migrate.reconcile._normalized_texts`). That is only right while a text that
pydantic-core wrote already is its field's canonical JSON, so these tests hold the two ways equal
where they could part: escapes, non-ASCII text, numbers, nesting, empty values and references with
and without a hub id; then on a real migration, where every stored record must match its ledger
digest without falling back to the parse; and where a stored text is written another way (other
escapes and spacing), which must not be reported as a difference.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.core.crypto import KeyRing
from hub.core.migrate import FileSource, JobSettings, Migration, StoreTarget, Thresholds
from hub.core.migrate.ledger import Ledger
from hub.core.migrate.reconcile import RECORD, Digester, _normalized, _normalized_texts, entity_values
from hub.core.models import Application, ApplicationStatus, Candidate, Provenance, Ref, StageChange
from hub.core.store import schema as t
from hub.core.store.codec import field_texts, hashed_dump
from hub.core.store.schema import new_id
from tests.migrate.conftest import source_rows, write_export
from tests.store.test_codec_parts import JSON, TRICKY

DIGESTER = Digester(KeyRing.generate())
PROVENANCE = Provenance(system="legacy", fetched_at=dt.datetime(2024, 1, 5, tzinfo=dt.UTC))
REFERENCE = st.builds(Ref, system=TRICKY.filter(str.strip), external_id=TRICKY.filter(str.strip),
                      id=st.none() | st.builds(new_id))  # fmt: skip
CHANGE = st.builds(StageChange, stage=TRICKY, status=st.none() | st.sampled_from(ApplicationStatus),
                   changed_at=st.none() | st.datetimes(timezones=st.just(dt.UTC)))  # fmt: skip


def same_both_ways(entity: Candidate | Application) -> None:
    texts = _normalized_texts(entity.kind, field_texts(hashed_dump(entity)))
    assert texts == _normalized(entity.kind, entity_values(entity))
    assert DIGESTER.digests_of_dump(entity.kind, hashed_dump(entity)) == DIGESTER.digest_values(entity.kind, entity_values(entity))


@settings(max_examples=300, deadline=None)
@given(remote_data=st.none() | st.dictionaries(TRICKY, JSON, max_size=4), candidate=REFERENCE,
       job=st.none() | REFERENCE, stage=st.none() | TRICKY, history=st.lists(CHANGE, max_size=3))
def test_an_application_cut_into_texts_digests_as_its_parsed_values(
    remote_data: dict | None, candidate: Ref, job: Ref | None, stage: str | None, history: list[StageChange]
) -> None:
    same_both_ways(Application(
        external_ids={"legacy": "A1"}, provenance=PROVENANCE, remote_data=remote_data, candidate=candidate, job=job,
        status=ApplicationStatus.INTERVIEWING, stage=stage, stage_history=history,
    ))  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(name=st.none() | TRICKY, tags=st.lists(TRICKY, max_size=3), emails=st.lists(st.emails(), max_size=2))
def test_a_candidate_cut_into_texts_digests_as_its_parsed_values(name: str | None, tags: list[str], emails: list[str]) -> None:
    same_both_ways(Candidate(external_ids={"legacy": "C1"}, provenance=PROVENANCE, name=name, tags=tags, emails=emails))


def test_a_reference_in_another_form_is_normalized_by_parsing_it() -> None:
    texts = {"candidate": b'{"system":"legacy","id":null,"external_id":"C1"}', "job": b'{"id":"a\\"b","system":"s","external_id":"J"}'}
    values = {name: json.loads(text) for name, text in texts.items()}
    assert _normalized_texts("application", texts) == _normalized("application", values)


def test_digests_are_keyed_blake2b_of_the_texts_empty_fields_included() -> None:
    """The ledger keeps these digests and a resumed run compares with them: their form is fixed
    (an empty field's digest, computed once, is still that of the text ``null``)."""
    keyring = KeyRing.generate()
    key = keyring.field_key("migrate/checksum")
    digests = Digester(keyring).digest_values("job", {"title": "产品经理", "competencies": []})
    texts = _normalized("job", {"title": "产品经理"})
    assert texts.count(b"null") == len(texts) - 1
    assert digests[:RECORD] == hashlib.blake2b(b"\x1e".join(texts), key=key, digest_size=RECORD).digest()
    assert digests[RECORD:] == b"".join(hashlib.blake2b(text, key=key, digest_size=8).digest() for text in texts)


def migrate(tmp_path: Path, store, on_batch=None):
    path = write_export(tmp_path / "export.csv", source_rows(40, faults=False))
    source = FileSource({"path": str(path), "export": "legacy_ai_interview"})
    target = StoreTarget(store, source.system)
    job = JobSettings(source=source.settings, thresholds=Thresholds(max_error_rate=1.0))
    result = Migration(job, source, target, workdir=tmp_path, progress=False, on_batch=on_batch).run()
    return result, target


def test_every_stored_record_matches_its_ledger_digest_without_parsing(tmp_path: Path, store_factory) -> None:
    """If a stored text ever differed from the source's, reconciliation would still pass (it falls
    back to comparing parsed values) but pay the parse for every record: so the fast path is checked
    directly, record by record."""
    store = store_factory()
    result, target = migrate(tmp_path, store)
    mismatched = record_digests_differing(tmp_path, result.run_id, target, ("candidate", "job", "application", "assessment"))
    assert result.passed and mismatched == {"candidate": 0, "job": 0, "application": 0, "assessment": 0}


def record_digests_differing(tmp_path: Path, run_id: str, target: StoreTarget, kinds: tuple[str, ...]) -> dict[str, int]:
    """Per kind, how many stored records' record digests differ from the ledger's (all must be found)."""
    digester, ledger, counts = Digester(target.store.keyring), Ledger(tmp_path / f"{run_id}.ledger"), {}
    for kind in kinds:
        ours = {ext: digests[:RECORD] for ext, _, digests in ledger.records(kind)}
        theirs = {ext: digester.record_digest(kind, texts) for ext, texts in target.read_back(kind, list(ours))}
        assert theirs.keys() == ours.keys() and len(ours) > 0
        counts[kind] = sum(theirs[ext] != ours[ext] for ext in ours)
    ledger.close()
    return counts


def test_a_stored_text_written_another_way_is_no_difference(tmp_path: Path, store_factory) -> None:
    """The target re-encodes every assessment's data JSON with ASCII escapes and spaces: the values are
    the same, so reconciliation passes with no finding, though no record digest matches."""
    store = store_factory()

    def reencode(state: dict) -> None:
        with store.transaction() as tx:
            for entity_id, data in tx.execute(sa.select(t.entities.c.id, t.entities.c.data).where(t.entities.c.kind == "assessment")).all():
                again = json.dumps(json.loads(data), ensure_ascii=True, indent=1)
                tx.execute(sa.update(t.entities).where(t.entities.c.id == entity_id).values(data=again))

    result, target = migrate(tmp_path, store, on_batch=reencode)
    assessment = next(item for item in result.reconciliation if item.kind == "assessment")
    assert result.passed and not [f for f in result.findings if f.kind == "checksum_mismatch"]
    assert assessment.source_checksums == assessment.target_checksums and assessment.target_count == 40
    assert record_digests_differing(tmp_path, result.run_id, target, ("assessment",)) == {"assessment": 40}
