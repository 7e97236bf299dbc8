"""A target that makes an employee of an accepted offer reads the offer's candidate, application and
job with it (``DeliveryTarget.related``): the real store and runner, the reverse mapping reading
``related.*``, and the audit log recording whose PII the target was given."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

import pytest

from hub.core.config import HubConfig
from hub.core.crypto import KeyRing
from hub.core.delivery import Delivery, DeliveryRunner, DeliveryTarget, Outbox, attach_routes
from hub.core.delivery.related import read_related
from hub.core.errors import MappingCompileError, StoreError
from hub.core.mapping import CompiledMapping, load_mapping_text
from hub.core.models import Application, Candidate, Job, Offer, Ref
from hub.core.store import Store

ROUTE = {"name": "hires", "entity": "offer", "target": "payroll", "when": [{"field": "status", "equals": "accepted"}]}
REVERSE = """
system: payroll
entity: offer
record_id: id
fields:
  status: {from: status}
  application.system: {const: payroll}
  application.external_id: {from: application_id}
reverse:
  fields:
    full_name: {from: related.candidate.name}
    email: {from: "related.candidate.emails[0]"}
    title: {from: related.application.job.title}
    amount: {from: compensation.base.amount}
"""


class PayrollTarget(DeliveryTarget):
    """A payroll system's write side as a plugin would declare it; it keeps what it was handed."""

    name = "payroll"
    writes: ClassVar[tuple[str, ...]] = ("offer",)
    related: ClassVar[dict[str, tuple[str, ...]]] = {
        "offer": ("candidate", "application", "application.job", "application.candidate")}

    def __init__(self) -> None:
        self.received: list[Delivery] = []

    def reverse_mapping(self, kind: str) -> CompiledMapping:
        return load_mapping_text(REVERSE)

    def deliver(self, item: Delivery) -> str:
        self.received.append(item)
        return item.external_id or f"emp-{len(self.received)}"


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'hub.db'}", KeyRing.generate())
    store.upgrade()
    attach_routes(store, HubConfig.model_validate({"routes": [ROUTE]}))
    yield store
    store.close()


def accepted_offer(store: Store, *, with_candidate: bool = True) -> str:
    """Candidate, job, application and an accepted offer, as a Greenhouse sync would store them."""
    with store.transaction() as tx:
        store.upsert_many(tx, "greenhouse", [Job(external_ids={"greenhouse": "3"}, title="后端工程师")])
        store.upsert_many(tx, "greenhouse", [Candidate(external_ids={"greenhouse": "7"}, name="王芳",
                                                       emails=["wang.fang@example.com"])])
        store.upsert_many(tx, "greenhouse", [Application(
            external_ids={"greenhouse": "70"}, status="offer", candidate=Ref(system="greenhouse", external_id="7"),
            job=Ref(system="greenhouse", external_id="3"))])
        offer = Offer(external_ids={"greenhouse": "700"}, status="accepted",
                      application=Ref(system="greenhouse", external_id="70"),
                      candidate=Ref(system="greenhouse", external_id="7") if with_candidate else None,
                      compensation={"base": {"amount": "30000", "currency": "CNY"}, "period": "monthly"})
        [offer_id] = store.upsert_many(tx, "greenhouse", [offer], origin="sync:other").ids
    return offer_id


def run(store: Store, target: PayrollTarget, *, dry_run: bool = False):
    return DeliveryRunner(store, HubConfig.model_validate({"routes": [ROUTE]}), targets={"payroll": target}).run(
        dry_run=dry_run)


def test_the_target_gets_the_offers_candidate_application_and_job_and_its_mapping_reads_them(store):
    offer_id = accepted_offer(store)
    target = PayrollTarget()

    assert run(store, target).counters == {"payroll": {"delivered": 1}}

    [item] = target.received
    assert item.payload == {"full_name": "王芳", "email": "wang.fang@example.com", "title": "后端工程师", "amount": "30000"}
    assert {path: entity.kind for path, entity in item.related.items()} == {
        "candidate": "candidate", "application": "application", "application.job": "job",
        "application.candidate": "candidate"}
    assert store.get("offer", offer_id).external_ids["payroll"] == "emp-1"


def test_the_audit_log_says_whose_pii_the_target_was_given_once_however_many_paths_reach_them(store):
    offer_id = accepted_offer(store)
    target = PayrollTarget()
    run(store, target)

    candidate = target.received[0].related["candidate"]
    [entry] = [e for e in store.audit_entries(candidate.id) if e["action"] == "read_pii"]
    assert entry["actor"] == "target:payroll"
    assert entry["detail"]["fields"] == ["emails", "name"]
    assert entry["detail"]["for"] == f"offer {offer_id}"


def test_an_empty_reference_reads_as_nothing(store):
    accepted_offer(store, with_candidate=False)
    target = PayrollTarget()

    assert run(store, target).counters == {"payroll": {"delivered": 1}}
    [item] = target.received
    assert "candidate" not in item.related and "full_name" not in item.payload
    assert item.payload["title"] == "后端工程师"  # the application's job is reached all the same


def test_a_dry_run_masks_the_related_persons_values(store):
    accepted_offer(store)
    report = run(store, PayrollTarget(), dry_run=True)

    [planned] = report.planned
    assert planned["payload"]["full_name"] != "王芳" and "wang.fang" not in planned["payload"]["email"]
    assert planned["payload"]["title"] == "后端工程师"


def test_a_path_through_a_field_that_is_no_reference_is_a_dead_letter_naming_it(store):
    class Wrong(PayrollTarget):
        related: ClassVar[dict[str, tuple[str, ...]]] = {"offer": ("application.title",)}

    accepted_offer(store)
    assert run(store, Wrong()).counters == {"payroll": {"dead": 1}}
    [letter] = store.dead_letters(system="payroll")
    assert letter.error_code == "plugin-error"
    assert "related path 'application.title': application has no reference 'title'" in letter.error["reason"]
    assert [e.status for e in Outbox(store).list()] == ["dead"]


def test_a_reference_the_store_cannot_give_names_its_path():
    offer = Offer(id="o1", status="accepted", application=Ref(id="a1", system="greenhouse", external_id="70"))

    def erased(kind: str, entity_id: str):
        raise StoreError("no such entity", entity=kind, record_id=entity_id)

    with pytest.raises(StoreError, match="the application of this offer cannot be read"):
        read_related(offer, ("application.job",), erased, target="payroll")


@pytest.mark.parametrize(("source", "message"), [
    ("related.title", "after 'related' comes a reference of Offer (application, candidate)"),
    ("related.application.job.salary", "Job has no field 'salary'"),
])  # fmt: skip
def test_a_related_source_is_checked_against_the_referenced_models_when_the_mapping_compiles(source, message):
    text = REVERSE.replace("related.application.job.title", source)
    with pytest.raises(MappingCompileError, match=re.escape(message)):
        load_mapping_text(text)
