"""Kingdee's write side: an accepted offer becomes a 员工 through BD_Empinfo Save, its payload built by
the offer mapping's ``reverse:`` section from the offer and the entities it references (``related``),
against the documented conversation (cassettes ``write_employee*``, bodies matched exactly).

A repeated delivery finds the employee the first one made (by the number ``hub-<offer id>``) and sends
no Save; a linked one is updated only in ``update_fields``; Kingdee's refusal names its field; what
Kingdee could never take is refused before anything is sent. The last test runs the real delivery
runner and store: the route, the FID linked to the offer, a second pass that sends nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from hub.core.config import HubConfig
from hub.core.delivery import Delivery, DeliveryRunner, attach_routes
from hub.core.delivery.related import related_json
from hub.core.errors import PermanentConnectorError
from hub.core.mapping_files import MappingLookup
from hub.core.models import Application, Candidate, Entity, Job, Offer, Ref
from hub.testing import scrubbing_vcr, sqlite_store
from plugins.erp.kingdee import Kingdee
from tests.plugins.erp.test_kingdee_connector import CASSETTES, SETTINGS, json_bodies_vcr

REPO = Path(__file__).resolve().parents[3]
SHIPPED = REPO / "hub" / "mappings" / "erp" / "kingdee" / "offer.yaml"
OFFER_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"  # the hub id the cassettes' number is made from
PERSON = Candidate(id="c-1", name="测试新员工", phones=["+14155550177"], emails=["test.newhire@example.com"])
JOB = Job(id="j-1", title="软件工程师", department="研发部")


@pytest.fixture(scope="module")
def mappings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's mapping folder: the shipped offer mapping with the organisation's 部门 and 岗位 numbers filled in."""
    folder = tmp_path_factory.mktemp("mappings")
    (folder / "erp" / "kingdee").mkdir(parents=True)
    text = SHIPPED.read_text(encoding="utf-8").replace("  departments: {}", "  departments: {研发部: BM0101}")
    (folder / "erp" / "kingdee" / "offer.yaml").write_text(text.replace("  posts: {}", "  posts: {软件工程师: GW0201}"),
                                                           encoding="utf-8")
    return folder


def kingdee(mappings: Path, **settings: Any) -> Kingdee:
    return Kingdee({**SETTINGS, **settings}, mapping_lookup=MappingLookup.of([mappings]))


def offer(status: str = "accepted") -> Offer:
    return Offer(id=OFFER_ID, application=Ref(id="a-1"), candidate=Ref(id="c-1"), status=status,
                 start_date=dt.date(2024, 8, 1))


def delivery(target: Kingdee, entity: Offer, external_id: str | None = None,
             related: dict[str, Entity] | None = None) -> Delivery:
    """What the runner hands the target: the payload from the reverse mapping, reading ``related``."""
    related = {"candidate": PERSON, "application.job": JOB} if related is None else related
    data = {**entity.model_dump(mode="json"), "related": related_json(related)}
    return Delivery(route="offers_to_kingdee", kind="offer", entity_id=OFFER_ID, version=1,
                    payload=target.reverse_mapping("offer").reverse(data), external_id=external_id, entity=entity,
                    related=related)


def delivered(target: Kingdee, item: Delivery, cassette: str) -> tuple[str, Any]:
    """One delivery replayed from ``cassette`` (bodies matched); the id returned and the cassette."""
    with json_bodies_vcr(CASSETTES).use_cassette(f"{cassette}.yaml") as played:
        fid = target.deliver(item)
    target.close()
    return fid, played


def test_the_payload_is_the_offer_its_person_and_the_jobs_kingdee_numbers(mappings: Path) -> None:
    payload = delivery(kingdee(mappings), offer()).payload
    assert payload == {"offer_id": OFFER_ID, "status": "accepted", "start_date": "2024-08-01",
                       "person": {"name": "测试新员工", "mobile": "+14155550177", "email": "test.newhire@example.com"},
                       "department_number": "BM0101", "post_number": "GW0201"}
    shipped = Kingdee(dict(SETTINGS)).reverse_mapping("offer").reverse(offer().model_dump(mode="json"))
    assert "department_number" not in shipped or shipped["department_number"] is None  # empty tables: no 任岗


def test_an_employee_is_created_once_and_its_fid_returned(mappings: Path) -> None:
    item = delivery(kingdee(mappings), offer())
    assert kingdee(mappings).refusal(item) is None
    fid, played = delivered(kingdee(mappings), item, "write_employee")
    assert fid == "100201" and played.all_played
    fid, played = delivered(kingdee(mappings), item, "write_employee_again")  # a repeat after a crash
    assert fid == "100201" and played.all_played and played.play_count == 2  # login and the lookup: no Save


