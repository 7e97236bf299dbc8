"""Kingdee's View and BatchSave: the employees a target delivered read back by their FIDs (what a
migration into Kingdee compares with the store), and a migration's hires saved in bulk — one lookup
and one BatchSave per chunk, each refusal failing its own offer while the others are linked.

Body-matched cassettes for the fixed offers of test_kingdee_write.py; the bulk pass runs the real
store and delivery runner (bodies then hold the hub ids the store makes up, so they are not matched).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.config import HubConfig
from hub.core.delivery import Delivery, DeliveryRunner, Outbox, attach_routes
from hub.core.delivery.related import related_json
from hub.core.errors import ConfigError, RecordError
from hub.core.mapping_files import MappingLookup
from hub.core.migrate import ConnectorTarget
from hub.core.models import Application, Candidate, Job, Offer, Ref
from hub.testing import scrubbing_vcr, sqlite_store
from plugins.erp.kingdee import Kingdee
from plugins.erp.kingdee_batch import Refused, Saved, batch_outcomes
from plugins.erp.kingdee_view import localized
from tests.plugins.erp.test_kingdee_connector import CASSETTES, SETTINGS, json_bodies_vcr
from tests.plugins.erp.test_kingdee_write import JOB, OFFER_ID, PERSON, delivered, delivery, kingdee, mappings, offer

__all__ = ["mappings"]  # the user's mapping folder fixture, shared with test_kingdee_write.py

OFFER_ID_2 = "1f2e3d4c-5b6a-7988-97a6-b5c4d3e2f101"  # the cassettes' second offer


def test_an_employee_delivered_is_read_back_with_view_as_the_accepted_offer_it_fulfilled(mappings: Path) -> None:
    target = kingdee(mappings)
    assert target.read_back("offer") is None  # nothing delivered: nothing to read back
    fid, _ = delivered(target, delivery(target, offer()), "write_employee")
    assert target.read_back("candidate") is None
    with json_bodies_vcr(CASSETTES).use_cassette("view_employee.yaml") as played:
        held = list(target.read_back("offer") or ())
    assert played.all_played
    [(hub_id, read)] = held
    assert isinstance(read, Offer) and hub_id == OFFER_ID
    assert (read.status.value, read.start_date, read.application.external_id) == ("accepted", dt.date(2024, 8, 1), fid)
    target.close()


def test_an_employee_moved_to_another_post_since_is_named_field_by_field_without_its_values(mappings: Path) -> None:
    target = kingdee(mappings)
    delivered(target, delivery(target, offer()), "write_employee")
    with json_bodies_vcr(CASSETTES).use_cassette("view_employee_moved.yaml"):
        held = list(target.read_back("offer") or ())
    errors = [read for _, read in held if isinstance(read, RecordError)]
    assert sorted(e.context["field_path"] for e in errors) == ["FPost.FNumber", "FPostDept.FNumber"]
    assert all(e.context["record_id"] == OFFER_ID and "BM01" not in str(e) and "测试" not in str(e) for e in errors)
    assert [type(read) for _, read in held if not isinstance(read, RecordError)] == [Offer]  # its start day still compared
    target.close()


def test_an_employee_kingdee_no_longer_holds_is_a_record_error_of_its_own(mappings: Path) -> None:
    target = kingdee(mappings)
    delivered(target, delivery(target, offer()), "write_employee")
    with json_bodies_vcr(CASSETTES).use_cassette("view_employee_gone.yaml") as played:
        [(hub_id, read)] = list(target.read_back("offer") or ())
    assert played.all_played and hub_id == OFFER_ID
    assert isinstance(read, RecordError) and "View of employee FID 100201 failed" in read.reason
    assert read.context["system"] == "kingdee" and read.context["entity"] == "offer"
    target.close()


def bulk_item(target: Kingdee, offer_id: str) -> Delivery:
    """A delivery of the accepted offer ``offer_id`` (the cassettes' person and job)."""
    entity = Offer(id=offer_id, application=Ref(id="a-1"), candidate=Ref(id="c-1"), status="accepted",
                   start_date=dt.date(2024, 8, 1))
    related = {"candidate": PERSON, "application.job": JOB}
    data = {**entity.model_dump(mode="json"), "related": related_json(related)}
    return Delivery(route="migrate.run.offer", kind="offer", entity_id=offer_id, version=1, entity=entity,
                    payload=target.reverse_mapping("offer").reverse(data), external_id=None, related=related)


def test_a_repeated_bulk_pass_finds_both_employees_with_one_lookup_and_saves_nothing(mappings: Path) -> None:
    target = kingdee(mappings, batch_save=True)
    assert target.batched and not kingdee(mappings).batched  # off by default
    assert [target.deliver(bulk_item(target, oid)) for oid in (OFFER_ID, OFFER_ID_2)] == [None, None]  # queued
    with json_bodies_vcr(CASSETTES).use_cassette("batch_save_again.yaml") as played:
        outcomes = target.finish()
    assert outcomes == {OFFER_ID: "100201", OFFER_ID_2: "100202"}
    assert played.all_played and played.play_count == 2  # the login and ONE lookup: no BatchSave
    assert target.finish() is None  # the queue is empty again
    target.close()


@pytest.mark.parametrize(("setting", "value"), [("batch_size", 0), ("batch_size", 1001), ("batch_size", "100"),
                                               ("batch_size", True), ("batch_threads", 0), ("batch_save", "yes")])
def test_the_bulk_settings_are_what_kingdee_can_take(mappings: Path, setting: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=setting):
        kingdee(mappings, **{"batch_save": True, setting: value})


@given(st.lists(st.fixed_dictionaries({"Id": st.integers(0, 10**6), "DIndex": st.one_of(st.integers(-2, 6), st.text(max_size=2))})),
       st.lists(st.fixed_dictionaries({"FieldName": st.one_of(st.none(), st.sampled_from(["FName", "FPost"])),
                                        "Message": st.text(max_size=5),
                                        "DIndex": st.one_of(st.none(), st.integers(-2, 6), st.booleans())})),
       st.integers(0, 5))
def test_each_place_of_a_batchsave_answer_gets_one_outcome_within_the_batch(saved: list[dict[str, Any]],
                                                                             errors: list[dict[str, Any]], count: int) -> None:
    outcomes = batch_outcomes({"SuccessEntitys": saved, "Errors": errors}, count)
    assert all(0 <= place < count for place in outcomes)
    for place, outcome in outcomes.items():
        assert isinstance(outcome, (Saved, Refused))
        if isinstance(outcome, Saved):
            assert outcome.fid not in ("", "0") and any(e["Id"] == int(outcome.fid) for e in saved)
        else:
            assert any(e["DIndex"] == place and not isinstance(e["DIndex"], bool) for e in errors)


@pytest.fixture
def bulk_mappings(tmp_path: Path, mappings: Path) -> Path:
    """The user's mapping folder, also sending the job 出纳 as the 岗位 GW0299 (which Kingdee does not have)."""
    folder = tmp_path / "mappings" / "erp" / "kingdee"
    folder.mkdir(parents=True)
    text = (mappings / "erp" / "kingdee" / "offer.yaml").read_text(encoding="utf-8")
    (folder / "offer.yaml").write_text(text.replace("posts: {软件工程师: GW0201}", "posts: {软件工程师: GW0201, 出纳: GW0299}"),
                                       encoding="utf-8")
    return tmp_path / "mappings"


def bulk_config(folder: Path) -> HubConfig:
    return HubConfig.model_validate({
        "mappings": [str(folder)], "connectors": {"kingdee": {"type": "kingdee", "settings": {**SETTINGS, "batch_save": True}}},
        "routes": [{"name": "hires", "entity": "offer", "target": "kingdee",
                    "when": [{"field": "status", "changed_to": "accepted"}]}]})


def test_a_migrations_hires_are_batchsaved_and_the_one_kingdee_refuses_fails_alone(tmp_path: Path, bulk_mappings: Path) -> None:
    config = bulk_config(bulk_mappings)
    target = Kingdee({**SETTINGS, "batch_save": True}, mapping_lookup=MappingLookup.of([bulk_mappings]))
    with sqlite_store(tmp_path) as store:
        attach_routes(store, config)
        offers = [hire(store, n) for n in (1, 2, 3)]
        runner = DeliveryRunner(store, config, targets={"kingdee": target})
        with scrubbing_vcr(CASSETTES).use_cassette("batch_save.yaml") as played:
            report = runner.run()
        assert played.all_played and report.counters == {"kingdee": {"delivered": 2, "dead": 1}}
        assert [store.get("offer", oid).external_ids.get("kingdee") for oid in offers] == ["100401", None, "100403"]
        assert {e.entity_id: e.status for e in Outbox(store).list()}[offers[1]] == "dead"
        [letter] = store.dead_letters()
        assert (letter.error["field_path"], letter.error["record_id"], letter.error["vendor_code"]) == ("FPost", offers[1], "11")
        target.close()
        with scrubbing_vcr(CASSETTES).use_cassette("view_bulk.yaml") as played:
            held = list(target.read_back("offer") or ())
        assert played.all_played
        assert [(hub_id, read.start_date) for hub_id, read in held if isinstance(read, Offer)] == [
            (offers[0], dt.date(2024, 9, 1)), (offers[2], dt.date(2024, 9, 3))]


def applicant(store: Any, n: int) -> Offer:
    """A fictional person's application, as a sync stores it (the job ``出纳`` for the second, which
    the organisation's mapping sends as a 岗位 Kingdee does not have), and their accepted offer."""
    title = "出纳" if n == 2 else "软件工程师"
    with store.transaction() as tx:
        store.upsert_many(tx, "greenhouse", [Job(external_ids={"greenhouse": f"j{n}"}, title=title, department="研发部")])
        store.upsert_many(tx, "greenhouse", [Candidate(external_ids={"greenhouse": f"c{n}"}, name=f"测试批量员工{n}",
                                                       phones=[f"+1415555018{n}"], emails=[f"test.bulk{n}@example.com"])])
        store.upsert_many(tx, "greenhouse", [Application(
            external_ids={"greenhouse": f"a{n}"}, status="offer", candidate=Ref(system="greenhouse", external_id=f"c{n}"),
            job=Ref(system="greenhouse", external_id=f"j{n}"))])
    return Offer(external_ids={"greenhouse": f"o{n}"}, status="accepted", start_date=dt.date(2024, 9, n),
                 application=Ref(system="greenhouse", external_id=f"a{n}"),
                 candidate=Ref(system="greenhouse", external_id=f"c{n}"))


def hire(store: Any, n: int) -> str:
    """:func:`applicant` ``n`` and their offer stored; the offer's hub id."""
    offer = applicant(store, n)
    with store.transaction() as tx:
        return store.upsert_many(tx, "greenhouse", [offer]).ids[0]


@pytest.mark.parametrize(("view", "mismatched"), [("view_bulk", []), ("view_bulk_late", ["offer.start_date"])])
def test_a_migration_into_kingdee_checks_what_view_reads_back_against_the_store(
        tmp_path: Path, bulk_mappings: Path, view: str, mismatched: list[str]) -> None:
    config = bulk_config(bulk_mappings)
    with sqlite_store(tmp_path) as store:
        offers = [applicant(store, n) for n in (1, 2, 3)]
        target = ConnectorTarget(store, "greenhouse", "kingdee", config, ["offer"])
        with store.transaction() as tx:
            target.write(tx, [store.codec.prepare(offer, "greenhouse") for offer in offers], "run1")
        with scrubbing_vcr(CASSETTES).use_cassette("batch_save.yaml"):
            assert target.deliver("run1").counters == {"kingdee": {"delivered": 2, "dead": 1}}
        with scrubbing_vcr(CASSETTES).use_cassette(f"{view}.yaml") as played:
            findings = target.delivery_findings("run1")["offer"]
        assert played.all_played
        assert [f.record for f in findings if f.kind == "not_delivered"] == ["o2"]  # refused: dead, not held
        late = [f for f in findings if f.kind == "checksum_mismatch"]
        assert [f.field for f in late] == mismatched and all(f.record == "o3" for f in late)


@given(st.one_of(st.lists(st.fixed_dictionaries({"Key": st.sampled_from([2052, 1033, "2052"]),
                                                 "Value": st.one_of(st.none(), st.text(max_size=4))})),
                 st.text(max_size=4), st.none()))
def test_a_view_text_is_the_sessions_language_or_another_filled_in_or_the_value_as_it_came(value: Any) -> None:
    read = localized(value, 2052)
    if not isinstance(value, list) or not value:
        assert read == value or (value == [] and read is None)
    else:
        filled = [v["Value"] for v in value if str(v["Value"] or "").strip()]
        chinese = [v["Value"] for v in value if str(v["Key"]) == "2052" and str(v["Value"] or "").strip()]
        assert read == (chinese[0] if chinese else filled[0] if filled else None)
