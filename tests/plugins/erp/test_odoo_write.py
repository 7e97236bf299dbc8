"""Odoo's write side: an accepted offer becomes an ``hr.employee`` once, with its pay.

Against the documented conversation (cassettes ``write_employee*``, JSON bodies matched exactly): the
employee is looked up by the offer's key first, created with the wage on its version (Odoo 19) or
with a draft ``hr.contract`` (Odoo 18, ``compensation: contract``), and a repeat finds it and
creates nothing. The payload is offer.yaml's reverse section over the offer and the candidate,
application and job the runner reads with it (``related``). What Odoo could never take is refused
before anything is sent, with the reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from hub.core.config import HubConfig
from hub.core.delivery import Delivery, DeliveryRunner, attach_routes
from hub.core.delivery.related import related_json
from hub.core.errors import PermanentConnectorError, RecordError
from hub.core.models import Application, Candidate, Compensation, Job, Money, Offer, PayPeriod, Ref
from hub.core.store import Store
from plugins.erp.odoo import Odoo
from plugins.erp.odoo_write import employee_key
from tests.plugins.erp.odoo_support import RPC_SETTINGS, SETTINGS, json_bodies_vcr

WRITES = {**SETTINGS, "currency": "USD"}
CANDIDATE = Candidate(id="hub-candidate-5", name="Test Candidate 5", emails=["test.candidate5@example.com"])
JOB = Job(id="hub-job-3", title="Software Engineer", department="Research & Development")
APPLICATION = Application(id="hub-application-7", status="offer", candidate=Ref(id="hub-candidate-5"),
                          job=Ref(id="hub-job-3"))
OFFER = Offer(id="hub-offer-1", status="accepted", application=Ref(id="hub-application-7"),
              candidate=Ref(id="hub-candidate-5"), start_date=dt.date(2024, 7, 1),
              compensation=Compensation(base=Money(amount=Decimal("95000"), currency="USD"), period=PayPeriod.ANNUAL))
RELATED = {"candidate": CANDIDATE, "application": APPLICATION, "application.job": JOB}
#: What offer.yaml's reverse section makes of OFFER and RELATED.
PAYLOAD = {"offer_id": "hub-offer-1", "application_id": "hub-application-7", "status": "accepted",
           "name": "Test Candidate 5", "work_email": "test.candidate5@example.com", "job_title": "Software Engineer",
           "department": "Research & Development", "amount": "95000", "currency": "USD", "period": "annual",
           "start_date": "2024-07-01"}


def delivery(payload: dict[str, Any] | None = None, external_id: str | None = None) -> Delivery:
    return Delivery(route="hires_to_odoo", kind="offer", entity_id="hub-offer-1", version=1,
                    payload=PAYLOAD if payload is None else payload, external_id=external_id)


def test_the_payload_is_the_reverse_mapping_of_the_offer_and_what_it_references() -> None:
    data = {**OFFER.model_dump(mode="json"), "related": related_json(RELATED)}
    assert Odoo(WRITES).reverse_mapping("offer").reverse(data) == PAYLOAD
    odoo_job = JOB.model_copy(update={"external_ids": {"odoo": "11"}})
    data["related"] = related_json({**RELATED, "application.job": odoo_job})
    assert Odoo(WRITES).reverse_mapping("offer").reverse(data)["job_id"] == "11"


def test_an_accepted_offer_becomes_one_employee_and_a_repeat_creates_nothing() -> None:
    odoo = Odoo(WRITES)
    item = delivery()
    assert odoo.refusal(item) is None
    with json_bodies_vcr().use_cassette("write_employee.yaml", allow_playback_repeats=False) as played:
        assert odoo.deliver(item) == "42"  # lookup (none), department, create with wage 95000 / 12
    assert played.all_played
    with json_bodies_vcr().use_cassette("write_employee_again.yaml") as played:
        assert Odoo(WRITES).deliver(item) == "42"  # after a crash: the lookup finds it
    assert played.all_played and played.play_count == 1
    assert odoo.deliver(delivery(external_id="42")) == "42"  # linked already: nothing is sent (no cassette)
    odoo.close()


def test_odoo_18_gets_the_employee_then_its_draft_contract_with_the_wage() -> None:
    """Over JSON-RPC; this offer's job was read from Odoo, so the employee's position is linked."""
    odoo = Odoo({**RPC_SETTINGS, "currency": "USD", "compensation": "contract"})
    with json_bodies_vcr().use_cassette("write_employee_contract.yaml", allow_playback_repeats=False) as played:
        assert odoo.deliver(delivery({**PAYLOAD, "job_id": "11"})) == "42"
    assert played.all_played  # login, lookup, department, employee, contract lookup, contract
    odoo.close()


def test_values_odoo_refuses_are_a_record_error_naming_the_offer_and_odoos_exception() -> None:
    odoo = Odoo(WRITES)
    with json_bodies_vcr().use_cassette("write_employee_refused.yaml"), pytest.raises(RecordError) as refused:
        odoo.deliver(delivery())
    assert refused.value.context["vendor_code"] == "odoo.exceptions.ValidationError"
    assert (refused.value.context["status"], refused.value.record_id) == (422, "hub-offer-1")
    assert "Badge ID must be unique" in refused.value.reason
    odoo.close()


@pytest.mark.parametrize(("change", "settings", "reason"), [
    ({"status": "sent"}, WRITES, "only an accepted offer"),
    ({"name": None}, WRITES, "no name"),
    ({"currency": "EUR"}, WRITES, "company's USD"),
    ({"period": "hourly"}, WRITES, "wage is monthly"),
    ({}, SETTINGS, "set 'currency'"),
    ({}, {**WRITES, "compensation": "payslip"}, "compensation"),
])
def test_what_odoo_cannot_take_is_refused_before_sending(change: dict[str, Any], settings: dict[str, Any],
                                                        reason: str) -> None:
    refused = Odoo(settings).refusal(delivery({**PAYLOAD, **change}))
    assert isinstance(refused, PermanentConnectorError) and reason in refused.reason
    assert (refused.context["system"], refused.context["record_id"]) == ("odoo", "hub-offer-1")


def test_an_employee_without_pay_is_taken_when_pay_is_not_written() -> None:
    assert Odoo({**SETTINGS, "compensation": "none"}).refusal(delivery({**PAYLOAD, "currency": "EUR"})) is None
    assert Odoo(SETTINGS).refusal(delivery({**PAYLOAD, "amount": None})) is None


@pytest.mark.parametrize(("amount", "period", "months", "wage"), [
    ("95000", "annual", None, "7916.67"),
    ("6500.50", "monthly", None, "6500.50"),
    ("130000", "annual", 13, "10000.00"),
])
def test_the_wage_is_monthly_to_the_cent(amount: str, period: str, months: int | None, wage: str) -> None:
    payload = {**PAYLOAD, "amount": amount, "period": period, "months_per_year": months}
    assert Odoo(WRITES)._wage(delivery(payload)) == wage


def test_the_key_fits_a_badge_id() -> None:
    key = employee_key("0190f7d2-6a1b-7c3d-8e4f-5a6b7c8d9e0f")
    assert len(key) <= 18 and key.isalnum() and key == employee_key("0190f7d2-6a1b-7c3d-8e4f-5a6b7c8d9e0f")
    assert key != employee_key("0190f7d2-6a1b-7c3d-8e4f-5a6b7c8d9e10")


def test_a_routed_accepted_offer_becomes_an_odoo_employee_linked_to_it_and_a_rerun_creates_nothing(
        store: Store) -> None:
    """The real store and runner: the offer's candidate, application and job are read with it, the
    reverse mapping builds the payload, Odoo's employee id is kept as the offer's odoo id; the
    offer's next version is delivered without a request."""
    config = HubConfig.model_validate({
        "connectors": {"odoo": {"type": "odoo", "settings": WRITES}},
        "routes": [{"name": "hires-to-odoo", "entity": "offer", "target": "odoo",
                    "when": [{"field": "status", "equals": "accepted"}]}]})
    attach_routes(store, config)
    with store.transaction() as tx:
        store.upsert_many(tx, "greenhouse", [Job(external_ids={"greenhouse": "3"}, title="Software Engineer",
                                                 department="Research & Development")])
        store.upsert_many(tx, "greenhouse", [CANDIDATE.model_copy(update={"id": None,
                                                                          "external_ids": {"greenhouse": "5"}})])
        store.upsert_many(tx, "greenhouse", [Application(
            external_ids={"greenhouse": "70"}, status="offer", candidate=Ref(system="greenhouse", external_id="5"),
            job=Ref(system="greenhouse", external_id="3"))])
        offer = OFFER.model_copy(update={"id": None, "external_ids": {"greenhouse": "700"},
                                         "application": Ref(system="greenhouse", external_id="70"),
                                         "candidate": Ref(system="greenhouse", external_id="5")})
        [offer_id] = store.upsert_many(tx, "greenhouse", [offer]).ids
    runner = DeliveryRunner(store, config, targets={"odoo": Odoo(WRITES)})
    recorded_key = {employee_key(offer_id): employee_key("hub-offer-1")}  # the store made the offer's id up
    with json_bodies_vcr(live_names=recorded_key).use_cassette("write_employee.yaml",
                                                               allow_playback_repeats=False) as played:
        assert runner.run().counters == {"odoo": {"delivered": 1}}
    assert played.all_played
    assert store.get("offer", offer_id).external_ids["odoo"] == "42"
    with store.transaction() as tx:  # a later change of the offer: delivered again, to the linked employee
        store.upsert_many(tx, "greenhouse", [offer.model_copy(update={"start_date": dt.date(2024, 7, 8)})])
    with json_bodies_vcr().use_cassette("write_employee_again.yaml") as played:
        assert DeliveryRunner(store, config, targets={"odoo": Odoo(WRITES)}).run().counters == {
            "odoo": {"delivered": 1}}
    assert played.play_count == 0  # nothing sent: the employee is Odoo's now
