"""Kinds dumped in parts (EntityCodec._prepare_in_parts) against the whole dump and the parse they replace.

The content hash is computed over bytes assembled from separately dumped parts, and the stored texts
are cut back out of those bytes, so both are checked
where assembling could go wrong: raw payloads and ids holding quotes, escapes, the very key names
the assembly writes, non-ASCII text, nesting, values JSON has no type for, and empty or missing raw
payloads. If the assembled bytes ever differed from :func:`hashed_dump`, every stored record would
look changed on its next sync.
"""

from __future__ import annotations

import datetime as dt
import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.core.crypto import KeyRing
from hub.core.models import Application, ApplicationStatus, Provenance, Ref
from hub.core.store.codec import EntityCodec, Prepared, Snapshot, hashed_dump, kind_info

CODEC = EntityCodec(KeyRing.generate())
FETCHED = dt.datetime(2024, 6, 1, 8, 0, tzinfo=dt.UTC)
#: Strings chosen to look like the boundaries the assembly writes.
TRICKY = st.sampled_from(['","provenance":', ',"remote_data":', '{"external_ids":', "provenance", "remote_data",
                          "external_ids", '"}', "\\", '\\"', "李娜", "a,b", "}", "{"]) | st.text(max_size=12)
LEAF = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TRICKY
        | st.datetimes(timezones=st.none() | st.just(dt.UTC)) | st.decimals(allow_nan=False, allow_infinity=False))
JSON = st.recursive(
    LEAF,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TRICKY, children, max_size=3),
    max_leaves=12,
)


def application(remote_data: object, external_id: str, stream: str | None) -> Application:
    return Application(
        external_ids={"greenhouse": external_id, "crm": external_id + '"'},
        provenance=Provenance(system="greenhouse", stream=stream, fetched_at=FETCHED),
        remote_data=remote_data,
        candidate=Ref(system="greenhouse", external_id=external_id),
        status=ApplicationStatus.INTERVIEWING,
        stage='Onsite "final", round 2',
    )


def whole(entity: Application) -> Prepared:
    """What prepare gives for a kind that is not dumped in parts: the whole dump, parsed when split."""
    return Prepared(entity.kind, "x", hashed_dump(entity), entity, entity.provenance.model_dump_json())


def same(a: Snapshot, b: Snapshot) -> bool:
    return (a.data, a.pii, a.provenance) == (b.data, b.pii, b.provenance)


@settings(max_examples=300, deadline=None)
@given(remote_data=st.none() | st.dictionaries(TRICKY, JSON, max_size=5), external_id=TRICKY.filter(str.strip),
       stream=st.none() | TRICKY)
def test_parts_assemble_the_whole_dump_and_cut_back_to_what_parsing_it_gives(
    remote_data: dict | None, external_id: str, stream: str | None
) -> None:
    entity = application(remote_data, external_id, stream)
    parts, reference = CODEC.prepare(entity, "greenhouse"), whole(entity)
    assert parts.raw_span is not None  # really made in parts
    assert parts.payload == reference.payload
    assert CODEC.hash_of(parts) == CODEC.hash_of(reference)
    assert same(CODEC.split(parts), CODEC.split(reference))


def test_a_detached_record_dumped_in_parts_travels_as_its_payload_and_cuts_its_texts_from_it() -> None:
    entity = application({"id": 7, "note": "李娜"}, "7", "applications")
    detached = pickle.loads(pickle.dumps(CODEC.detach(CODEC.prepare(entity, "greenhouse"))))
    assert (detached.entity, detached.content, detached.content_hash) == (None, None, None)  # plain bytes crossed
    assert detached.refs == (("candidate", "greenhouse", "7"),)  # noted before the model was dropped
    assert CODEC.split(detached).pii_json() == {"remote_data": '{"id":7,"note":"李娜"}'}
    assert same(detached.content, CODEC.split(whole(entity)))
    assert CODEC.hash_of(detached) == CODEC.keyring.content_hash(hashed_dump(entity))


def test_an_empty_raw_payload_is_no_pii_to_encrypt() -> None:
    for empty in (None, {}):
        assert CODEC.split(CODEC.prepare(application(empty, "7", None), "greenhouse")).pii_json() == {}


def test_only_kinds_whose_sole_pii_is_the_raw_payload_are_dumped_in_parts() -> None:
    assert [kind for kind in ("candidate", "employee", "offer", "application", "assessment", "job")
            if kind_info(kind).in_parts] == ["application", "job"]  # an assessment's free text is PII


@settings(max_examples=200, deadline=None)
@given(remote_data=st.none() | st.dictionaries(TRICKY, JSON, max_size=3), external_id=TRICKY.filter(str.strip),
       entity_id=TRICKY)
def test_a_reference_filled_into_the_cut_text_gives_what_parsing_setting_and_dumping_gives(
    remote_data: dict | None, external_id: str, entity_id: str
) -> None:
    entity = application(remote_data, external_id, None)
    spliced = CODEC.split(CODEC.prepare(entity, "greenhouse"))
    parsed = Snapshot(None, None, None, texts=spliced.texts())  # same text, references not known: the parse path
    refs = spliced.unresolved_refs(kind_info("application").refs)
    target = entity.candidate.external_id  # as the model holds it (whitespace stripped)
    assert list(refs) == parsed.unresolved_refs(kind_info("application").refs) == [("candidate", "greenhouse", target)]
    spliced.resolve_ref(refs[0], entity_id)
    parsed.resolve_ref(refs[0], entity_id)
    assert spliced._data is None  # filled in the text, never parsed
    assert not spliced.unresolved_refs(kind_info("application").refs)  # and no longer pending
    assert spliced.data_json() == parsed.data_json()
    assert spliced.data["candidate"] == {"id": entity_id, "system": "greenhouse", "external_id": target}


def test_a_reference_whose_text_occurs_twice_is_filled_by_parsing_so_only_the_field_changes() -> None:
    ref = '{"id":null,"system":"s","external_id":"e"}'
    text = f'{{"note":{{"candidate":{ref}}},"candidate":{ref}}}'
    snapshot = Snapshot(None, None, None, texts=(text, {}, None), refs=(("candidate", "s", "e"),))
    snapshot.resolve_ref(("candidate", "s", "e"), "hub-1")
    assert snapshot.data == {"note": {"candidate": {"id": None, "system": "s", "external_id": "e"}},
                             "candidate": {"id": "hub-1", "system": "s", "external_id": "e"}}


def test_equal_provenances_share_their_dump_but_each_record_keeps_its_own_values() -> None:
    """The provenance texts are reused while the values repeat (not only the object), and never
    across a change: another stream, or the same instant written with another offset."""
    codec, shanghai = EntityCodec(KeyRing.generate()), dt.timezone(dt.timedelta(hours=8))
    def stored(stream: str | None, fetched_at: dt.datetime) -> dict:
        entity = application(None, "7", stream)
        entity.provenance = Provenance(system="greenhouse", stream=stream, fetched_at=fetched_at)
        return codec.split(codec.prepare(entity, "greenhouse")).provenance
    first = stored("applications", FETCHED)
    assert stored("applications", FETCHED) == first  # an equal object: the same text
    assert stored("offers", FETCHED)["stream"] == "offers"
    assert stored("offers", FETCHED.astimezone(shanghai))["fetched_at"] == "2024-06-01T16:00:00+08:00"
    assert stored("offers", FETCHED)["fetched_at"] == "2024-06-01T08:00:00Z"
