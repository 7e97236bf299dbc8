"""Verifying webhooks that vendors push to the hub (and signing the ones the hub sends).

Three schemes cover most vendors:

* a hex HMAC-SHA256 of the raw body in one header, with a prefix — Greenhouse ``Signature: sha256 <hex>``,
  GitHub-style ``sha256=<hex>``, Gusto — see :func:`verify_hmac_hex`;
* Standard Webhooks v1 (Svix and others; also what the hub itself sends) — see :class:`StandardWebhook`,
  which signs as well as verifies: one ``v1,<base64>`` entry per secret, so a secret can be rotated
  without a window in which the receiver refuses deliveries (:func:`new_secret` makes one);
* a scheme written as settings, for vendors whose signature is documented only in a customer's
  contract (AI-interview vendors) — see :class:`SignatureScheme`: SHA-256 or SHA-1, hex or base64,
  any header and prefix, the body signed alone or with a timestamp and delivery id.

All always verify the *raw* body bytes (re-serialised JSON breaks signatures), compare in constant
time, and fail with :class:`~hub.core.errors.WebhookVerificationError`, whose message never contains
the secret or the expected signature.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.core.errors import ConfigError, WebhookVerificationError

__all__ = ["SignatureScheme", "StandardWebhook", "new_secret", "verify_hmac_hex", "webhook_json", "webhook_object"]


def webhook_json(raw_body: bytes, system: str) -> Any:
    """A webhook body parsed as JSON, or the 400-class refusal every receiver gives a body that is not.

    Example:
        >>> webhook_json(b'{"event": "x"}', "acme")
        {'event': 'x'}
    """
    try:
        return json.loads(raw_body)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than json's parser goes
        raise WebhookVerificationError("the webhook body is not JSON", system=system) from None


def webhook_object(raw_body: bytes, system: str) -> dict[str, Any]:
    """:func:`webhook_json` for vendors whose body is always one object (the signature sits inside it).

    Example:
        >>> webhook_object(b"[1]", "acme")
        Traceback (most recent call last):
        ...
        hub.core.errors.WebhookVerificationError: [webhook-verification-failed] acme: the webhook body is not a JSON object
    """
    body = webhook_json(raw_body, system)
    if not isinstance(body, dict):
        raise WebhookVerificationError("the webhook body is not a JSON object", system=system)
    return body


def verify_hmac_hex(
    secret: str | bytes, raw_body: bytes, header_value: str | None, *, prefix: str = "sha256 "
) -> None:
    """Check a ``<prefix><hex HMAC-SHA256 of the raw body>`` signature header.

    Args:
        secret: the shared webhook secret.
        raw_body: the request body exactly as received.
        header_value: the signature header (Greenhouse: ``Signature``), or None if it was absent.
        prefix: text before the hex digest; Greenhouse uses ``"sha256 "`` (a space), GitHub ``"sha256="``.

    Raises:
        WebhookVerificationError: the header is missing, malformed or does not match.

    Example:
        >>> import hashlib, hmac
        >>> sig = hmac.new(b"k", b"{}", hashlib.sha256).hexdigest()
        >>> verify_hmac_hex("k", b"{}", "sha256 " + sig)
    """
    if not header_value:
        raise WebhookVerificationError("the signature header is missing")
    if not header_value.startswith(prefix):
        raise WebhookVerificationError(f"the signature header does not start with {prefix!r}")
    key = secret.encode() if isinstance(secret, str) else secret
    expected = hmac.new(key, raw_body, hashlib.sha256).hexdigest()
    given = header_value[len(prefix) :].strip().lower()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise WebhookVerificationError("the signature does not match the body; check the webhook secret")


def new_secret(size: int = 32) -> str:
    """A fresh Standard Webhooks secret: ``whsec_`` and the base64 of ``size`` random bytes.

    The specification asks for 24 to 64 bytes; 32 is the size of the HMAC-SHA256 digest it keys.

    Example:
        >>> secret = new_secret()
        >>> secret.startswith("whsec_"), len(base64.b64decode(secret[6:]))
        (True, 32)
    """
    if not 24 <= size <= 64:
        raise ConfigError(f"a webhook secret takes 24 to 64 random bytes, not {size}")
    return StandardWebhook.PREFIX + base64.b64encode(secrets.token_bytes(size)).decode("ascii")


class StandardWebhook:
    """Standard Webhooks v1: HMAC-SHA256 over ``{webhook-id}.{webhook-timestamp}.{raw body}``.

    Headers ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and ``webhook-signature`` (one or
    more space-separated ``v1,<base64>`` entries, so senders can rotate secrets) are read
    case-insensitively. Entries of other versions (``v1a``, ``v2``) are ignored. Timestamps more
    than ``tolerance_seconds`` away from now, in either direction, are rejected to bound replays;
    within the window the receiver refuses a ``webhook-id`` it has stored before (``verify`` returns
    it; :func:`hub.core.sync.ingest_webhook` records it).

    Several secrets are a rotation: a sender signs with each (the new one and the one consumers still
    hold), a receiver accepts a signature by any of them. Retire the old secret once every consumer
    verifies with the new one.

    Args:
        secret: the base64 secret, with or without the ``whsec_`` prefix; or several (rotation).
        tolerance_seconds: the replay window (the reference library uses 5 minutes).
        clock: Unix time, injectable for tests.

    Example:
        >>> hook = StandardWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        >>> hook.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
        'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
        >>> rotating = StandardWebhook(["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_c2Vjb25kLXNlY3JldC1vZi0yNC1ieXRlcw=="])
        >>> sorted(rotating.headers("msg_1", 1614265330, b"{}"))
        ['webhook-id', 'webhook-signature', 'webhook-timestamp']
        >>> len(rotating.headers("msg_1", 1614265330, b"{}")["webhook-signature"].split())
        2
    """

    PREFIX = "whsec_"

    def __init__(
        self, secret: str | Sequence[str], *, tolerance_seconds: float = 300, clock: Callable[[], float] = time.time
    ) -> None:
        given = [secret] if isinstance(secret, str) else list(secret)
        if not given:
            raise ConfigError("no webhook secret given (expected whsec_<base64>)")
        self._keys = [self._key_of(one) for one in given]
        self._tolerance, self._clock = tolerance_seconds, clock

    @classmethod
    def _key_of(cls, secret: str) -> bytes:
        encoded = secret[len(cls.PREFIX) :] if secret.startswith(cls.PREFIX) else secret
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise ConfigError("the webhook secret is not valid base64 (expected whsec_<base64>)") from None
        if not key:
            raise ConfigError("the webhook secret is empty (expected whsec_<base64>)")
        return key

    def sign(self, msg_id: str, timestamp: int, raw_body: bytes) -> str:
        """The ``webhook-signature`` value for a message: ``v1,<base64 HMAC-SHA256>`` per secret, space-separated."""
        return " ".join("v1," + signature for signature in self._signatures(msg_id, timestamp, raw_body))

    def headers(self, msg_id: str, timestamp: int, raw_body: bytes) -> dict[str, str]:
        """The three headers a sender puts on ``raw_body``: ``webhook-id``, ``webhook-timestamp`` and
        ``webhook-signature``. ``msg_id`` must stay the same when the message is sent again (the
        receiver's idempotency key); ``timestamp`` is the time of this attempt."""
        return {"webhook-id": msg_id, "webhook-timestamp": str(int(timestamp)),
                "webhook-signature": self.sign(msg_id, timestamp, raw_body)}

    def _signatures(self, msg_id: str, timestamp: int, raw_body: bytes) -> list[str]:
        signed = f"{msg_id}.{int(timestamp)}.".encode() + raw_body
        return [base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii") for key in self._keys]
    def verify(self, raw_body: bytes, headers: Mapping[str, str]) -> str:
        """Check a received webhook; return its ``webhook-id`` (the idempotency key).

        Raises:
            WebhookVerificationError: a header is missing, the timestamp is not an integer or is
                outside the tolerance, or no ``v1`` signature matches.
        """
        lowered = {name.lower(): value for name, value in headers.items()}
        missing = [n for n in ("webhook-id", "webhook-timestamp", "webhook-signature") if not lowered.get(n)]
        if missing:
            raise WebhookVerificationError(f"missing header(s): {', '.join(missing)}")
        msg_id, signatures = lowered["webhook-id"], lowered["webhook-signature"]
        try:
            timestamp = int(lowered["webhook-timestamp"])
        except ValueError:
            raise WebhookVerificationError("webhook-timestamp is not an integer") from None
        now = self._clock()
        if timestamp < now - self._tolerance:
            raise WebhookVerificationError("webhook-timestamp is too old; possible replay")
        if timestamp > now + self._tolerance:
            raise WebhookVerificationError("webhook-timestamp is too far in the future; check clocks")
        expected = [signature.encode() for signature in self._signatures(msg_id, timestamp, raw_body)]
        for entry in signatures.split():
            version, _, value = entry.partition(",")
            if version == "v1" and any(hmac.compare_digest(value.encode(), one) for one in expected):
                return msg_id
        raise WebhookVerificationError("no v1 signature matches; check the webhook secret")


#: The placeholders a signed-content template may hold; anything else in it is literal text.
_PLACEHOLDERS = re.compile(r"(\{body\}|\{timestamp\}|\{id\})")


class SignatureScheme(BaseModel):
    """An HMAC webhook signature described by settings, for a vendor the hub has no code for.

    The signed content is a template over three placeholders — ``{body}`` (the raw body, required),
    ``{timestamp}`` and ``{id}`` (the values of :attr:`timestamp_header` and
    :attr:`delivery_id_header`) — and literal text: ``"{body}"``, ``"{timestamp}.{body}"``
    (Stripe-like), ``"{timestamp}{body}"``, ``"{id}.{timestamp}.{body}"`` (Standard Webhooks'
    layout). The template is split, never ``str.format``-ed, so braces in a body mean nothing.
    When a timestamp is signed it must also be fresh: within ``tolerance_seconds`` of now, either
    way, which bounds how long a captured delivery can be replayed; within that window the receiver
    refuses a delivery id it has stored before. The timestamp header holds Unix seconds or an ISO 8601
    time (``2024-06-04T09:30:00Z``; without an offset, UTC), and is signed as sent (BambooHR's
    ``{body}{timestamp}`` signs the header's text).

    Example:
        >>> scheme = SignatureScheme(algorithm="sha1", encoding="base64", header="X-Sign",
        ...                          signed_content="{timestamp}.{body}", timestamp_header="X-Time")
        >>> headers = scheme.headers("k", b'{"a": 1}', timestamp=1700000000)
        >>> headers
        {'X-Sign': 'fmTty52/zbbuNVqUdJwj85vNv2g=', 'X-Time': '1700000000'}
        >>> scheme.verify("k", b'{"a": 1}', headers, clock=lambda: 1700000100)  # no id header: the signature
        'sha1:fmTty52/zbbuNVqUdJwj85vNv2g='
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    algorithm: Literal["sha256", "sha1"] = "sha256"
    encoding: Literal["hex", "base64"] = "hex"
    header: str = Field("X-Signature", min_length=1)
    #: Text before the digest in the header (``sha256=``, ``v1,``); not part of the signature.
    prefix: str = ""
    signed_content: str = "{body}"
    timestamp_header: str | None = None
    tolerance_seconds: float = Field(300, gt=0)
    #: The header with the vendor's id of the delivery (the replay key); without one, the signature
    #: itself is the key: the same bytes signed the same way are the same delivery.
    delivery_id_header: str | None = None

    @model_validator(mode="after")
    def _placeholders_have_headers(self) -> SignatureScheme:
        used = set(_PLACEHOLDERS.findall(self.signed_content))
        if "{body}" not in used:
            raise ValueError("signed_content must contain {body}")
        if "{timestamp}" in used and not self.timestamp_header:
            raise ValueError("signed_content signs {timestamp}: set timestamp_header")
        if "{id}" in used and not self.delivery_id_header:
            raise ValueError("signed_content signs {id}: set delivery_id_header")
        return self

    def signature(self, secret: str | bytes, raw_body: bytes, *, timestamp: int | str | None = None,
                  delivery_id: str | None = None) -> str:  # fmt: skip
        """The header value for ``raw_body``: the prefix and the encoded HMAC of the signed content."""
        values = {"{body}": raw_body, "{timestamp}": str(timestamp if timestamp is not None else "").encode(),
                  "{id}": (delivery_id or "").encode()}
        content = b"".join(values.get(part, part.encode()) for part in _PLACEHOLDERS.split(self.signed_content))
        key = secret.encode() if isinstance(secret, str) else secret
        digest = hmac.new(key, content, getattr(hashlib, self.algorithm)).digest()
        encoded = digest.hex() if self.encoding == "hex" else base64.b64encode(digest).decode("ascii")
        return self.prefix + encoded

    def headers(self, secret: str | bytes, raw_body: bytes, *, timestamp: int | str | None = None,
                delivery_id: str | None = None) -> dict[str, str]:  # fmt: skip
        """Every header a sender sets on ``raw_body`` (tests and recorded fixtures sign with it)."""
        headers = {self.header: self.signature(secret, raw_body, timestamp=timestamp, delivery_id=delivery_id)}
        if self.timestamp_header and timestamp is not None:
            headers[self.timestamp_header] = str(timestamp)
        if self.delivery_id_header and delivery_id is not None:
            headers[self.delivery_id_header] = delivery_id
        return headers

    def verify(self, secret: str | bytes, raw_body: bytes, headers: Mapping[str, str], *,
               clock: Callable[[], float] = time.time) -> str:  # fmt: skip
        """Check a received webhook (headers read case-insensitively); return its delivery id.

        Raises:
            WebhookVerificationError: a header is missing, the timestamp is neither Unix seconds nor
                ISO 8601 or is outside the tolerance, or the signature does not match.
        """
        lowered = {name.lower(): value for name, value in headers.items()}
        given = lowered.get(self.header.lower())
        if not given:
            raise WebhookVerificationError(f"the signature header {self.header} is missing")
        if not given.startswith(self.prefix):
            raise WebhookVerificationError(f"the signature header does not start with {self.prefix!r}")
        timestamp = self._fresh_timestamp(lowered, clock) if self.timestamp_header else None
        delivery_id = lowered.get(self.delivery_id_header.lower()) if self.delivery_id_header else None
        if self.delivery_id_header and not delivery_id:
            raise WebhookVerificationError(f"the delivery id header {self.delivery_id_header} is missing")
        expected = self.signature(secret, raw_body, timestamp=timestamp, delivery_id=delivery_id)[len(self.prefix):]
        value = given[len(self.prefix):].strip()
        if self.encoding == "hex":
            value = value.lower()
        if not hmac.compare_digest(value.encode(), expected.encode()):
            raise WebhookVerificationError("the signature does not match the body; check the webhook secret")
        return delivery_id or f"{self.algorithm}:{value}"

    def _fresh_timestamp(self, lowered: Mapping[str, str], clock: Callable[[], float]) -> str:
        """The timestamp header's text (what is signed), once its time is found within the tolerance."""
        assert self.timestamp_header is not None
        text = (lowered.get(self.timestamp_header.lower()) or "").strip()
        if not text:
            raise WebhookVerificationError(f"the timestamp header {self.timestamp_header} is missing")
        timestamp = _seconds(text)
        if timestamp is None:
            raise WebhookVerificationError(f"{self.timestamp_header} is neither Unix seconds nor an ISO 8601 time")
        now = clock()
        if timestamp < now - self.tolerance_seconds:
            raise WebhookVerificationError(f"{self.timestamp_header} is too old; possible replay")
        if timestamp > now + self.tolerance_seconds:
            raise WebhookVerificationError(f"{self.timestamp_header} is too far in the future; check clocks")
        return text


def _seconds(text: str) -> float | None:
    """Unix seconds from a timestamp header: an integer, or an ISO 8601 time (UTC when it names no offset).

    Example:
        >>> _seconds("1717493400"), _seconds("2024-06-04T09:30:00Z"), _seconds("2024-06-04T09:30:00+0000")
        (1717493400.0, 1717493400.0, 1717493400.0)
    """
    if text.lstrip("-").isdigit() and text.isascii():
        return float(int(text))
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).timestamp()
