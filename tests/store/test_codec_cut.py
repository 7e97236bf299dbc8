"""The cut of a dump into its stored parts (EntityCodec._cut) against the parsing split it replaces.

The cut slices JSON text at key positions instead of parsing it, so it is checked where slicing could
go wrong: raw payloads and ids holding quotes, escaped quotes, the very key names the cut looks for,
non-ASCII text, nesting, and empty or missing raw payloads.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.core.crypto import KeyRing
from hub.core.models import Application, ApplicationStatus, Provenance, Ref
from hub.core.store.codec import EntityCodec, Snapshot, kind_info

CODEC = EntityCodec(KeyRing.generate())
FETCHED = dt.datetime(2024, 6, 1, 8, 0, tzinfo=dt.UTC)
#: Strings chosen to look like the boundaries the cut searches for.
TRICKY = st.sampled_from(['","provenance":', ',"remote_data":', "provenance", "remote_data", "external_ids", '"}', "\\", '\\"', "李娜", "a,b", "}", "{"]) | st.text(max_size=12)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TRICKY,
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


def parsed(entity: Application) -> Snapshot:
    return CODEC._parse(CODEC.prepare(entity, "greenhouse"))


def same(a: Snapshot, b: Snapshot) -> bool:
    return (a.data, a.pii, a.provenance) == (b.data, b.pii, b.provenance)


@settings(max_examples=300, deadline=None)
@given(remote_data=st.none() | st.dictionaries(TRICKY, JSON, max_size=5), external_id=TRICKY.filter(str.strip),
       stream=st.none() | TRICKY)
def test_the_cut_gives_what_parsing_gives(remote_data: dict | None, external_id: str, stream: str | None) -> None:
    entity = application(remote_data, external_id, stream)
    cut = CODEC._cut(CODEC.prepare(entity, "greenhouse"))
    assert cut is not None
    assert same(cut, parsed(entity))


def test_a_detached_record_of_a_cuttable_kind_carries_its_texts_not_its_dump() -> None:
    entity = application({"id": 7, "note": "李娜"}, "7", "applications")
    detached = CODEC.detach(CODEC.prepare(entity, "greenhouse"))
    assert (detached.entity, detached.payload) == (None, None)
    assert same(detached.content, parsed(entity))


def test_only_kinds_whose_sole_pii_is_the_raw_payload_are_cut() -> None:
    assert [kind for kind in ("candidate", "employee", "offer", "application", "assessment", "job")
            if kind_info(kind).cuttable] == ["application", "assessment", "job"]


def test_a_dump_that_does_not_read_as_expected_takes_the_parsing_path() -> None:
    entity = application({"id": 7}, "7", "applications")
    prepared = CODEC.prepare(entity, "greenhouse")
    prepared.payload = prepared.payload.replace('"remote_data":{"id":7}', '"remote_data":{"id": 7}')
    assert CODEC._cut(prepared) is None
    assert CODEC.split(prepared).pii == {"remote_data": {"id": 7}}
