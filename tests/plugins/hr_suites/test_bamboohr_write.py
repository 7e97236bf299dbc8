"""BambooHR's write side: an accepted offer becomes a BambooHR employee with its compensation row,
through the real store and delivery runner (the offer's candidate, application and job read with it:
``DeliveryTarget.related``) and the offer mapping's ``reverse:`` section, against the documented
conversation (cassettes ``write_employee*``, bodies matched exactly). A delivery repeated after a crash
finds the employee by work email and creates nothing; what BambooHR could never take is refused
before anything is sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from hub.core.config import HubConfig
from hub.core.delivery import Delivery, DeliveryRunner, attach_routes
from hub.core.models import Application, Candidate, Job, Offer, Ref
from hub.core.store import Store
from hub.testing import sqlite_store
from plugins.hr_suites.bamboohr import BambooHR
from tests.plugins.hr_suites.test_bamboohr_connector import CASSETTES, SETTINGS
from tests.plugins.hr_suites.test_moka_connector import json_bodies_vcr

ROUTE = {"name": "hires", "entity": "offer", "target": "bamboohr", "when": [{"field": "status", "equals": "accepted"}]}


class KeptBambooHR(BambooHR):
    """BambooHR's target keeping each delivery it is handed (to hand it again, as after a crash)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.received: list[Delivery] = []

    def deliver(self, item: Delivery) -> str:
        self.received.append(item)
        return super().deliver(item)


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    with sqlite_store(tmp_path) as opened:  # a real store, the hires route attached
        attach_routes(opened, HubConfig.model_validate({"routes": [ROUTE]}))
        yield opened


def accepted_offer(store: Store, *, name: str = "Fay Newhire", emails: tuple[str, ...] = ("fay.newhire@example.com",)) -> str:
    """Candidate, job, application and an accepted offer, as an ATS sync stores them."""
    with store.transaction() as tx:
        store.upsert_many(tx, "greenhouse", [Job(external_ids={"greenhouse": "3"}, title="Backend Engineer")])
        store.upsert_many(tx, "greenhouse", [Candidate(external_ids={"greenhouse": "7"}, name=name, emails=list(emails))])
        store.upsert_many(tx, "greenhouse", [Application(
            external_ids={"greenhouse": "70"}, status="offer", candidate=Ref(system="greenhouse", external_id="7"),
            job=Ref(system="greenhouse", external_id="3"))])
        offer = Offer(external_ids={"greenhouse": "700"}, status="accepted", start_date=dt.date(2024, 7, 1),
                      application=Ref(system="greenhouse", external_id="70"),
                      candidate=Ref(system="greenhouse", external_id="7"),
                      compensation={"base": {"amount": "112000.00", "currency": "USD"}, "period": "annual"})
        [offer_id] = store.upsert_many(tx, "greenhouse", [offer], origin="sync:greenhouse").ids
    return offer_id


def run(store: Store, target: BambooHR) -> Any:
    return DeliveryRunner(store, HubConfig.model_validate({"routes": [ROUTE]}), targets={"bamboohr": target}).run()


def test_an_accepted_offer_becomes_an_employee_once(store: Store) -> None:
    offer_id = accepted_offer(store)
    bamboo = KeptBambooHR(SETTINGS)
    with json_bodies_vcr(CASSETTES).use_cassette("write_employee.yaml") as played:
        assert run(store, bamboo).counters == {"bamboohr": {"delivered": 1}}
    assert played.all_played  # directory read, employee created, pay rows read, the row added
    assert store.get("offer", offer_id).external_ids["bamboohr"] == "4120"  # from the Location header
    [item] = bamboo.received
    assert item.payload == {"firstName": "Fay", "lastName": "Newhire", "workEmail": "fay.newhire@example.com",
                            "jobTitle": "Backend Engineer", "hireDate": "2024-07-01", "rate": "112000.00",
                            "currency": "USD", "paidPer": "Year"}
    with json_bodies_vcr(CASSETTES).use_cassette("write_employee_again.yaml") as again:  # the same entry after a crash
        assert bamboo.deliver(item) == "4120"
    assert again.all_played and [r.method for r in again.requests] == ["GET", "GET"]  # nothing written
    bamboo.close()


@pytest.mark.parametrize(("offer", "code", "reason"), [
    ({"name": "Fay"}, "mapping-error", "two or more words"),
    ({"emails": ()}, "connector-permanent", "no work email"),
])
def test_what_bamboohr_cannot_take_is_refused_before_sending(store: Store, offer: dict, code: str, reason: str) -> None:
    accepted_offer(store, **offer)
    with json_bodies_vcr(CASSETTES).use_cassette("write_employee.yaml") as played:
        assert run(store, BambooHR(SETTINGS)).counters == {"bamboohr": {"dead": 1}}
    assert played.play_count == 0  # refused before anything was sent
    [letter] = store.dead_letters(system="bamboohr")
    assert letter.error_code == code and reason in letter.error["reason"]
    assert "Fay" not in letter.error["reason"]  # the person's name is never in the refusal


@pytest.mark.parametrize(("payload", "reason"), [
    ({}, None),
    ({"paidPer": None}, "no pay period"),
    ({"rate": "a lot"}, "not a number"),
    ({"hireDate": None}, "no start date"),
])
def test_a_compensation_bamboohr_cannot_say_is_refused(payload: dict, reason: str | None) -> None:
    base = {"firstName": "Fay", "lastName": "Newhire", "workEmail": "fay.newhire@example.com",
            "hireDate": "2024-07-01", "rate": "112000.00", "currency": "USD", "paidPer": "Year"}
    item = Delivery(route="hires", kind="offer", entity_id="o", version=1, external_id="4120", payload={**base, **payload})
    refused = BambooHR(SETTINGS).refusal(item)
    if reason is None:
        assert refused is None  # an employee BambooHR knows, paid per a period it names: sent
    else:
        assert refused is not None and reason in refused.reason and refused.context["record_id"] == "o"


def test_a_deleted_offer_is_refused_not_written() -> None:
    item = Delivery(route="hires", kind="offer", entity_id="o", version=2, external_id="4120", deleted=True,
                    payload={"firstName": "Fay", "lastName": "Newhire", "workEmail": "fay.newhire@example.com"})
    refused = BambooHR(SETTINGS).refusal(item)
    assert refused is not None and "terminate the employee in BambooHR" in refused.reason
