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
