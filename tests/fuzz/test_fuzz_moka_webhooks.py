"""Fuzzing Moka's webhook parser: a body signed in the URL (``?sign=<hex>``), in either signed-bytes
mode, ends in records or a :class:`~hub.core.errors.HubError`, within the budgets of
:mod:`tests.fuzz.harness`; without the right ``sign`` it is always refused."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from hub.core.connector import WebhookDelivery
from hub.core.errors import HubError, WebhookVerificationError
from plugins.hr_suites.moka import Moka
from tests.fuzz.harness import FUZZ, outcome
from tests.fuzz.strategies import damaged, deeply_nested, hostile_text, mutated

SECRET = "fuzz-moka-signing-key"
SETTINGS = {"api_key": "k", "webhook_secret": SECRET, "webhook_events": {"application.updated": "applications"}}
SAMPLE = (Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "moka"
          / "webhook_application_updated.json").read_bytes()
_BODIES = st.one_of(
    st.binary(max_size=300), mutated(SAMPLE), deeply_nested().map(str.encode),
    damaged(json.loads(SAMPLE)).map(lambda body: json.dumps(body, default=str, ensure_ascii=False).encode()),
)  # fmt: skip


def _sign(data: bytes) -> str:
    return hmac.new(SECRET.encode(), data, hashlib.sha256).hexdigest()


def _signed_bytes(body: bytes, mode: str) -> bytes:
    """What Moka would sign: the body, or (``stringified``) the body written again; a body that is not
    JSON cannot be written again, and is signed as it is (the connector must refuse it all the same)."""
    if mode == "raw":
        return body
    try:
        return json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        return body


@FUZZ
@given(body=_BODIES, mode=st.sampled_from(["raw", "stringified"]))
@example(body=b"[" * 100_000, mode="stringified")
@example(body=b'{"id": {"a": 1}, "event": "application.updated", "data": [1]}', mode="raw")
def test_a_signed_moka_body_parses_or_fails_typed(body, mode):
    moka = Moka({**SETTINGS, "webhook_signed_bytes": mode})
    result = outcome(lambda: moka.parse_webhook({}, body, query={"sign": _sign(_signed_bytes(body, mode))}))
    assert isinstance(result, (WebhookDelivery, HubError)), result


@FUZZ
@given(sign=st.one_of(st.none(), hostile_text), body=_BODIES)
def test_a_moka_body_without_its_sign_is_refused(sign, body):
    query = {} if sign is None else {"sign": sign}
    result = outcome(lambda: Moka(SETTINGS).parse_webhook({"sign": _sign(body)}, body, query=query))
    assert isinstance(result, WebhookVerificationError) or (sign == _sign(body)), result
