"""A signed timestamp sent as ISO 8601 (BambooHR's ``X-BambooHR-Timestamp`` has been seen both ways):
read for freshness like Unix seconds, and signed as the header's text."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.errors import WebhookVerificationError
from hub.core.webhooks import SignatureScheme

NOW = 1_760_000_000
SCHEME = SignatureScheme(header="X-Sig", signed_content="{body}{timestamp}", timestamp_header="X-Time")


@given(st.integers(-300, 300), st.sampled_from(["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S+0000", "%Y-%m-%dT%H:%M:%S+00:00"]),
       st.binary(max_size=64))
def test_an_iso_timestamp_verifies_as_its_seconds_would(skew: int, form: str, body: bytes) -> None:
    stamp = dt.datetime.fromtimestamp(NOW + skew, dt.UTC).strftime(form)
    headers = SCHEME.headers("k", body, timestamp=stamp)
    assert SCHEME.verify("k", body, headers, clock=lambda: NOW).startswith("sha256:")


@pytest.mark.parametrize(("stamp", "reason"), [
    ("2025-10-09T08:00:00Z", "too old"),          # 1760000000 is 2025-10-09T08:53:20Z
    ("2025-10-09T10:00:00Z", "too far in the future"),
    ("yesterday", "neither Unix seconds nor an ISO 8601 time"),
])
def test_a_bad_or_stale_iso_timestamp_is_refused(stamp: str, reason: str) -> None:
    with pytest.raises(WebhookVerificationError, match=reason):
        SCHEME.verify("k", b"{}", SCHEME.headers("k", b"{}", timestamp=stamp), clock=lambda: NOW)


def test_the_text_sent_is_what_is_signed() -> None:
    headers = SCHEME.headers("k", b"{}", timestamp="2025-10-09T08:53:20Z")
    headers["X-Time"] = "2025-10-09T08:53:20+00:00"  # the same time, other text: not what was signed
    with pytest.raises(WebhookVerificationError, match="does not match"):
        SCHEME.verify("k", b"{}", headers, clock=lambda: NOW)
