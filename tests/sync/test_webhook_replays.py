"""Webhook replays are refused (issue 31, point 3): a delivery received twice, an older version of a
record after a newer one, a body over the limit, a Standard Webhooks timestamp out of its window.

Every test receives through :func:`hub.core.sync.ingest_webhook` into the real store, as the existing
webhook tests do, and reads the outcome back from the store's tables.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

import pytest
import sqlalchemy as sa

from hub.core.errors import (
    ConfigError,
    WebhookRefusedError,
    WebhookReplayError,
    WebhookTooLargeError,
    WebhookVerificationError,
)
from hub.core.store import Store
from hub.core.store import schema as t
from hub.core.sync import ingest_webhook, sync
from hub.core.webhooks import StandardWebhook
from plugins.hr_suites.greenhouse import Greenhouse
from tests.support.fault_server import FaultServer
from tests.sync.conftest import stored_ids, versions
from tests.sync.connector import FaultConnector, record

SECRET = "whk-secret"
GREENHOUSE = {"client_id": "cid", "client_secret": "secret", "webhook_secret": SECRET}


class Delivered(FaultConnector):
    """The test connector with a delivery id header, as Greenhouse has ``Greenhouse-Event-ID``."""

    webhook_delivery_id_header = "Webhook-Delivery"


def signed(body: Mapping[str, Any], **headers: str) -> tuple[dict[str, str], bytes]:
    """A body signed the Greenhouse way (``Signature: sha256 <hex>``), with extra headers."""
    raw = json.dumps(body).encode()
    return {"Signature": "sha256 " + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest(), **headers}, raw


def offer_updated(status: str, updated_at: str) -> dict[str, Any]:
    """An ``offer_updated`` webhook for offer 8001 with the v3 fields the offer mapping requires."""
    return {"action": "offer_updated", "payload": {
        "id": 8001, "application_id": 2003, "candidate_id": 1003, "version": 1, "offer_status": status,
        "updated_at": updated_at, "start_date": "07/01/2024", "custom_fields": {}}}


def offer_status(store: Store) -> str:
    entity_id = store.find("greenhouse", "8001", "offer")
    assert entity_id is not None
    return store.get("offer", entity_id).status


def receipts(store: Store) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.select(t.webhook_receipts.c.connector,
                                                             t.webhook_receipts.c.delivery_id))]


# ---------------------------------------------------------------- the delivery id


def test_the_same_signed_delivery_twice_is_refused_the_second_time_and_stored_once(store) -> None:
    headers, raw = signed(offer_updated("Accepted", "2024-06-12T09:00:00Z"), **{"Greenhouse-Event-ID": "e-1"})
    assert ingest_webhook(Greenhouse(GREENHOUSE), headers, raw, store).created == 1
    with pytest.raises(WebhookReplayError) as refused:
        ingest_webhook(Greenhouse(GREENHOUSE), headers, raw, store)
    assert (refused.value.code, refused.value.http_status) == ("webhook-replay", 409)
    assert versions(store) == [1] and receipts(store) == [("greenhouse", "e-1")]
    assert store.dead_letters() == []


def test_a_refused_delivery_leaves_no_receipt_so_its_retry_is_taken(store) -> None:
    """A delivery whose signature fails is not recorded: the vendor's retry, signed right, is stored."""
    headers, raw = signed(offer_updated("Accepted", "2024-06-12T09:00:00Z"), **{"Greenhouse-Event-ID": "e-1"})
    with pytest.raises(WebhookVerificationError):
        ingest_webhook(Greenhouse(GREENHOUSE), {**headers, "Signature": "sha256 " + "0" * 64}, raw, store)
    assert receipts(store) == []
    assert ingest_webhook(Greenhouse(GREENHOUSE), headers, raw, store).created == 1


