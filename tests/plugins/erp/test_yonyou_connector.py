"""Contract tests of the Yonyou YonBIP connector: the recorded conversation replayed, the event push decrypted.

The cassettes in tests/cassettes/erp/yonyou/ hold what the open platform documents (docs/connectors/yonyou.md).
They are replayed with a matcher of our own (:func:`wire`): the signed token GET must carry the app key
and the HMAC-SHA256 signature of its parameters (recorded scrubbed), every API call the token the token
endpoint handed out and exactly the recorded JSON body (page number, page size, ``pubts``). The syncs
run the real connector through the real sync engine into a real SQLite store; the pushes in
tests/fixtures/yonyou/ are encrypted and signed by the cassette builder with the test app secret.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import vcr

from hub.core.errors import AuthError, PermanentConnectorError, WebhookReplayError, WebhookVerificationError
from hub.core.models import EmploymentStatus
from hub.core.msg_crypt import MsgCrypt
from hub.core.store import Store
from hub.core.sync import WebhookReceiver, ingest_webhook, sync
from hub.testing.cassettes import PLACEHOLDER
from plugins.erp.yonyou import Yonyou, aes_key_from_secret, token_signature

REPO = Path(__file__).resolve().parents[3]
CASSETTES = REPO / "tests" / "cassettes" / "erp" / "yonyou"
PUSHES = REPO / "tests" / "fixtures" / "yonyou"
APP_KEY, APP_SECRET = "test-app-key-not-real", "test-app-secret-not-real-0000000000000000"
NOW = 1717232400.0  # the cassettes' token timestamp, in seconds
SETTINGS = {"app_key": APP_KEY, "app_secret": APP_SECRET, "org_code": "0001"}
TOKEN = "<REDACTED-ACCESS-TOKEN-1>"


class RecordedYonyou(Yonyou):
    """The connector as the cassettes were recorded: 2 staff a page, the clock at the recorded timestamp."""

    page_size = 2
    token_clock = staticmethod(lambda: NOW)


def _text(body: Any) -> str:
    return body.decode() if isinstance(body, bytes) else body or ""


def wire(live: Any, recorded: Any) -> None:
    """vcr matcher: the signed token request; on API calls the handed-out token and the recorded body."""
    assert live.path == recorded.path, "another endpoint"
    query, wanted = dict(parse_qsl(urlsplit(live.uri).query)), dict(parse_qsl(urlsplit(recorded.uri).query))
    if live.path.endswith("/getAccessToken"):
        signed = {"appKey": APP_KEY, "timestamp": wanted["timestamp"]}
        expected = {**signed, "signature": token_signature(signed, APP_SECRET)}
        if query.get("appKey") == PLACEHOLDER:  # the suite's scrubbing VCR masked both before matching
            expected = {**expected, "appKey": PLACEHOLDER, "signature": PLACEHOLDER}
        assert query == expected, "a token request not signed with the app secret"
        return
    assert query == wanted, f"sent {query}, recorded {wanted}"
    assert query.get("access_token") == TOKEN, "not the token the token endpoint handed out"
    sent, kept = _text(live.body), _text(recorded.body)
    assert (json.loads(sent) if sent else None) == (json.loads(kept) if kept else None), f"sent {sent}, recorded {kept}"


def replaying() -> vcr.VCR:
    replay = vcr.VCR(record_mode="none", cassette_library_dir=str(CASSETTES))
    replay.register_matcher("wire", wire)
    return replay


MATCH_ON = ("method", "scheme", "host", "port", "path", "wire")


def _sync(stem: str, stream: str, store: Store) -> Any:
    with replaying().use_cassette(f"{stem}.yaml", match_on=MATCH_ON) as cassette:
        report = sync(RecordedYonyou(dict(SETTINGS)), store, streams=[stream], prefetch=False)
    assert cassette.all_played, f"{stem}: {len(cassette.data) - cassette.play_count} recorded requests never sent"
    return report


def _entity(store: Store, kind: str, external_id: str) -> Any:
    found = store.find("yonyou", external_id, kind)
    return None if found is None else store.get(kind, found)


def _push(name: str) -> bytes:
    return (PUSHES / name).read_bytes()


def test_staff_pages_become_employees_with_status_from_enable(store: Store) -> None:
    report = _sync("staff", "staff", store)
    assert report.status == "succeeded" and report.counters.created == 5 and report.counters.pages == 3
    avery = _entity(store, "employee", "2000000000000101")
    assert (avery.name, avery.employee_number, avery.department) == ("Avery Example", "E0001", "3000000000000011")
    assert avery.phones == ["+14155550101"] and str(avery.hire_date) == "2020-03-01"
    statuses = [_entity(store, "employee", f"20000000000001{n:02d}").employment_status for n in (3, 4)]
    assert statuses == [EmploymentStatus.PENDING, EmploymentStatus.TERMINATED]


def test_the_department_tree_is_flattened_and_top_level_departments_have_no_parent(store: Store) -> None:
    report = _sync("departments", "departments", store)
    assert report.status == "succeeded" and report.counters.created == 3
    platform = _entity(store, "department", "3000000000000013")
    engineering = _entity(store, "department", "3000000000000011")
    assert platform.parent is not None and platform.parent.external_id == "3000000000000011"
    assert engineering.parent is None  # its parent is the organisation unit, not a department


def test_departments_resume_from_their_pubts(store: Store) -> None:
    _sync("departments", "departments", store)
    report = _sync("departments_resume", "departments", store)
    assert report.status == "succeeded"


def test_a_refusal_in_the_envelope_is_a_typed_error_with_the_vendor_code() -> None:
    connector = RecordedYonyou(dict(SETTINGS))
    with replaying().use_cassette("errors.yaml", match_on=MATCH_ON), connector.client() as client:
        with pytest.raises(PermanentConnectorError) as refused:
            client.post("/yonbip/digitalModel/staff/listForApi", json={"pageSize": 501, "pageIndex": 1})
    assert refused.value.context["vendor_code"] == "999"
    assert APP_SECRET not in str(refused.value) + str(refused.value.context)


def test_a_token_answer_without_a_token_is_an_auth_error() -> None:
    import httpx

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"code": "10001", "message": "签名校验失败"})

    connector = RecordedYonyou(dict(SETTINGS))
    with connector.client(transport=httpx.MockTransport(refuse)) as client, pytest.raises(AuthError):
        client.post("/yonbip/digitalModel/staff/listForApi", json={})


def test_a_staff_push_fetches_the_staff_member_and_a_disable_stores_them_terminated(store: Store) -> None:
    connector = RecordedYonyou(dict(SETTINGS))
    with replaying().use_cassette("events.yaml", match_on=MATCH_ON, allow_playback_repeats=True):
        ingest_webhook(connector, {}, _push("push_staff_add.json"), store)
        ingest_webhook(connector, {}, _push("push_staff_disable.json"), store)
    added = _entity(store, "employee", "2000000000000101")
    assert added.title == "Engineer" and added.employment_status is EmploymentStatus.ACTIVE
    assert _entity(store, "employee", "2000000000000104").employment_status is EmploymentStatus.TERMINATED


def test_a_department_delete_push_marks_it_deleted(store: Store) -> None:
    _sync("departments", "departments", store)
    counters = ingest_webhook(RecordedYonyou(dict(SETTINGS)), {}, _push("push_dept_delete.json"), store)
    assert counters.deleted == 1


def test_a_re_pushed_event_is_a_replay_by_its_event_id(store: Store) -> None:
    connector = RecordedYonyou(dict(SETTINGS))
    with replaying().use_cassette("events.yaml", match_on=MATCH_ON, allow_playback_repeats=True):
        ingest_webhook(connector, {}, _push("push_dept_update.json"), store)
        with pytest.raises(WebhookReplayError):
            ingest_webhook(connector, {}, _push("push_dept_update.json"), store)


def test_a_push_for_another_app_or_with_a_wrong_signature_is_refused(store: Store) -> None:
    other = RecordedYonyou({**SETTINGS, "app_key": "another-app-key"})
    with pytest.raises(WebhookVerificationError, match="another receive id"):
        other.parse_webhook({}, _push("push_staff_add.json"))
    body = json.loads(_push("push_staff_add.json"))
    body["timestamp"] += 1
    with pytest.raises(WebhookVerificationError, match="signature"):
        RecordedYonyou(dict(SETTINGS)).parse_webhook({}, json.dumps(body).encode())


def test_check_url_is_answered_with_an_encrypted_signed_success_and_nothing_stored() -> None:
    connector = RecordedYonyou(dict(SETTINGS))
    answer = connector.webhook_answer({}, _push("push_check_url.json"))
    assert answer is not None and set(answer) == {"msgSignature", "timestamp", "nonce", "encrypt"}
    crypt = MsgCrypt(APP_SECRET, aes_key_from_secret(APP_SECRET), APP_KEY)
    assert crypt.decrypt(answer["encrypt"]) == b"success"
    crypt.verify(answer["msgSignature"], str(answer["timestamp"]), answer["nonce"], answer["encrypt"])
    assert connector.webhook_answer({}, _push("push_staff_add.json")) is None  # an event to store instead


def test_a_stored_event_is_acknowledged_with_the_encrypted_success(store: Store) -> None:
    receipt = RecordedYonyou(dict(SETTINGS)).webhook_receipt()
    crypt = MsgCrypt(APP_SECRET, aes_key_from_secret(APP_SECRET), APP_KEY)
    assert crypt.decrypt(receipt["encrypt"]) == b"success"


def test_the_sha256_signature_of_the_newer_page_is_a_setting() -> None:
    connector = RecordedYonyou({**SETTINGS, "event_signature": "sha256"})
    with pytest.raises(WebhookVerificationError, match="signature"):  # the samples are signed with SHA-1
        connector.parse_webhook({}, _push("push_staff_add.json"))
    assert len(connector.success()["msgSignature"]) == 64


def test_user_events_name_no_record() -> None:
    crypt = MsgCrypt(APP_SECRET, aes_key_from_secret(APP_SECRET), APP_KEY)
    event = json.dumps({"type": "USER_ADD", "eventId": "e-9", "timestamp": 1, "tenantId": "t", "userId": ["u1"]})
    sealed = crypt.encrypt(event, nonce="n", timestamp="1")
    body = {"msgSignature": sealed.signature, "timestamp": 1, "nonce": "n", "encrypt": sealed.encrypt}
    assert RecordedYonyou(dict(SETTINGS)).parse_webhook({}, json.dumps(body).encode()).records == []


def test_departments_need_the_organisation_setting() -> None:
    from hub.core.errors import ConfigError

    connector = RecordedYonyou({"app_key": APP_KEY, "app_secret": APP_SECRET})
    with pytest.raises(ConfigError, match="org_code"):
        connector.first_request(connector.stream("departments"), since=None)


def test_webhook_receiver_answers_many_pushes_in_one_transaction(store: Store) -> None:
    connector = RecordedYonyou(dict(SETTINGS))
    with replaying().use_cassette("events.yaml", match_on=MATCH_ON, allow_playback_repeats=True), \
            WebhookReceiver(connector, store) as receiver:
        outcomes, total = receiver.receive_many([({}, _push("push_staff_add.json")), ({}, _push("push_dept_update.json"))])
    assert total.failed == 0 and total.created == 2 and not any(isinstance(o, Exception) for o in outcomes)
