"""Greenhouse webhook samples: ``Signature: sha256 <hex>`` over the raw body, as Greenhouse documents it.

Greenhouse signs the *entire* raw body (not just ``payload``) with HMAC-SHA256 and the webhook's
secret key, and sends ``Signature: sha256 <hex>`` — algorithm, a space, the hex digest. It escapes
``<`` as ``\\u003c`` before signing, so a receiver that re-serialises the JSON computes a different
signature (grnhse/greenhouse-api-docs ``source/includes/webhooks/_introduction.md``). The samples in
tests/fixtures/greenhouse/ are those raw bodies, for made-up offers that match the cassettes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from hub.core.errors import WebhookVerificationError
from hub.core.webhooks import verify_hmac_hex

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "greenhouse"
SECRET = "test-webhook-secret-not-real"
# The expected headers, pinned so an edited sample (or a changed signing rule) is noticed.
EXPECTED = {
    "webhook_offer_created.json": "sha256 db7714dbc6b49d50067c6a8f68fcf785c1ed2d977aaf0c3d4d3f25f3e543c732",
    "webhook_offer_updated.json": "sha256 f9e8a847e3453e607acd820ee9435d112281f8eeed288d993285c6f6bf5212d6",
}


def signature(raw: bytes) -> str:
    return "sha256 " + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_documented_signature_header_verifies(name: str) -> None:
    raw = (FIXTURES / name).read_bytes()
    assert signature(raw) == EXPECTED[name]
    verify_hmac_hex(SECRET, raw, EXPECTED[name], prefix="sha256 ")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_changed_body_or_wrong_secret_is_refused(name: str) -> None:
    raw = (FIXTURES / name).read_bytes()
    with pytest.raises(WebhookVerificationError):
        verify_hmac_hex(SECRET, raw.replace(b"2003", b"2004"), EXPECTED[name], prefix="sha256 ")
    with pytest.raises(WebhookVerificationError):
        verify_hmac_hex("another-secret", raw, EXPECTED[name], prefix="sha256 ")


def test_re_serialised_json_does_not_verify() -> None:
    raw = (FIXTURES / "webhook_offer_created.json").read_bytes()
    assert b"\\u003cp\\u003e" in raw, "the sample keeps Greenhouse's escaped HTML"
    again = json.dumps(json.loads(raw), indent=4).encode()
    with pytest.raises(WebhookVerificationError):
        verify_hmac_hex(SECRET, again, EXPECTED["webhook_offer_created.json"], prefix="sha256 ")


def test_samples_use_the_documented_envelope_and_cassette_ids() -> None:
    created = json.loads((FIXTURES / "webhook_offer_created.json").read_bytes())
    updated = json.loads((FIXTURES / "webhook_offer_updated.json").read_bytes())
    assert (created["action"], updated["action"]) == ("offer_created", "offer_updated")
    assert created["payload"]["custom_fields"]["salary"]["frequency"] == "annually"
    assert updated["payload"]["offer_status"] == "Deprecated"
    assert {created["payload"]["application_id"], updated["payload"]["application_id"]} == {2003}
