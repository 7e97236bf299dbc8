"""End to end (issue 35 acceptance): a DingTalk roster change callback updates the employee once.

1. The roster is synced into the hub (recorded queryonjob pages and roster fields: the ``employees`` cassette).
2. The employee ``0100000000000002`` is promoted in DingTalk (probation → regular, 工程师 → 高级工程师), and
   DingTalk posts a ``user_modify_org`` callback, encrypted and signed with the app's token and
   EncodingAESKey, to the hub's webhook endpoint (the service's FastAPI application, in process, so the
   roster fetch it makes is replayed from the ``roster_callback`` cassette).
3. The answer is DingTalk's encrypted ``success``; the employee's stored record has one new version, and the
   change feed one ``update`` of it.
4. The same callback again (DingTalk retries one whose answer it lost) is answered ``success`` and changes
   nothing; a new callback about the same, unchanged employee fetches the roster and changes nothing either.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.api.service import Service
from hub.core.config import HubConfig
from hub.core.crypto import KeyRing
from hub.core.sync import sync
from hub.testing import scrubbing_vcr
from tests.plugins.hr_suites.dingtalk_support import CASSETTES, SETTINGS, RecordedDingTalk, callback_query, recorded

PROMOTED = recorded.uid(2)


@pytest.fixture
def service(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    monkeypatch.setenv("HUB_KEYS", KeyRing.generate().to_json())
    config = HubConfig.model_validate({"database": {"url": f"sqlite:///{tmp_path / 'hub.db'}"},
                                       "connectors": {"dingtalk": {"type": "dingtalk", "settings": dict(SETTINGS)}}})
    opened = Service.open(config)
    yield opened
    opened.close()


def post_callback(client: TestClient, raw: bytes, nonce: str) -> dict[str, Any]:
    answer = client.post("/v1/webhooks/dingtalk", params=callback_query(raw, nonce=nonce), content=raw,
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def assert_success(answer: dict[str, Any]) -> None:
    """DingTalk's documented reply: ``{msg_signature, timeStamp, nonce, encrypt}``, ``success`` sealed for the app."""
    assert set(answer) == {"msg_signature", "timeStamp", "nonce", "encrypt"}
    crypt = recorded.crypt()
    crypt.verify(answer["msg_signature"], answer["timeStamp"], answer["nonce"], answer["encrypt"])
    assert crypt.decrypt(answer["encrypt"]) == b"success"
    assert len(answer["timeStamp"]) == 10


def test_a_roster_change_callback_updates_the_employee_once(service: Service) -> None:
    store = service.store
    with scrubbing_vcr(CASSETTES).use_cassette("employees.yaml"):
        sync(RecordedDingTalk(dict(SETTINGS)), store, streams=["employees"], prefetch=False)
    entity_id = store.find("dingtalk", PROMOTED, "employee")
    assert entity_id is not None
    before = store.get("employee", entity_id)
    assert before.title == "工程师"
    seq = max(change.seq for change in store.changes(0, 1000))

    raw = recorded.sealed_body(recorded.event("user_modify_org", 2))
    with scrubbing_vcr(CASSETTES).use_cassette("roster_callback.yaml", ignore_hosts=["testserver"]) as cassette, \
            TestClient(create_app(service)) as client:
        assert_success(post_callback(client, raw, nonce="nonce-1"))
        after = store.get("employee", entity_id)
        assert (after.title, after.employment_status.value) == ("高级工程师", "active")
        assert after.name == before.name and after.hire_date == before.hire_date
        feed = store.changes(seq, 1000)
        assert [(c.entity_id, c.op) for c in feed] == [(entity_id, "update")]

        assert_success(post_callback(client, raw, nonce="nonce-1"))  # the same callback again: stored before
        again = recorded.sealed_body(recorded.event("user_modify_org", 2, event_id="test-event-2"))
        assert_success(post_callback(client, again, nonce="nonce-2"))  # a new callback, nothing changed since
        assert store.changes(seq, 1000) == feed
        assert store.get("employee", entity_id) == after
        assert cassette.all_played  # the roster fetched for each callback, the replay's included


def test_the_check_url_handshake_is_answered_and_stores_nothing(service: Service) -> None:
    raw = recorded.sealed_body({"EventType": "check_url"})
    with TestClient(create_app(service)) as client:
        assert_success(post_callback(client, raw, nonce="n"))
    assert store_is_empty(service)


def test_a_callback_with_a_wrong_signature_is_refused(service: Service) -> None:
    raw = recorded.sealed_body(recorded.event("user_modify_org", 2))
    query = {**callback_query(raw, nonce="n"), "msg_signature": "0" * 40}
    with TestClient(create_app(service)) as client:
        answer = client.post("/v1/webhooks/dingtalk", params=query, content=raw)
    assert answer.status_code == 401
    assert store_is_empty(service)


def store_is_empty(service: Service) -> bool:
    return service.store.changes(0, 10) == []


def test_the_recorded_callback_names_the_promoted_employee() -> None:
    event = json.loads(recorded.crypt().decrypt(json.loads(recorded.sealed_body(
        recorded.event("user_modify_org", 2)))["encrypt"]))
    assert event["userId"] == [PROMOTED] and recorded.PROMOTED["userid"] == PROMOTED