def test_delivery_ids_are_kept_per_connector(store) -> None:
    headers, raw = signed({"events": [{"stream": "jobs", "record": record(1)}]}, **{"Webhook-Delivery": "d-1"})
    for key in ("faultsrv", "faultsrv_eu"):
        assert ingest_webhook(Delivered({"base_url": "http://127.0.0.1:9", "webhook_secret": SECRET}), headers, raw,
                              store, key=key).records == 1
    assert sorted(receipts(store)) == [("faultsrv", "d-1"), ("faultsrv_eu", "d-1")]


# ---------------------------------------------------------------- older versions


def test_an_older_offer_updated_after_a_newer_one_leaves_the_offer_accepted(store) -> None:
    newer = signed(offer_updated("Accepted", "2024-06-12T09:00:00Z"), **{"Greenhouse-Event-ID": "e-2"})
    older = signed(offer_updated("Created", "2024-06-10T09:00:00Z"), **{"Greenhouse-Event-ID": "e-1"})
    assert ingest_webhook(Greenhouse(GREENHOUSE), *newer, store).created == 1
    counters = ingest_webhook(Greenhouse(GREENHOUSE), *older, store)
    assert (counters.stale, counters.updated, counters.unchanged) == (1, 0, 0)
    assert offer_status(store) == "accepted" and versions(store) == [1]


def test_a_newer_offer_updated_still_moves_the_offer_on(store) -> None:
    for event, (status, at) in enumerate([("Created", "2024-06-10T09:00:00Z"), ("Accepted", "2024-06-12T09:00:00Z")]):
        ingest_webhook(Greenhouse(GREENHOUSE), *signed(offer_updated(status, at), **{"Greenhouse-Event-ID": str(event)}),
                       store)
    assert offer_status(store) == "accepted" and versions(store) == [2]


@pytest.mark.parametrize("prefetch", [False, True], ids=["one process", "forked producer"])
def test_a_sync_does_not_overwrite_a_newer_version_a_webhook_stored(store, prefetch) -> None:
    hooked = FaultConnector({"base_url": "http://127.0.0.1:9", "webhook_secret": SECRET})
    newer = record(1, name="Job 1 (renamed)", updated_at="2024-03-01T00:00:00Z")
    ingest_webhook(hooked, *signed({"events": [{"stream": "jobs", "record": newer}]}), store)
    with FaultServer(records=[record(1, updated_at="2024-02-01T00:00:00Z"), record(2)], page_size=25) as server:
        report = sync(FaultConnector({"base_url": server.base_url}), store, streams=["jobs"], prefetch=prefetch)
    assert (report.counters.stale, report.counters.created) == (1, 1)
    assert report.as_dict()["stale"] == 1
    assert store.get("job", store.find("faultsrv", "1", "job")).title == "Job 1 (renamed)"


def test_the_later_of_two_copies_in_one_delivery_is_refused_when_older(store) -> None:
    hooked = FaultConnector({"base_url": "http://127.0.0.1:9", "webhook_secret": SECRET})
    ingest_webhook(hooked, *signed({"events": [{"stream": "jobs", "record": record(1)}]}), store)
    copies = [record(1, name="new", updated_at="2024-05-02T00:00:00Z"), record(1, name="old", updated_at="2024-05-01T00:00:00Z")]
    counters = ingest_webhook(hooked, *signed({"events": [{"stream": "jobs", "record": r} for r in copies]}), store)
    assert (counters.updated, counters.stale) == (1, 1)
    assert store.get("job", store.find("faultsrv", "1", "job")).title == "new"


def test_a_version_without_updated_at_is_taken_and_keeps_the_one_stored(store) -> None:
    """Greenhouse's documented webhook payloads carry no updated_at: nothing to compare, so they are
    stored; the updated_at a sync stored stays, and an older version after them is still refused."""
    hooked = FaultConnector({"base_url": "http://127.0.0.1:9", "webhook_secret": SECRET})
    for body in (record(1, updated_at="2024-03-01T00:00:00Z"), {**record(1, name="no time"), "updated_at": None},
                 record(1, name="older", updated_at="2024-02-01T00:00:00Z")):
        ingest_webhook(hooked, *signed({"events": [{"stream": "jobs", "record": body}]}), store)
    assert store.get("job", store.find("faultsrv", "1", "job")).title == "no time"


