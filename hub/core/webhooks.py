"""Verifying webhooks that vendors push to the hub (and signing the ones the hub sends).

Two schemes cover most vendors:

* a hex HMAC-SHA256 of the raw body in one header, with a prefix — Greenhouse ``Signature: sha256 <hex>``,
  GitHub-style ``sha256=<hex>``, Gusto — see :func:`verify_hmac_hex`;
* Standard Webhooks v1 (Svix and others; also what the hub itself sends) — see :class:`StandardWebhook`.

Both always verify the *raw* body bytes (re-serialised JSON breaks signatures), compare in constant
time, and fail with :class:`~hub.core.errors.WebhookVerificationError`, whose message never contains
the secret or the expected signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping

from hub.core.errors import ConfigError, WebhookVerificationError

__all__ = ["StandardWebhook", "verify_hmac_hex"]


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


class StandardWebhook:
    """Standard Webhooks v1: HMAC-SHA256 over ``{webhook-id}.{webhook-timestamp}.{raw body}``.

    Headers ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and ``webhook-signature`` (one or
    more space-separated ``v1,<base64>`` entries, so senders can rotate secrets) are read
    case-insensitively. Entries of other versions (``v1a``, ``v2``) are ignored. Timestamps more
    than ``tolerance_seconds`` away from now, in either direction, are rejected to bound replays;
    within the window the receiver refuses a ``webhook-id`` it has stored before (``verify`` returns
    it; :func:`hub.core.sync.ingest_webhook` records it).

    Args:
        secret: the base64 secret, with or without the ``whsec_`` prefix.
        tolerance_seconds: the replay window (the reference library uses 5 minutes).
        clock: Unix time, injectable for tests.

    Example:
        >>> hook = StandardWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        >>> hook.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
        'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
    """

    PREFIX = "whsec_"

    def __init__(
        self, secret: str, *, tolerance_seconds: float = 300, clock: Callable[[], float] = time.time
    ) -> None:
        encoded = secret[len(self.PREFIX) :] if secret.startswith(self.PREFIX) else secret
        try:
            self._key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise ConfigError("the webhook secret is not valid base64 (expected whsec_<base64>)") from None
        self._tolerance, self._clock = tolerance_seconds, clock

    def sign(self, msg_id: str, timestamp: int, raw_body: bytes) -> str:
        """The ``webhook-signature`` value for a message: ``v1,<base64 HMAC-SHA256>``."""
        signed = f"{msg_id}.{timestamp}.".encode() + raw_body
        return "v1," + base64.b64encode(hmac.new(self._key, signed, hashlib.sha256).digest()).decode("ascii")

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
        expected = self.sign(msg_id, timestamp, raw_body).partition(",")[2].encode()
        for entry in signatures.split():
            version, _, value = entry.partition(",")
            if version == "v1" and hmac.compare_digest(value.encode(), expected):
                return msg_id
        raise WebhookVerificationError("no v1 signature matches; check the webhook secret")
