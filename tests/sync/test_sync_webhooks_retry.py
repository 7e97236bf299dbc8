"""Webhooks and dead-letter replays take the same path as pulled records."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from hub.core.errors import WebhookVerificationError
from hub.core.sync import ingest_webhook, sync
from hub.core.sync_retry import retry_dead_letters
from tests.support.fault_server import FaultServer
from tests.sync.conftest import stored_ids, versions
from tests.sync.connector import FaultConnector, record

SECRET = "whk-secret"


def signed(body: dict) -> tuple[dict[str, str], bytes]:
    raw = json.dumps(body).encode()
    return {"Signature": "sha256 " + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()}, raw


@pytest.fixture
def hooked() -> FaultConnector:
    return FaultConnector({"base_url": "http://127.0.0.1:9", "webhook_secret": SECRET})


def test_a_verified_webhook_stores_its_records_like_a_pulled_page(hooked, store, validators) -> None:
    headers, raw = signed({"events": [
        {"stream": "jobs", "record": record(1)},
        {"stream": "candidates", "record": {"id": 7, "name": "李娜", "email": "LI@example.com"}},
        {"stream": "jobs", "record": record(2, name="forbidden")},
    ]})
    counters = ingest_webhook(hooked, headers, raw, store, validators=validators)
    assert (counters.records, counters.created, counters.failed) == (3, 2, 1)
    assert stored_ids(store) == ["1"] and stored_ids(store, kind="candidate") == ["7"]
    (letter,) = store.dead_letters()
    assert (letter.stream, letter.record_ref, letter.error_code) == ("jobs", "2", "model-validation-error")


def test_a_webhook_record_equal_to_the_pulled_one_changes_nothing(hooked, store) -> None:
    with FaultServer(records=[record(1)], page_size=25) as server:
        sync(FaultConnector({"base_url": server.base_url}), store, streams=["jobs"])
    headers, raw = signed({"events": [{"stream": "jobs", "record": record(1)}]})
    assert ingest_webhook(hooked, headers, raw, store).unchanged == 1
    assert versions(store) == [1]


@pytest.mark.parametrize("headers", [{}, {"Signature": "sha256 " + "0" * 64}, {"Signature": "md5 abc"}])
def test_a_webhook_with_a_bad_signature_stores_nothing(hooked, store, headers) -> None:
    _, raw = signed({"events": [{"stream": "jobs", "record": record(1)}]})
    with pytest.raises(WebhookVerificationError):
        ingest_webhook(hooked, headers, raw, store)
    assert stored_ids(store) == [] and store.dead_letters() == []


def test_a_webhook_naming_an_unknown_stream_is_refused_before_storing(hooked, store) -> None:
    from hub.core.errors import ConfigError

    headers, raw = signed({"events": [{"stream": "jobs", "record": record(1)}, {"stream": "nope", "record": {}}]})
    with pytest.raises(ConfigError, match="no stream 'nope'"):
        ingest_webhook(hooked, headers, raw, store)
    assert stored_ids(store) == []


def test_retry_keeps_letters_that_fail_again_open_with_one_more_attempt(store, server) -> None:
    connector = FaultConnector({"base_url": server.base_url})
    server.records[2] = record(3, name=None)
    server.records[4] = record(5, name="   ")
    sync(connector, store, streams=["jobs"])
    assert len(store.dead_letters()) == 2
    # a payload is what the vendor sent: unchanged mapping, unchanged outcome, one more attempt each
    report = retry_dead_letters(store, {"faultsrv": connector})
    assert report.resolved == [] and len(report.failed) == 2
    assert {d.attempts for d in store.dead_letters()} == {1}


def test_retry_resolves_a_record_once_its_validator_no_longer_rejects_it(store, server, validators) -> None:
    connector = FaultConnector({"base_url": server.base_url})
    server.records[2] = record(3, name="forbidden")
    sync(connector, store, streams=["jobs"], validators=validators)
    (letter,) = store.dead_letters()
    assert retry_dead_letters(store, {"faultsrv": connector}, validators=validators).failed == [letter.id]
    report = retry_dead_letters(store, {"faultsrv": connector})  # the validator plugin was removed
    assert report.resolved == [letter.id]
    assert "3" in stored_ids(store)
    assert store.dead_letters() == [] and store.dead_letters(status="resolved")[0].attempts == 2


def test_retry_skips_page_level_letters_with_advice(store, server) -> None:
    from tests.support.fault_server import Fault

    server.inject("/records", Fault.http(404))
    connector = FaultConnector({"base_url": server.base_url})
    sync(connector, store, streams=["jobs"])
    report = retry_dead_letters(store, {"faultsrv": connector})
    (reason,) = report.skipped.values()
    assert "hub sync --connector faultsrv --stream jobs" in reason