# ---------------------------------------------------------------- the size limit


def test_a_body_over_the_limit_is_refused_before_its_signature_is_checked(store) -> None:
    hooked = FaultConnector({"base_url": "http://127.0.0.1:9", "webhook_secret": SECRET, "webhook_max_bytes": 200})
    headers, raw = signed({"events": [{"stream": "jobs", "record": record(1, name="x" * 200)}]})
    for sent in (headers, {"Signature": "sha256 " + "0" * 64}):  # a wrong signature is not even looked at
        with pytest.raises(WebhookTooLargeError) as refused:
            ingest_webhook(hooked, sent, raw, store)
        assert (refused.value.code, refused.value.http_status) == ("webhook-too-large", 413)
        assert f"{len(raw)} bytes" in str(refused.value)
    assert stored_ids(store) == []


def test_a_body_at_the_limit_is_taken(store) -> None:
    headers, raw = signed({"events": [{"stream": "jobs", "record": record(1)}]})
    hooked = FaultConnector({"base_url": "http://127.0.0.1:9", "webhook_secret": SECRET, "webhook_max_bytes": len(raw)})
    assert ingest_webhook(hooked, headers, raw, store).created == 1


def test_the_default_limit_is_one_mebibyte(store) -> None:
    hooked = FaultConnector({"base_url": "http://127.0.0.1:9", "webhook_secret": SECRET})
    with pytest.raises(WebhookTooLargeError):
        ingest_webhook(hooked, {}, b" " * (1024 * 1024 + 1), store)


@pytest.mark.parametrize("limit", [0, -1, "1MB", True])
def test_a_limit_that_is_not_a_positive_number_of_bytes_is_a_config_error(store, limit) -> None:
    hooked = FaultConnector({"base_url": "http://127.0.0.1:9", "webhook_secret": SECRET, "webhook_max_bytes": limit})
    with pytest.raises(ConfigError, match="webhook_max_bytes"):
        ingest_webhook(hooked, *signed({"events": []}), store)


# ---------------------------------------------------------------- Standard Webhooks: signed timestamp and id

STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class Standard(FaultConnector):
    """The test connector on Standard Webhooks: the id and timestamp are signed with the body."""

    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes) -> str | None:
        return StandardWebhook(self.setting("webhook_secret")).verify(raw_body, headers)


def standard(body: Mapping[str, Any], msg_id: str, sent_at: float) -> tuple[dict[str, str], bytes]:
    raw = json.dumps(body).encode()
    signature = StandardWebhook(STANDARD_SECRET).sign(msg_id, int(sent_at), raw)
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(sent_at)), "webhook-signature": signature}, raw


def test_a_standard_webhook_sent_again_is_refused_by_its_signed_id(store) -> None:
    hooked = Standard({"base_url": "http://127.0.0.1:9", "webhook_secret": STANDARD_SECRET})
    sent = standard({"events": [{"stream": "jobs", "record": record(1)}]}, "msg_1", time.time())
    assert ingest_webhook(hooked, *sent, store).created == 1
    with pytest.raises(WebhookReplayError):
        ingest_webhook(hooked, *sent, store)
    assert versions(store) == [1]


def test_a_standard_webhook_outside_its_timestamp_window_is_refused(store) -> None:
    hooked = Standard({"base_url": "http://127.0.0.1:9", "webhook_secret": STANDARD_SECRET})
    captured = standard({"events": [{"stream": "jobs", "record": record(1)}]}, "msg_1", time.time() - 301)
    with pytest.raises(WebhookVerificationError, match="too old") as refused:
        ingest_webhook(hooked, *captured, store)
    assert refused.value.http_status == 401 and isinstance(refused.value, WebhookRefusedError)
    assert stored_ids(store) == [] and receipts(store) == []
