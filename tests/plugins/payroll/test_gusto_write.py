"""Gusto's write side: an accepted offer becomes an employee, its job and the job's pay, once.

Replayed against the documented conversation (cassettes ``write_offer*``, JSON bodies matched exactly,
see :func:`tests.plugins.payroll.test_gusto_connector.replay`). The hire is the accepted Greenhouse
offer of the Greenhouse cassettes (offer 8002: "Test Candidate Three", Account Executive, 105000 USD
a year from 2024-07-01). A rerun writes nothing, with or without Gusto's id kept; a stale compensation
``version`` is re-read and written again; what Gusto could never take is refused before sending.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hub.core.config import HubConfig
from hub.core.delivery import Delivery, DeliveryRunner, attach_routes
from hub.core.errors import MappingError, PermanentConnectorError, WriteConflictError
from hub.core.models import Application, Candidate, Compensation, Job, Money, Offer, PayPeriod, Ref
from hub.core.store import Store
from hub.testing import sqlite_store
from plugins.payroll.gusto import Gusto
from tests.plugins.payroll.test_gusto_connector import SETTINGS, replay

HIRE_UUID = "e0000000-0000-4000-8000-000000000007"
#: What offer.yaml's reverse rules make of the accepted offer and its related candidate and job.
PAYLOAD = {"status": "accepted", "full_name": "Test Candidate Three", "email": "test.candidate3@example.com",
           "job_title": "Account Executive", "hire_date": "2024-07-01", "rate": "105000", "currency": "USD",
           "payment_unit": "Year"}


def delivery(external_id: str | None = None, **changes: Any) -> Delivery:
    return Delivery(route="hires_to_gusto", kind="offer", entity_id="hub-offer-8002", version=1,
                    payload={**PAYLOAD, **changes}, external_id=external_id)


def _deliver(stem: str, item: Delivery, **settings: Any) -> tuple[str, Any]:
    gusto = Gusto({**SETTINGS, **settings})
    assert gusto.refusal(item) is None
    with replay(stem) as played:
        try:
            return gusto.deliver(item), played
        finally:
            gusto.close()


def test_an_accepted_offer_creates_the_employee_the_job_and_its_pay() -> None:
    uuid, played = _deliver("write_offer", delivery())
    assert uuid == HIRE_UUID and played.all_played  # list, POST employee, POST job, PUT compensation


def test_a_rerun_with_gustos_id_kept_reads_and_writes_nothing() -> None:
    uuid, played = _deliver("write_offer_again", delivery(HIRE_UUID))
    assert uuid == HIRE_UUID and played.all_played and played.play_count == 2  # the token and one GET


def test_a_rerun_after_a_crash_finds_the_employee_by_email_and_writes_nothing() -> None:
    uuid, played = _deliver("write_offer_after_crash", delivery())
    assert uuid == HIRE_UUID and played.all_played and played.play_count == 2  # the token and the list


def test_a_stale_compensation_version_is_read_again_and_written_with_the_fresh_one() -> None:
    uuid, played = _deliver("write_offer_conflict", delivery(HIRE_UUID))
    assert uuid == HIRE_UUID and played.all_played


def test_a_compensation_that_keeps_changing_is_given_back_as_a_write_conflict() -> None:
    with pytest.raises(WriteConflictError) as conflict:
        _deliver("write_offer_conflict_stays", delivery(HIRE_UUID))
    assert (conflict.value.context["system"], conflict.value.context["record_id"]) == ("gusto", "hub-offer-8002")


@pytest.mark.parametrize(("changes", "settings", "reason"), [
    ({"status": "sent"}, {}, "only an accepted offer"),
    ({"full_name": "Cher"}, {}, "first and last name"),
    ({"email": None}, {}, "no email"),
    ({"job_title": None}, {}, "no title"),
    ({"hire_date": None}, {}, "no start date"),
    ({"currency": "EUR"}, {}, "USD only"),
    ({"rate": "105000.005"}, {}, "dollars and cents"),
    ({}, {"flsa_status": None}, "flsa_status"),
    ({}, {"flsa_status": "Salaried"}, "flsa_status"),
    ({}, {"name_split": "middle"}, "name_split"),
])
def test_what_gusto_could_never_take_is_refused_before_anything_is_sent(changes: dict[str, Any],
                                                                       settings: dict[str, Any], reason: str) -> None:
    refused = Gusto({**SETTINGS, **settings}).refusal(delivery(**changes))
    assert isinstance(refused, PermanentConnectorError) and reason in refused.reason
    assert (refused.context["system"], refused.context["entity"], refused.context["record_id"]) == (
        "gusto", "offer", "hub-offer-8002")
    assert "Candidate" not in str(refused) and "105000" not in str(refused)  # no PII in the refusal


def test_an_offer_without_pay_needs_no_flsa_status() -> None:
    assert Gusto({**SETTINGS, "flsa_status": None}).refusal(delivery(rate=None, currency=None, payment_unit=None)) is None


def test_an_employee_gusto_no_longer_has_is_refused_not_created_again() -> None:
    gusto = Gusto(SETTINGS)
    with replay("write_offer_gone") as played, pytest.raises(PermanentConnectorError, match="not in Gusto"):
        gusto.deliver(delivery("e0000000-0000-4000-8000-000000000099"))
    assert played.all_played


# ---------------------------------------------------------------- through the real store and runner

ROUTE = {"name": "hires-to-gusto", "entity": "offer", "target": "gusto",
         "when": [{"field": "status", "equals": "accepted"}]}


def _accepted_greenhouse_offer(store: Store) -> str:
    """Greenhouse's offer 8002 as its sync stores it: candidate 1003, job 5002, application 2003."""
    with store.transaction() as tx:
        store.upsert_many(tx, "greenhouse", [Job(external_ids={"greenhouse": "5002"}, title="Account Executive")])
        store.upsert_many(tx, "greenhouse", [Candidate(external_ids={"greenhouse": "1003"}, name="Test Candidate Three",
                                                       emails=["test.candidate3@example.com"])])
        store.upsert_many(tx, "greenhouse", [Application(
            external_ids={"greenhouse": "2003"}, status="hired", candidate=Ref(system="greenhouse", external_id="1003"),
            job=Ref(system="greenhouse", external_id="5002"))])
        offer = Offer(external_ids={"greenhouse": "8002"}, status="accepted", start_date=dt.date(2024, 7, 1),
                      application=Ref(system="greenhouse", external_id="2003"),
                      candidate=Ref(system="greenhouse", external_id="1003"),
                      compensation=Compensation(base=Money(amount=Decimal("105000"), currency="USD"),
                                                period=PayPeriod.ANNUAL))
        [offer_id] = store.upsert_many(tx, "greenhouse", [offer], origin="sync:greenhouse").ids
    return offer_id


