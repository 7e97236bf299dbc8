"""A batched target whose system assigns ids only when the batch is written (a bulk save): ``finish()``
returns them keyed by hub id and the runner links each to its entity; an error it names for one entry
fails that entry alone (retried or a dead letter), the rest of the pass is delivered. The real store
and runner; the target stands in for a vendor's bulk API."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import ClassVar

import pytest

from hub.core.config import HubConfig
from hub.core.crypto import KeyRing
from hub.core.delivery import Delivery, DeliveryRunner, DeliveryTarget, Outbox, attach_routes
from hub.core.errors import HubError, PermanentConnectorError, TransientConnectorError
from hub.core.mapping import CompiledMapping, load_mapping_text
from hub.core.models import Candidate
from hub.core.store import Store

ROUTE = {"name": "people", "entity": "candidate", "target": "bulk"}
CONFIG = HubConfig.model_validate({"routes": [ROUTE]})
REVERSE = """
system: bulk
entity: candidate
record_id: id
fields:
  name: {from: name}
reverse:
  fields:
    name: {from: name}
"""


class BulkTarget(DeliveryTarget):
    """Queues each record; ``finish`` saves them in one call, refusing the names in ``refuse``,
    not answering for those in ``unanswered``."""

    name = "bulk"
    writes: ClassVar[tuple[str, ...]] = ("candidate",)
    batched = True

    def __init__(self, refuse: set[str] = frozenset(), unanswered: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.refuse, self.unanswered = refuse, unanswered
        self.queued: list[Delivery] = []
        self.saved: dict[str, str] = {}

    def reverse_mapping(self, kind: str) -> CompiledMapping:
        return load_mapping_text(REVERSE)

    def deliver(self, item: Delivery) -> None:
        self.queued.append(item)

    def finish(self) -> Mapping[str, str | HubError]:
        outcomes: dict[str, str | HubError] = {}
        for item in self.queued:
            name = item.payload["name"]
            if name in self.refuse:
                outcomes[item.entity_id] = PermanentConnectorError("refused", system="bulk", record_id=item.entity_id,
                                                                   field_path="name")
            elif name in self.unanswered:
                outcomes[item.entity_id] = TransientConnectorError("not answered", system="bulk")
            else:
                outcomes[item.entity_id] = self.saved.setdefault(item.entity_id, f"B-{len(self.saved) + 1}")
        self.queued = []
        return outcomes


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'hub.db'}", KeyRing.generate())
    store.upgrade()
    attach_routes(store, CONFIG)
    yield store
    store.close()


def people(store: Store, *names: str) -> dict[str, str]:
    """name -> hub id of each candidate stored."""
    with store.transaction() as tx:
        ids = store.upsert_many(tx, "ats", [Candidate(external_ids={"ats": str(n)}, name=name)
                                            for n, name in enumerate(names)]).ids
    return dict(zip(names, ids, strict=True))


def test_the_ids_finish_returns_are_linked_and_a_refused_entry_fails_alone(store: Store) -> None:
    ids = people(store, "Ann", "Bob", "Cy", "Di")
    target = BulkTarget(refuse={"Bob"}, unanswered={"Di"})

    report = DeliveryRunner(store, CONFIG, targets={"bulk": target}).run()

    assert report.counters == {"bulk": {"delivered": 2, "dead": 1, "retry_later": 1}}
    assert {name: store.get("candidate", ids[name]).external_ids.get("bulk") for name in ids} == {
        "Ann": "B-1", "Bob": None, "Cy": "B-2", "Di": None}
    status = {entry.entity_id: entry.status for entry in Outbox(store).list()}
    assert [status[ids[name]] for name in ("Ann", "Bob", "Cy", "Di")] == ["delivered", "dead", "delivered", "pending"]
    [letter] = store.dead_letters()
    assert letter.error["field_path"] == "name" and letter.error["record_id"] == ids["Bob"]


def test_an_error_finish_raises_fails_every_entry_of_the_pass(store: Store) -> None:
    people(store, "Ann", "Bob")

    class Broken(BulkTarget):
        def finish(self) -> Mapping[str, str | HubError]:
            raise TransientConnectorError("bulk API down", system="bulk")

    report = DeliveryRunner(store, CONFIG, targets={"bulk": Broken()}).run()
    assert report.counters == {"bulk": {"retry_later": 2}}


def test_an_id_finish_returns_that_the_hub_holds_for_another_entity_fails_that_entry_alone(store: Store) -> None:
    ids = people(store, "Ann", "Bob")

    class Same(BulkTarget):
        def finish(self) -> Mapping[str, str | HubError]:
            queued, self.queued = self.queued, []
            return dict.fromkeys((item.entity_id for item in queued), "B-1")  # the system names both B-1

    report = DeliveryRunner(store, CONFIG, targets={"bulk": Same()}).run()

    assert report.counters == {"bulk": {"delivered": 1, "dead": 1}}
    assert [store.get("candidate", ids[name]).external_ids.get("bulk") for name in ("Ann", "Bob")] == ["B-1", None]
