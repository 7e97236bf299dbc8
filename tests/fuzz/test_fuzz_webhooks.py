"""Fuzzing the webhook parsers: a pushed body, signed or not, ends in records or a
:class:`~hub.core.errors.HubError` (a verification error), within the budgets of :mod:`tests.fuzz.harness`.
Bodies are signed with the right secret, so the parsing behind the signature check is reached."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from hub.core.connector import WebhookDelivery
from hub.core.errors import HubError
from hub.core.webhooks import StandardWebhook
from plugins.hr_suites.greenhouse import Greenhouse
from tests.fuzz.harness import FUZZ, outcome
from tests.fuzz.strategies import damaged, deeply_nested, hostile_text, hostile_values, mutated

SECRET = "fuzz-webhook-secret"
SETTINGS = {"client_id": "cid", "client_secret": "secret", "user_id": "4080", "webhook_secret": SECRET}
OFFER = (Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "greenhouse" / "webhook_offer_created.json").read_bytes()
_BODIES = st.one_of(
    st.binary(max_size=300), mutated(OFFER), deeply_nested().map(str.encode),
    damaged(json.loads(OFFER)).map(lambda body: json.dumps(body, default=str).encode()),
)  # fmt: skip


@FUZZ
@given(body=_BODIES)
# What the fuzzer found: a RecursionError, a TypeError and an AttributeError instead of a hub error.
@example(body=b"[" * 100_000)
@example(body=b'{"action": "offer_created", "payload": true}')
@example(body=b'{"action": "offer_created", "payload": {"id": 1, "custom_fields": true}}')
def test_a_signed_greenhouse_body_parses_or_fails_typed(body):
    headers = {"Signature": "sha256 " + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()}
    result = outcome(lambda: Greenhouse(SETTINGS).parse_webhook(headers, body))
    assert isinstance(result, (WebhookDelivery, HubError)), result


@FUZZ
@given(headers=st.dictionaries(st.sampled_from(["Signature", "signature", "X-Other"]), hostile_text, max_size=3),
       body=_BODIES)  # fmt: skip
def test_an_unsigned_greenhouse_body_is_refused(headers, body):
    assert isinstance(outcome(lambda: Greenhouse(SETTINGS).parse_webhook(headers, body)), HubError)


@FUZZ
@given(msg_id=hostile_text, timestamp=st.one_of(st.integers(), hostile_text, st.just("1" * 5000)),
       signature=hostile_text, body=st.binary(max_size=200), extra=hostile_values)  # fmt: skip
def test_a_standard_webhook_verifies_or_fails_typed(msg_id, timestamp, signature, body, extra):
    hook = StandardWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", clock=lambda: 1_700_000_000)
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(timestamp), "webhook-signature": signature}
    assert isinstance(outcome(lambda: hook.verify(body, headers)), (str, HubError))


# ---------------------------------------------------------------- Feishu: signed, encrypted events

FEISHU = {"app_id": "cli_fuzz", "app_secret": "s", "encrypt_key": "fuzz-encrypt-key", "verification_token": "fuzz-token"}


def _sealed(plaintext: bytes) -> bytes:
    from tests.cassettes.hr_suites.feishu_hire._build import encrypt

    return json.dumps({"encrypt": encrypt(plaintext, FEISHU["encrypt_key"])}).encode()


def _lark(body: bytes) -> dict[str, str]:
    from plugins.hr_suites.feishu_hire import event_signature

    return {"X-Lark-Request-Timestamp": "1700000000", "X-Lark-Request-Nonce": "n",
            "X-Lark-Signature": event_signature("1700000000", "n", FEISHU["encrypt_key"], body)}


@FUZZ
@given(plaintext=st.one_of(st.binary(max_size=300), deeply_nested().map(str.encode),
                           damaged({"schema": "2.0", "header": {"event_id": "e", "token": "fuzz-token",
                                                                "event_type": "hire.application.stage_changed_v1"},
                                    "event": {"application_id": "7"}}).map(lambda b: json.dumps(b, default=str).encode())),
       sealed=st.booleans())  # fmt: skip
# What the fuzzer found: a TypeError for an event_type that is not text.
@example(plaintext=b'{"schema": "2.0", "header": {"token": "fuzz-token", "event_type": []}}', sealed=True)
@example(plaintext=b'{"schema": "2.0", "header": {"token": "fuzz-token", "event_type": "hire.offer.status_changed_v1"}, '
                   b'"event": []}', sealed=True)
def test_a_signed_feishu_event_parses_or_fails_typed_and_so_does_its_handshake(plaintext, sealed):
    from plugins.hr_suites.feishu_hire import FeishuHire

    body = _sealed(plaintext) if sealed else plaintext
    connector = FeishuHire(FEISHU)
    result = outcome(lambda: connector.parse_webhook(_lark(body), body))
    assert isinstance(result, (WebhookDelivery, HubError)), result
    answer = outcome(lambda: connector.webhook_answer({}, body))
    assert answer is None or isinstance(answer, (dict, HubError)), answer


# ---------------------------------------------------------------- DingTalk: signed, encrypted callbacks (hub.core.msg_crypt)

DINGTALK = {"app_key": "dingfuzzapp", "app_secret": "s", "agent_id": "1", "callback_token": "fuzz-token",
            "encoding_aes_key": "ZnV6ei1lbmNvZGluZy1hZXMta2V5LWZvci10ZXN0cyE"}


@FUZZ
@given(plaintext=st.one_of(st.binary(max_size=300), deeply_nested().map(str.encode),
                           damaged({"EventType": "user_modify_org", "userId": ["u1"], "eventId": "e", "CorpId": "c"})
                           .map(lambda b: json.dumps(b, default=str).encode())),
       receive_id=st.sampled_from([DINGTALK["app_key"], "another-app"]))  # fmt: skip
# What the fuzzer found: a TypeError for an EventType that is not text.
@example(plaintext=b'{"EventType": []}', receive_id=DINGTALK["app_key"])
def test_a_signed_dingtalk_callback_parses_or_fails_typed_and_so_does_its_handshake(plaintext, receive_id):
    from hub.core.msg_crypt import MsgCrypt
    from plugins.hr_suites.dingtalk import DingTalk

    sealed = MsgCrypt(DINGTALK["callback_token"], DINGTALK["encoding_aes_key"], receive_id).encrypt(
        plaintext, nonce="n", timestamp="1700000000000")
    body = json.dumps({"encrypt": sealed.encrypt}).encode()
    query = {"msg_signature": sealed.signature, "timestamp": sealed.timestamp, "nonce": sealed.nonce}
    connector = DingTalk(DINGTALK)
    result = outcome(lambda: connector.parse_webhook({}, body, query=query))
    assert isinstance(result, (WebhookDelivery, HubError)), result
    answer = outcome(lambda: connector.webhook_answer({}, body))
    assert answer is None or isinstance(answer, (dict, HubError)), answer