def test_an_offer_without_a_candidate_takes_its_applications(mappings: Path) -> None:
    target = kingdee(mappings)
    item = delivery(target, offer(), related={"application.candidate": PERSON, "application.job": JOB})
    assert target.refusal(item) is None and target.person(item.payload)["name"] == "测试新员工"
    fid, played = delivered(target, item, "write_employee")
    assert fid == "100201" and played.all_played


def test_a_linked_employee_is_updated_only_in_update_fields_that_differ(mappings: Path) -> None:
    target = kingdee(mappings, update_fields=["FMobile", "FName"])
    fid, played = delivered(target, delivery(target, offer(), external_id="100201"), "write_employee_update")
    assert fid == "100201" and played.all_played  # the Save names FMobile alone: the name is the same


def test_kingdees_refusal_is_a_dead_letter_naming_its_field_and_code(mappings: Path) -> None:
    target = kingdee(mappings)
    with json_bodies_vcr(CASSETTES).use_cassette("write_refused.yaml"), pytest.raises(PermanentConnectorError) as refused:
        target.deliver(delivery(target, offer()))
    context = refused.value.context
    assert (context["field_path"], context["vendor_code"], context["record_id"]) == ("FPost", "11", OFFER_ID)
    assert "岗位" in str(refused.value)
    target.close()


@pytest.mark.parametrize(("settings", "entity", "external_id", "related", "reason"), [
    ({}, offer(status="sent"), None, None, "only an accepted offer"),
    ({}, offer(), None, {"application.job": JOB}, "has no name"),
    ({"org_number": None}, offer(), None, None, "org_number"),
    ({}, offer(), "E-1", None, "not a Kingdee FID"),
    ({"update_fields": ["FSalary"]}, offer(), None, None, "update_fields"),
])
def test_what_kingdee_cannot_take_is_refused_before_sending(mappings: Path, settings: dict[str, Any], entity: Offer,
                                                            external_id: str | None, related: dict[str, Entity] | None,
                                                            reason: str) -> None:
    target = kingdee(mappings, **settings)
    refused = target.refusal(delivery(target, entity, external_id, related))
    assert isinstance(refused, PermanentConnectorError) and reason in str(refused)
    assert refused.context["record_id"] == OFFER_ID and refused.context["system"] == "kingdee"


def test_the_runner_links_the_new_employees_fid_to_the_offer_and_a_second_pass_sends_nothing(
        tmp_path: Path, mappings: Path) -> None:
    config = HubConfig.model_validate({
        "mappings": [str(mappings)],
        "connectors": {"kingdee": {"type": "kingdee", "settings": dict(SETTINGS)}},
        "routes": [{"name": "accepted-offers-to-kingdee", "entity": "offer", "target": "kingdee",
                    "when": [{"field": "status", "changed_to": "accepted"}]}]})
    with sqlite_store(tmp_path) as store:
        attach_routes(store, config)
        with store.transaction() as tx:
            store.upsert_many(tx, "greenhouse", [Job(external_ids={"greenhouse": "3"}, title="软件工程师", department="研发部")])
            store.upsert_many(tx, "greenhouse", [Candidate(external_ids={"greenhouse": "7"}, name="测试新员工",
                                                           phones=["+14155550177"], emails=["test.newhire@example.com"])])
            store.upsert_many(tx, "greenhouse", [Application(
                external_ids={"greenhouse": "70"}, status="offer", candidate=Ref(system="greenhouse", external_id="7"),
                job=Ref(system="greenhouse", external_id="3"))])
            [offer_id] = store.upsert_many(tx, "greenhouse", [Offer(
                external_ids={"greenhouse": "700"}, status="accepted", start_date=dt.date(2024, 8, 1),
                application=Ref(system="greenhouse", external_id="70"),
                candidate=Ref(system="greenhouse", external_id="7"))]).ids
        with scrubbing_vcr(CASSETTES).use_cassette("write_employee.yaml") as played:  # bodies hold the hub id: not matched
            first = DeliveryRunner(store, config).run()
        assert played.all_played and first.counters == {"kingdee": {"delivered": 1}}
        assert store.get("offer", offer_id).external_ids["kingdee"] == "100201"
        with scrubbing_vcr(CASSETTES).use_cassette("write_employee_again.yaml") as played:
            second = DeliveryRunner(store, config).run()
        assert played.play_count == 0 and not second.counters.get("kingdee", {}).get("delivered")
