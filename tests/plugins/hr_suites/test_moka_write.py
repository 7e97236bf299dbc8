"""Moka's write side: a canonical offer created with ``POST /v1/create-offer``, through the offer
mapping's ``reverse:`` section, against the documented conversation (cassettes ``write_offer*``,
bodies matched exactly). Repeating a delivery finds the offer the first one made; what Moka could
never take is refused before anything is sent, with the reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from hub.core.config import HubConfig
from hub.core.delivery import Delivery, DeliveryRunner, attach_routes
from hub.core.errors import PermanentConnectorError
from hub.core.models import Application, Compensation, Money, Offer, PayPeriod, Provenance, Ref
from hub.testing import sqlite_store
from plugins.hr_suites.moka import Moka
from tests.plugins.hr_suites.test_moka_connector import CASSETTES, SETTINGS, json_bodies_vcr


def offer(amount: str = "28000", currency: str = "CNY", period: PayPeriod = PayPeriod.MONTHLY,
          application: str | None = "8002") -> Offer:
    reference = Ref(system="moka", external_id=application) if application else Ref(id="hub-application-1")
    return Offer(application=reference, status="draft",
                 compensation=Compensation(base=Money(amount=Decimal(amount), currency=currency), period=period),
                 start_date=dt.date(2024, 8, 1))


def delivery(moka: Moka, entity: Offer, external_id: str | None = None) -> Delivery:
    payload = moka.reverse_mapping("offer").reverse(entity)
    return Delivery(route="offers_to_moka", kind="offer", entity_id="hub-offer-1", version=1, payload=payload,
                    external_id=external_id, entity=entity)


def test_an_offer_is_created_once_and_its_moka_id_read_back() -> None:
    moka = Moka(SETTINGS)
    item = delivery(moka, offer())
    assert moka.refusal(item) is None
    with json_bodies_vcr(CASSETTES).use_cassette("write_offer.yaml") as played:
        assert moka.deliver(item) == "9010"
    assert played.all_played
    with json_bodies_vcr(CASSETTES).use_cassette("write_offer_again.yaml") as played:  # 8003 has offer 9001
        assert moka.deliver(delivery(moka, offer(application="8003"))) == "9001"
    assert played.all_played and played.play_count == 1  # read, nothing created
    moka.close()


@pytest.mark.parametrize(("entity", "external_id", "reason"), [
    (offer(application=None), None, "no Moka id"),
    (offer(amount="28000.50"), None, "fraction"),
    (offer(currency="USD"), None, "salary_currency"),
    (offer(period=PayPeriod.WEEKLY), None, "salary_periods"),
    (offer(), "9001", "no offer update"),
])
def test_what_moka_cannot_take_is_refused_before_sending(entity: Offer, external_id: str | None, reason: str) -> None:
    moka = Moka(SETTINGS)
    refused = moka.refusal(delivery(moka, entity, external_id))
    assert isinstance(refused, PermanentConnectorError) and reason in refused.reason
    assert (refused.context["system"], refused.context["record_id"]) == ("moka", "hub-offer-1")


def test_the_payload_is_the_reverse_mapping_of_the_canonical_offer() -> None:
    payload: dict[str, Any] = delivery(Moka(SETTINGS), offer()).payload
    assert payload == {"applicationId": 8002, "amount": "28000", "currency": "CNY", "period": "monthly",
                       "start_date": "2024-08-01"}


def test_a_routed_offer_is_delivered_to_moka_end_to_end(tmp_path) -> None:  # noqa: ANN001 — pytest's tmp_path
    """The real store queues the offer with its change; the runner translates its application to Moka's
    id, reverse-maps it and the connector creates it; Moka's id of it is kept with the offer."""
    config = HubConfig.model_validate({"connectors": {"moka": {"type": "moka", "settings": SETTINGS}},
                                       "routes": [{"name": "offers-to-moka", "entity": "offer", "target": "moka"}]})
    at = Provenance(system="beisen", fetched_at=dt.datetime(2024, 7, 1, tzinfo=dt.UTC))
    with sqlite_store(tmp_path) as store:
        attach_routes(store, config)
        with store.transaction() as tx:
            store.upsert_many(tx, "moka", [Application(external_ids={"moka": "8002"}, status="interviewing",
                                                       candidate=Ref(system="moka", external_id="7002"))])
        with store.transaction() as tx:
            [offer_id] = store.upsert_many(tx, "beisen", [offer(application="8002").model_copy(
                update={"external_ids": {"beisen": "o-1"}, "provenance": at})]).ids
        with json_bodies_vcr(CASSETTES).use_cassette("write_offer.yaml") as played:
            report = DeliveryRunner(store, config).run()
        assert report.counters == {"moka": {"delivered": 1}} and played.all_played
        assert store.get("offer", offer_id).external_ids["moka"] == "9010"
