"""Webhook verification: the published Standard Webhooks vector with its negative cases, and Greenhouse."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from hub.core.errors import ConfigError, Permanent, WebhookVerificationError
from hub.core.webhooks import StandardWebhook, verify_hmac_hex

# standard-webhooks/standard-webhooks: libraries/python/tests/test_webhooks.py::test_sign_function
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'
SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
TOLERANCE = 5 * 60


def headers(**overrides: str) -> dict[str, str]:
    base = {"webhook-id": MSG_ID, "webhook-timestamp": str(TIMESTAMP), "webhook-signature": SIGNATURE}
    base.update({k.replace("_", "-"): v for k, v in overrides.items()})
    return base


def hook(now: float = TIMESTAMP, secret: str = SECRET) -> StandardWebhook:
    return StandardWebhook(secret, clock=lambda: now)


def test_sign_matches_published_vector():
    assert hook().sign(MSG_ID, TIMESTAMP, BODY) == SIGNATURE


@pytest.mark.parametrize("secret", [SECRET, SECRET.removeprefix("whsec_")])
def test_verify_published_vector_with_or_without_prefix(secret):
    assert hook(secret=secret).verify(BODY, headers()) == MSG_ID


def test_header_names_are_case_insensitive():
    upper = {k.upper(): v for k, v in headers().items()}
    assert hook().verify(BODY, upper) == MSG_ID


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_header_fails(missing):
    sent = headers()
    del sent[missing]
    with pytest.raises(WebhookVerificationError, match=missing):
        hook().verify(BODY, sent)


def test_non_numeric_timestamp_fails():
    with pytest.raises(WebhookVerificationError, match="integer"):
        hook().verify(BODY, headers(webhook_timestamp="2021-02-25T15:02:10Z"))


def test_wrong_signature_fails_and_does_not_leak():
    wrong = SIGNATURE[:-2] + "A="  # ...1OE= -> ...1OA=
    with pytest.raises(WebhookVerificationError) as info:
        hook().verify(BODY, headers(webhook_signature=wrong))
    assert SIGNATURE.split(",")[1] not in str(info.value) and "MfKQ9r8" not in str(info.value)
    assert isinstance(info.value, Permanent) and info.value.code == "webhook-verification-failed"


def test_tampered_body_fails():
    with pytest.raises(WebhookVerificationError):
        hook().verify(b'{"test": 2432232315}', headers())


@pytest.mark.parametrize("now, match", [
    (TIMESTAMP + TOLERANCE + 1, "too old"),
    (TIMESTAMP - TOLERANCE - 1, "future"),
])
def test_timestamp_outside_tolerance_fails(now, match):
    with pytest.raises(WebhookVerificationError, match=match):
        hook(now=now).verify(BODY, headers())


def test_timestamp_at_edge_of_tolerance_passes():
    hook(now=TIMESTAMP + TOLERANCE).verify(BODY, headers())
    hook(now=TIMESTAMP - TOLERANCE).verify(BODY, headers())


def test_v2_entry_is_ignored():
    v2 = "v2," + SIGNATURE.split(",")[1]
    with pytest.raises(WebhookVerificationError):
        hook().verify(BODY, headers(webhook_signature=v2))


def test_any_matching_v1_entry_passes_for_rotation():
    several = f"v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,{SIGNATURE[3:]} {SIGNATURE}"
    assert hook().verify(BODY, headers(webhook_signature=several)) == MSG_ID


def test_secret_that_is_not_base64_is_a_config_error():
    with pytest.raises(ConfigError):
        StandardWebhook("whsec_not base64!")


# ---------------------------------------------------------------- Greenhouse: Signature: sha256 <hex>

GH_KEY = "greenhouse-secret-key"
GH_BODY = '{"action":"ping","payload":{"web_hook_id":1,"note":"\\u003cp\\u003e"}}'.encode()
GH_SIG = "sha256 " + hmac.new(GH_KEY.encode(), GH_BODY, hashlib.sha256).hexdigest()


def test_greenhouse_signature_verifies():
    verify_hmac_hex(GH_KEY, GH_BODY, GH_SIG)
    verify_hmac_hex(GH_KEY.encode(), GH_BODY, GH_SIG.upper().replace("SHA256", "sha256"))


@pytest.mark.parametrize("header", [None, "", "sha256=" + GH_SIG[7:], "sha256 " + "0" * 64, GH_SIG + "00"])
def test_greenhouse_bad_signature_fails(header):
    with pytest.raises(WebhookVerificationError) as info:
        verify_hmac_hex(GH_KEY, GH_BODY, header)
    assert GH_KEY not in str(info.value) and GH_SIG[7:] not in str(info.value)


def test_reserialised_body_fails():
    with pytest.raises(WebhookVerificationError):
        verify_hmac_hex(GH_KEY, GH_BODY.replace(b"\\u003c", b"<"), GH_SIG)


def test_github_style_prefix():
    sig = "sha256=" + hmac.new(b"k", b"x", hashlib.sha256).hexdigest()
    verify_hmac_hex("k", b"x", sig, prefix="sha256=")
