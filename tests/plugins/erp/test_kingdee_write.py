"""Kingdee's write side: an accepted offer becomes a 员工 through BD_Empinfo Save, against the documented
conversation (cassettes ``write_employee*``, bodies matched exactly). A repeated delivery finds the
employee the first one made (by the number ``hub-<offer id>``) and sends no Save; a linked one is
updated only in ``update_fields``; Kingdee's refusal names its field; what Kingdee could never take
is refused before anything is sent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hub.core.delivery import Delivery
from hub.core.errors import PermanentConnectorError
from hub.core.models import Offer, Ref
from plugins.erp.kingdee import Kingdee
from tests.plugins.erp.test_kingdee_connector import CASSETTES, SETTINGS, json_bodies_vcr

OFFER_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"  # the hub id the cassettes' number is made from
PERSON = {"name": "测试新员工", "mobile": "+14155550177", "email": "test.newhire@example.com",
          "department_number": "BM0101", "post_number": "GW0201"}


def offer(status: str = "accepted") -> Offer:
    return Offer(id=OFFER_ID, application=Ref(system="greenhouse", external_id="7001"), status=status,
                 start_date=dt.date(2024, 8, 1))


def delivery(kingdee: Kingdee, entity: Offer, external_id: str | None = None, **person: Any) -> Delivery:
    payload = {**kingdee.reverse_mapping("offer").reverse(entity), **PERSON, **person}
    return Delivery(route="offers_to_kingdee", kind="offer", entity_id=OFFER_ID, version=1, payload=payload,
                    external_id=external_id, entity=entity)


def test_the_reverse_mapping_gives_the_offer_its_number_status_and_start() -> None:
    payload = Kingdee(dict(SETTINGS)).reverse_mapping("offer").reverse(offer())
    assert payload == {"offer_id": OFFER_ID, "status": "accepted", "start_date": "2024-08-01"}


def test_an_employee_is_created_once_and_its_fid_returned() -> None:
    kingdee = Kingdee(dict(SETTINGS))
    item = delivery(kingdee, offer())
    assert kingdee.refusal(item) is None
    with json_bodies_vcr(CASSETTES).use_cassette("write_employee.yaml") as played:
        assert kingdee.deliver(item) == "100201"
    assert played.all_played
    kingdee.close()
    again = Kingdee(dict(SETTINGS))
    with json_bodies_vcr(CASSETTES).use_cassette("write_employee_again.yaml") as played:  # a repeat after a crash
        assert again.deliver(item) == "100201"
    assert played.all_played and played.play_count == 2  # login and the lookup: no Save
    again.close()


def test_a_linked_employee_is_updated_only_in_update_fields_that_differ() -> None:
    kingdee = Kingdee({**SETTINGS, "update_fields": ["FMobile", "FName"]})
    with json_bodies_vcr(CASSETTES).use_cassette("write_employee_update.yaml") as played:
        assert kingdee.deliver(delivery(kingdee, offer(), external_id="100201")) == "100201"
    assert played.all_played  # the Save names FMobile alone: the name is the same
    kingdee.close()


def test_kingdees_refusal_is_a_dead_letter_naming_its_field_and_code() -> None:
    kingdee = Kingdee(dict(SETTINGS))
    with json_bodies_vcr(CASSETTES).use_cassette("write_refused.yaml"), pytest.raises(PermanentConnectorError) as refused:
        kingdee.deliver(delivery(kingdee, offer()))
    context = refused.value.context
    assert (context["field_path"], context["vendor_code"], context["record_id"]) == ("FPost", "11", OFFER_ID)
    assert "岗位" in str(refused.value)
    kingdee.close()


@pytest.mark.parametrize(("settings", "entity", "external_id", "person", "reason"), [
    ({}, offer(status="sent"), None, {}, "only an accepted offer"),
    ({}, offer(), None, {"name": None}, "has no name"),
    ({"org_number": None}, offer(), None, {}, "org_number"),
    ({}, offer(), "E-1", {}, "not a Kingdee FID"),
    ({"update_fields": ["FSalary"]}, offer(), None, {}, "update_fields"),
])
def test_what_kingdee_cannot_take_is_refused_before_sending(settings: dict[str, Any], entity: Offer,
                                                            external_id: str | None, person: dict[str, Any],
                                                            reason: str) -> None:
    kingdee = Kingdee({**SETTINGS, **settings})
    refused = kingdee.refusal(delivery(kingdee, entity, external_id, **person))
    assert isinstance(refused, PermanentConnectorError) and reason in str(refused)
    assert refused.context["record_id"] == OFFER_ID and refused.context["system"] == "kingdee"
