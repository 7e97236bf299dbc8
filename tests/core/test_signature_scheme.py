"""The configurable webhook signature (:class:`hub.core.webhooks.SignatureScheme`): every scheme a
vendor may configure signs and verifies round trip, and any change to the body, the signature, the
timestamp or the secret is refused; a stale timestamp is refused whatever its signature."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from hub.core.errors import WebhookVerificationError
from hub.core.webhooks import SignatureScheme

NOW = 1_760_000_000



@st.composite
def schemes(draw: st.DrawFn) -> SignatureScheme:
    content = draw(st.sampled_from(["{body}", "{timestamp}.{body}", "{timestamp}{body}", "{id}.{timestamp}.{body}"]))
    return SignatureScheme(
        algorithm=draw(st.sampled_from(["sha256", "sha1"])), encoding=draw(st.sampled_from(["hex", "base64"])),
        header=draw(st.sampled_from(["X-Signature", "X-Hub-Signature", "Sign"])),
        prefix=draw(st.sampled_from(["", "sha256=", "v1,"])), signed_content=content, timestamp_header="X-Timestamp",
        tolerance_seconds=draw(st.integers(1, 3600)),
        delivery_id_header="X-Delivery-Id" if "{id}" in content else draw(st.sampled_from([None, "X-Delivery-Id"])))


secrets_ = st.binary(min_size=1, max_size=64)
bodies = st.binary(max_size=512)
ids = st.text("abcdef0123456789-", min_size=1, max_size=40)


def signed(scheme: SignatureScheme, secret: bytes, body: bytes, delivery_id: str, at: int = NOW) -> dict[str, str]:
    return scheme.headers(secret, body, timestamp=at, delivery_id=delivery_id)


@given(schemes(), secrets_, bodies, ids, st.integers(-300, 300))
def test_what_a_scheme_signs_it_verifies(scheme, secret, body, delivery_id, skew) -> None:
    headers = signed(scheme, secret, body, delivery_id)
    got = scheme.verify(secret, body, headers, clock=lambda: NOW + min(abs(skew), scheme.tolerance_seconds))
    signature = headers[scheme.header][len(scheme.prefix):]
    assert got == (delivery_id if scheme.delivery_id_header else f"{scheme.algorithm}:{signature}")
    lowered = {name.lower(): value for name, value in headers.items()}
    assert scheme.verify(secret, body, lowered, clock=lambda: NOW) == got  # header names in any case


@given(schemes(), secrets_, bodies, ids, st.binary(min_size=1, max_size=8), st.integers(0, 511))
def test_a_tampered_body_is_refused(scheme, secret, body, delivery_id, extra, where) -> None:
    tampered = body[: where % (len(body) + 1)] + extra + body[where % (len(body) + 1):]
    headers = signed(scheme, secret, body, delivery_id)
    with pytest.raises(WebhookVerificationError):
        scheme.verify(secret, tampered, headers, clock=lambda: NOW)


@given(schemes(), secrets_, secrets_, bodies, ids)
def test_another_secret_is_refused(scheme, secret, other, body, delivery_id) -> None:
    headers = signed(scheme, secret, body, delivery_id)
    if other != secret:
        with pytest.raises(WebhookVerificationError):
            scheme.verify(other, body, headers, clock=lambda: NOW)


@given(schemes(), secrets_, bodies, ids, st.integers(0, 200))
def test_a_changed_signature_character_is_refused(scheme, secret, body, delivery_id, position) -> None:
    headers = signed(scheme, secret, body, delivery_id)
    value = headers[scheme.header]
    index = len(scheme.prefix) + position % (len(value) - len(scheme.prefix))
    swapped = "0" if value[index] != "0" else "1"
    headers[scheme.header] = value[:index] + swapped + value[index + 1:]
    with pytest.raises(WebhookVerificationError):
        scheme.verify(secret, body, headers, clock=lambda: NOW)


@given(schemes(), secrets_, bodies, ids, st.integers(1, 10_000))
def test_a_timestamp_outside_the_tolerance_is_refused_even_correctly_signed(scheme, secret, body, delivery_id,
                                                                           beyond) -> None:
    stale = scheme.model_copy(update={"signed_content": scheme.signed_content if "{timestamp}" in scheme.signed_content
                                      else "{timestamp}.{body}"})
    headers = signed(stale, secret, body, delivery_id, at=int(NOW - stale.tolerance_seconds - beyond))
    with pytest.raises(WebhookVerificationError, match="too old"):
        stale.verify(secret, body, headers, clock=lambda: NOW)
    ahead = signed(stale, secret, body, delivery_id, at=int(NOW + stale.tolerance_seconds + beyond))
    with pytest.raises(WebhookVerificationError, match="future"):
        stale.verify(secret, body, ahead, clock=lambda: NOW)


@given(schemes(), secrets_, bodies, ids)
def test_a_signed_timestamp_changed_in_transit_is_refused(scheme, secret, body, delivery_id) -> None:
    if "{timestamp}" not in scheme.signed_content:
        return
    headers = signed(scheme, secret, body, delivery_id)
    headers["X-Timestamp"] = str(NOW + 1)
    with pytest.raises(WebhookVerificationError, match="does not match"):
        scheme.verify(secret, body, headers, clock=lambda: NOW)


def test_the_digest_is_the_documented_hmac() -> None:
    """One hand-computed vector per encoding: SHA-1 base64 over ``{timestamp}{body}``, SHA-256 hex over the body."""
    sha1 = SignatureScheme(algorithm="sha1", encoding="base64", signed_content="{timestamp}{body}",
                           timestamp_header="X-Timestamp")
    expected = base64.b64encode(hmac.new(b"k", b"1760000000{}", hashlib.sha1).digest()).decode()
    assert sha1.signature("k", b"{}", timestamp=NOW) == expected
    sha256 = SignatureScheme(prefix="sha256=")
    assert sha256.signature("k", b"{}") == "sha256=" + hmac.new(b"k", b"{}", hashlib.sha256).hexdigest()


def test_missing_headers_are_named() -> None:
    scheme = SignatureScheme(signed_content="{timestamp}.{body}", timestamp_header="X-Timestamp",
                             delivery_id_header="X-Delivery-Id")
    good = scheme.headers("k", b"{}", timestamp=NOW, delivery_id="d-1")
    for header in good:
        with pytest.raises(WebhookVerificationError, match=header):
            scheme.verify("k", b"{}", {k: v for k, v in good.items() if k != header}, clock=lambda: NOW)


@pytest.mark.parametrize(("settings", "reason"), [
    ({"signed_content": "{timestamp}"}, "must contain {body}"),
    ({"signed_content": "{timestamp}.{body}"}, "timestamp_header"),
    ({"signed_content": "{id}.{body}"}, "delivery_id_header"),
    ({"algorithm": "md5"}, "algorithm"),
    ({"encodng": "hex"}, "encodng"),
])
def test_a_wrong_scheme_is_refused_when_configured(settings, reason) -> None:
    with pytest.raises(ValidationError, match=reason):
        SignatureScheme(**settings)
