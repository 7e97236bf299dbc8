"""Feishu events (事件订阅): the signature, the decryption with the Encrypt Key, the Verification Token, the
event id as the delivery id, the url_verification handshake, and events that name records by id — in
process, and through a real ``hub serve`` whose Feishu is a local server answering what the ``events``
cassette recorded.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import vcr

from hub.core.errors import ConfigError, MalformedPageError, WebhookReplayError, WebhookVerificationError
from hub.core.models import ApplicationStatus
from hub.core.store import Store
from hub.core.sync import ingest_webhook
from hub.testing.cassettes import interactions
from plugins.hr_suites.feishu_hire import decrypt_event
from tests.api.conftest import hub_server_factory  # noqa: F401 — the fixture: a real `hub serve`
from tests.cassettes.hr_suites.feishu_hire._build import encrypt, event
from tests.plugins.hr_suites.feishu_hire_support import (
    CASSETTES,
    ENCRYPT_KEY,
    EVENTS,
    SETTINGS,
    VERIFICATION_TOKEN,
    RecordedFeishuHire,
    lark_headers,
)

REPLAY = vcr.VCR(record_mode="none", cassette_library_dir=str(CASSETTES))
STAGE_CHANGED = (EVENTS / "event_application_stage_changed.json").read_bytes()
APPLICATION = "7002000000000000002"  # the application that event names (_build.py)


def connector(**settings: Any) -> RecordedFeishuHire:
    return RecordedFeishuHire({**SETTINGS, **settings})


def sealed(body: dict[str, Any], key: str = ENCRYPT_KEY) -> bytes:
    """An event as Feishu POSTs it with an Encrypt Key set."""
    return json.dumps({"encrypt": encrypt(json.dumps(body, ensure_ascii=False).encode(), key)}).encode()


# ---------------------------------------------------------------- the scheme


def test_decryption_matches_the_vector_of_feishus_documents() -> None:
    """"test key" and this text are the example of Feishu's event-subscription guide (and of its SDKs' tests)."""
    assert decrypt_event("test key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=") == b"hello world"
    for key, text in (("another key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="), ("test key", "AAAA"),
                      ("test key", "not base64!")):
        with pytest.raises(ValueError):
            decrypt_event(key, text)


def test_a_signed_event_gives_its_event_id_as_the_delivery_id() -> None:
    delivery = connector().parse_webhook(lark_headers(STAGE_CHANGED), STAGE_CHANGED)
    assert delivery.delivery_id == "5e3702a84e847582be8db7fb012749f1"
    assert delivery.records == [("applications", APPLICATION)]  # named by id: fetched when it is received


@pytest.mark.parametrize("change", ["signature", "timestamp", "nonce", "missing", "body"])
def test_a_wrong_or_missing_signature_is_refused(change: str) -> None:
    headers, raw = lark_headers(STAGE_CHANGED), STAGE_CHANGED
    if change == "signature":
        headers["X-Lark-Signature"] = lark_headers(STAGE_CHANGED, key="another key")["X-Lark-Signature"]
    elif change in ("timestamp", "nonce"):
        headers["X-Lark-Request-" + change.title()] += "1"
    elif change == "missing":
        del headers["X-Lark-Signature"]
    else:
        raw = raw.replace(b'"}', b'" }')
    with pytest.raises(WebhookVerificationError) as refused:
        connector().parse_webhook(headers, raw)
    assert refused.value.http_status == 401


def test_a_signature_or_token_that_is_not_ascii_is_refused_not_a_crash() -> None:
    headers = {**lark_headers(STAGE_CHANGED), "X-Lark-Signature": "é" * 64}
    with pytest.raises(WebhookVerificationError):
        connector().parse_webhook(headers, STAGE_CHANGED)
    forged = json.dumps({"challenge": "x", "token": "令牌", "type": "url_verification"}).encode()
    with pytest.raises(WebhookVerificationError):
        connector().webhook_answer({}, forged)


def test_an_event_sealed_with_another_key_or_carrying_another_token_is_refused() -> None:
    body = json.loads(decrypt_event(ENCRYPT_KEY, json.loads(STAGE_CHANGED)["encrypt"]))
    other_key = sealed(body, key="another key")
    with pytest.raises(WebhookVerificationError, match="decrypt"):
        connector().parse_webhook(lark_headers(other_key), other_key)
    body["header"]["token"] = "another token"
    other_token = sealed(body)
    with pytest.raises(WebhookVerificationError, match="Verification Token"):
        connector().parse_webhook(lark_headers(other_token), other_token)


def test_without_an_encrypt_key_no_event_is_taken_as_feishu_then_signs_nothing() -> None:
    with pytest.raises(ConfigError, match="encrypt_key"):
        connector(encrypt_key=None).parse_webhook(lark_headers(STAGE_CHANGED), STAGE_CHANGED)


def test_other_events_store_nothing_and_an_event_without_its_id_is_malformed(store: Store) -> None:
    talent_deleted = sealed(event("e-other", "hire.talent.deleted_v1", {"talent_id": "7001000000000000001"}))
    assert connector().parse_webhook(lark_headers(talent_deleted), talent_deleted).records == []
    assert ingest_webhook(connector(), lark_headers(talent_deleted), talent_deleted, store).records == 0
    nameless = sealed(event("e-nameless", "hire.application.stage_changed_v1", {"target_stage_id": "1"}))
    with pytest.raises(MalformedPageError):
        connector().parse_webhook(lark_headers(nameless), nameless)


def test_a_stage_change_stores_the_application_feishu_answers_for_it_and_a_replay_is_refused(store: Store) -> None:
    with REPLAY.use_cassette("events.yaml", allow_playback_repeats=True) as cassette:
        counters = ingest_webhook(connector(), lark_headers(STAGE_CHANGED), STAGE_CHANGED, store)
        with pytest.raises(WebhookReplayError):
            ingest_webhook(connector(), lark_headers(STAGE_CHANGED), STAGE_CHANGED, store)
    assert counters.created == 1 and any("/hire/v1/applications/" in r.path for r in cassette.requests)
    application = store.get("application", store.find("feishu_hire", APPLICATION, "application"))
    assert application.status is ApplicationStatus.INTERVIEWING and application.stage == "面试"
    assert application.remote_data["id"] == APPLICATION  # the fetched application, not the event


# ---------------------------------------------------------------- the url_verification handshake


@pytest.mark.parametrize("sample", ["url_verification.json", "url_verification_encrypted.json"])
def test_the_url_verification_handshake_is_answered_with_its_challenge(sample: str) -> None:
    raw = (EVENTS / sample).read_bytes()
    assert connector().webhook_answer({}, raw) == {"challenge": "ajls384kdjx98XX"}


def test_a_handshake_with_another_token_is_refused_and_events_are_no_handshake() -> None:
    forged = json.dumps({"challenge": "x", "token": "another token", "type": "url_verification"}).encode()
    with pytest.raises(WebhookVerificationError):
        connector().webhook_answer({}, forged)
    assert connector().webhook_answer(lark_headers(STAGE_CHANGED), STAGE_CHANGED) is None
    assert connector().webhook_answer({}, b"not json") is None


# ---------------------------------------------------------------- through `hub serve`


class FakeFeishu:
    """A local Feishu answering, by path, what the ``events`` cassette recorded (the token, the
    application and the offer the events name); ``down`` answers 503 to everything."""

    def __init__(self) -> None:
        self.answers = {item.path: item.response_body.encode() for item in interactions(CASSETTES / "events.yaml")}
        self.down = False
        self.requests: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.requests.append(self.path)
                path = "/open-apis" + self.path.split("/open-apis", 1)[-1].split("?", 1)[0]
                body = fake.answers.get(path)
                status = 503 if fake.down else 200 if body is not None else 404
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body if status == 200 and body else b'{"code":1,"msg":"no"}')

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/open-apis"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def feishu() -> Iterator[FakeFeishu]:
    fake = FakeFeishu()
    yield fake
    fake.close()


@pytest.fixture
def server(hub_server_factory, feishu: FakeFeishu) -> Any:  # noqa: F811
    settings = {**SETTINGS, "base_url": feishu.url(), "app_secret": "${FEISHU_APP_SECRET}",
                "encrypt_key": "${FEISHU_ENCRYPT_KEY}", "retry": {"max_attempts": 1}}
    return hub_server_factory(config={"connectors": {"feishu_hire": {"type": "feishu_hire", "settings": settings}}},
                              env={"FEISHU_APP_SECRET": SETTINGS["app_secret"], "FEISHU_ENCRYPT_KEY": ENCRYPT_KEY})


@pytest.mark.parametrize("sample", ["url_verification.json", "url_verification_encrypted.json"])
def test_hub_serve_answers_the_handshake_with_the_challenge_and_stores_nothing(server, sample: str) -> None:
    with server.client() as client:
        answer = client.post("/v1/webhooks/feishu_hire", content=(EVENTS / sample).read_bytes(),
                             headers={"Content-Type": "application/json"})
        forged = client.post("/v1/webhooks/feishu_hire", json={"challenge": "x", "token": "nope", "type": "url_verification"})
    assert (answer.status_code, answer.json()) == (200, {"challenge": "ajls384kdjx98XX"})
    assert forged.status_code == 401 and "challenge" not in forged.text


def test_hub_serve_fetches_what_an_event_names_stores_it_and_asks_again_when_feishu_is_down(server, feishu) -> None:
    post = lambda client: client.post("/v1/webhooks/feishu_hire", content=STAGE_CHANGED,  # noqa: E731
                                      headers=lark_headers(STAGE_CHANGED))
    with server.client() as client:
        feishu.down = True
        unavailable = post(client)
        feishu.down = False
        stored = post(client)
        again = post(client)
    assert unavailable.status_code == 503  # Feishu retries; the event id was not used up
    assert stored.status_code == 200 and stored.json() == {"received": {"records": 1, "stored": 1, "dead_lettered": 0}}
    assert again.status_code == 409
    application = server.store.get("application", server.store.find("feishu_hire", APPLICATION, "application"))
    assert application.status is ApplicationStatus.INTERVIEWING
    assert any(path.endswith(f"/hire/v1/applications/{APPLICATION}") for path in feishu.requests)
    assert VERIFICATION_TOKEN not in json.dumps(application.model_dump(mode="json"), ensure_ascii=False)