def test_the_reverse_mapping_reads_the_offer_and_its_related_candidate_and_job(tmp_path: Path) -> None:
    config = HubConfig.model_validate({"connectors": {"gusto": {"type": "gusto", "settings": SETTINGS}},
                                       "routes": [ROUTE]})
    with sqlite_store(tmp_path) as store:
        attach_routes(store, config)
        offer_id = _accepted_greenhouse_offer(store)
        with replay("write_offer") as played:
            report = DeliveryRunner(store, config).run()
        assert report.counters == {"gusto": {"delivered": 1}} and played.all_played  # the payload is PAYLOAD
        assert store.get("offer", offer_id).external_ids["gusto"] == HIRE_UUID
        with store.transaction() as tx:  # the offer changes again in Greenhouse: the route fires once more
            store.upsert_many(tx, "greenhouse", [store.get("offer", offer_id).model_copy(
                update={"status_raw": "Accepted (countersigned)"})], origin="sync:greenhouse")
        with replay("write_offer_again") as played:
            report = DeliveryRunner(store, config).run()
        assert report.counters == {"gusto": {"delivered": 1}} and played.all_played and played.play_count == 2


def test_a_daily_wage_is_refused_by_the_reverse_mapping_before_anything_is_sent() -> None:
    gusto = Gusto(SETTINGS)
    offer = Offer(status="accepted", application=Ref(id="hub-application-1"),
                  compensation=Compensation(base=Money(amount=Decimal("300"), currency="USD"), period=PayPeriod.DAILY))
    with pytest.raises(MappingError, match="payment_unit"):
        gusto.reverse_mapping("offer").reverse(offer)
