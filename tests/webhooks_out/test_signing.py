"""The Standard Webhooks signer and verifier of hub/core/webhooks.py against the specification's
published test vectors, and against the `standardwebhooks` package (the reference implementation)
as a second opinion, both ways: it verifies what we sign, we verify what it signs.

The vectors are those of the reference library's tests, standard-webhooks/standard-webhooks,
libraries/python/tests/test_webhooks.py (secret, message id, timestamp, body and signature of
``test_sign_function``; the rejected signature of ``test_invalid_signature_raises_error``; the
mixed list of ``test_multi_sig_payload_is_valid``; the ±5 minutes + 1 s of the timestamp tests).
"""

from __future__ import annotations

import base64
import datetime as dt
import time

import pytest
import standardwebhooks

from hub.core.errors import ConfigError, WebhookVerificationError
from hub.core.webhooks import StandardWebhook, new_secret

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'
SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
WRONG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="  # the vector with its last base64 digit changed
TOLERANCE = 5 * 60


def headers(signature: str = SIGNATURE, timestamp: int = TIMESTAMP) -> dict[str, str]:
    return {"webhook-id": MSG_ID, "webhook-timestamp": str(timestamp), "webhook-signature": signature}


def at(now: float, secret: str | list[str] = SECRET) -> StandardWebhook:
    return StandardWebhook(secret, clock=lambda: now)


# -- the published vectors


@pytest.mark.parametrize("secret", [SECRET, SECRET.removeprefix("whsec_")])
def test_signs_the_published_vector(secret):
    assert StandardWebhook(secret).sign(MSG_ID, TIMESTAMP, BODY) == SIGNATURE
    assert StandardWebhook(secret).headers(MSG_ID, TIMESTAMP, BODY) == headers()


def test_verifies_the_published_vector():
    assert at(TIMESTAMP).verify(BODY, headers()) == MSG_ID


@pytest.mark.parametrize("signature", [WRONG, "v2," + SIGNATURE[3:], SIGNATURE[3:]])
def test_refuses_a_wrong_signature_or_another_version(signature):
    with pytest.raises(WebhookVerificationError):
        at(TIMESTAMP).verify(BODY, headers(signature))


def test_accepts_the_published_list_of_signatures_with_one_valid_entry():
    listed = " ".join(["v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
                       SIGNATURE, "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="])
    assert at(TIMESTAMP).verify(BODY, headers(listed)) == MSG_ID


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_refuses_a_missing_header(missing):
    given = headers()
    del given[missing]
    with pytest.raises(WebhookVerificationError, match=missing):
        at(TIMESTAMP).verify(BODY, given)


def test_refuses_a_timestamp_that_is_not_a_number():
    with pytest.raises(WebhookVerificationError, match="integer"):
        at(TIMESTAMP).verify(BODY, headers(timestamp="hello"))  # type: ignore[arg-type]


@pytest.mark.parametrize("skew", [TOLERANCE + 1, -(TOLERANCE + 1)])
def test_refuses_a_timestamp_outside_five_minutes(skew):
    with pytest.raises(WebhookVerificationError, match="timestamp"):
        at(TIMESTAMP + skew).verify(BODY, headers())
    assert at(TIMESTAMP + skew - (1 if skew > 0 else -1)).verify(BODY, headers()) == MSG_ID  # the edge is inside


# -- rotation and secrets


def test_signs_once_per_secret_in_order_so_either_verifies():
    new = new_secret()
    both = StandardWebhook([new, SECRET]).sign(MSG_ID, TIMESTAMP, BODY).split(" ")
    assert both == [StandardWebhook(new).sign(MSG_ID, TIMESTAMP, BODY), SIGNATURE]
    for secret in (new, SECRET):
        assert at(TIMESTAMP, secret).verify(BODY, headers(" ".join(both))) == MSG_ID
    assert at(TIMESTAMP, [SECRET, new]).verify(BODY, headers(both[0])) == MSG_ID  # a receiver mid-rotation


def test_new_secrets_are_random_and_of_the_specified_size():
    made = {new_secret() for _ in range(20)}
    assert len(made) == 20
    assert all(s.startswith("whsec_") and len(base64.b64decode(s[6:])) == 32 for s in made)
    with pytest.raises(ConfigError):
        new_secret(16)


@pytest.mark.parametrize("bad", ["whsec_not base64!", "whsec_", []])
def test_refuses_unusable_secrets(bad):
    with pytest.raises(ConfigError):
        StandardWebhook(bad)


# -- the reference implementation as a second opinion


def test_the_package_verifies_what_we_sign_with_several_secrets():
    old, new = new_secret(), new_secret()
    now = int(time.time())
    body = '{"type":"offer.updated","data":{"name":"**"}}'.encode()
    signed = StandardWebhook([new, old]).headers("hub-r-e1-2", now, body)
    for secret in (old, new):
        assert standardwebhooks.Webhook(secret).verify(body, signed) == {"type": "offer.updated", "data": {"name": "**"}}
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        standardwebhooks.Webhook(new_secret()).verify(body, signed)


def test_the_package_signs_the_vector_as_we_do():
    stamp = dt.datetime.fromtimestamp(TIMESTAMP, dt.UTC)
    assert standardwebhooks.Webhook(SECRET).sign(MSG_ID, stamp, BODY) == SIGNATURE


def test_we_verify_what_the_package_signs_and_refuse_a_wrong_secret_or_stale_time():
    secret, now = new_secret(), int(time.time())
    body = "{\"名\": \"王芳\"}".encode()
    signed = {"webhook-id": "msg_1", "webhook-timestamp": str(now),
              "webhook-signature": standardwebhooks.Webhook(secret).sign("msg_1", dt.datetime.fromtimestamp(now, dt.UTC), body)}
    assert StandardWebhook(secret).verify(body, signed) == "msg_1"
    assert StandardWebhook([new_secret(), secret]).verify(body, signed) == "msg_1"  # rotation on the receiving side
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(new_secret()).verify(body, signed)
    with pytest.raises(WebhookVerificationError, match="too old"):
        StandardWebhook(secret, clock=lambda: now + TOLERANCE + 1).verify(body, signed)
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(secret).verify(body + b" ", signed)
