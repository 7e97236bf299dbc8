"""Odoo's write side: an accepted offer becomes an ``hr.employee`` once, with its pay.

Against the documented conversation (cassettes ``write_employee*``, JSON bodies matched exactly): the
employee is looked up by the offer's key first, created with the wage on its version (Odoo 19) or
with a draft ``hr.contract`` (Odoo 18, ``compensation: contract``), and a repeat finds it and
creates nothing. What Odoo could never take is refused before anything is sent, with the reason.
"""

from __future__ import annotations

from typing import Any

import pytest

from hub.core.delivery import Delivery
from hub.core.errors import PermanentConnectorError
from plugins.erp.odoo import Odoo
from plugins.erp.odoo_write import employee_key
from tests.plugins.erp.odoo_support import RPC_SETTINGS, SETTINGS, json_bodies_vcr

WRITES = {**SETTINGS, "currency": "USD"}
#: The payload offer.yaml's reverse section makes of the accepted offer (test_the_payload_...).
PAYLOAD = {"status": "accepted", "name": "Test Candidate 5", "work_email": "test.candidate5@example.com",
           "job_title": "Software Engineer", "job_id": "11", "department": "Research & Development",
           "amount": "95000", "currency": "USD", "period": "annual", "start_date": "2024-07-01"}


def delivery(payload: dict[str, Any] | None = None, external_id: str | None = None) -> Delivery:
    return Delivery(route="hires_to_odoo", kind="offer", entity_id="hub-offer-1", version=1,
                    payload=PAYLOAD if payload is None else payload, external_id=external_id)


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
    odoo = Odoo({**RPC_SETTINGS, "currency": "USD", "compensation": "contract"})
    with json_bodies_vcr().use_cassette("write_employee_contract.yaml", allow_playback_repeats=False) as played:
        assert odoo.deliver(delivery()) == "42"
    assert played.all_played  # login, lookup, department, employee, contract lookup, contract
    odoo.close()


def test_a_record_odoo_refuses_is_a_permanent_error_with_its_exception_name() -> None:
    odoo = Odoo(WRITES)
    with json_bodies_vcr().use_cassette("write_employee_refused.yaml"), pytest.raises(PermanentConnectorError) as refused:
        odoo.deliver(delivery())
    assert refused.value.context["vendor_code"] == "odoo.exceptions.ValidationError"
    assert refused.value.context["status"] == 422
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
