"""The generic AI-interview connector under the standard connector suite (hub.testing).

It pulls nothing (a vendor without an API), so the suite's pull checks skip themselves
(``Stream.pulled`` False); what applies runs: the stream is declared and its mapping compiles, the
example webhook is signed by the configured scheme (:meth:`sign_webhook`), stored, refused when
tampered with and when replayed, holds no real person, and the before/after pair pins the webhook
mapping's output (tests/fixtures/mapping/ai_interview/).
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import pytest

from hub.core.webhooks import SignatureScheme
from hub.testing import ConnectorSuite, real_looking
from hub.testing.people import texts
from plugins.interview_vendors.generic import AiInterviewVendor

REPO = Path(__file__).resolve().parents[3]
SCHEME = {"algorithm": "sha1", "encoding": "base64", "header": "X-Vendor-Sign", "signed_content": "{timestamp}{body}",
          "timestamp_header": "X-Vendor-Time", "delivery_id_header": "X-Vendor-Delivery"}


class ExampleVendor(AiInterviewVendor):
    """The example vendor, whose results carry their own id at ``result_id`` (the webhook mapping's
    ``record_id``): the suite finds stored records by the stream's primary key."""

    streams = tuple(dataclasses.replace(stream, primary_key="result_id") for stream in AiInterviewVendor.streams)


class TestAiInterviewVendor(ConnectorSuite):
    connector = ExampleVendor
    settings = {"webhook_secret": "aiv-test-secret-not-real", "record_path": "data", "signature": SCHEME}
    cassettes = REPO / "tests" / "cassettes" / "interview_vendors" / "ai_interview"
    fixtures = REPO / "tests" / "fixtures" / "mapping" / "ai_interview"
    webhook_samples = (REPO / "hub" / "examples" / "ai_interview_vendor" / "webhook.json",)

    def sign_webhook(self, raw_body: bytes, delivery_id: str) -> dict[str, str]:
        return SignatureScheme(**SCHEME).headers(str(self.settings["webhook_secret"]), raw_body,
                                                 timestamp=int(time.time()), delivery_id=delivery_id)


@pytest.mark.parametrize("recording", sorted(TestAiInterviewVendor.cassettes.glob("*.json")), ids=lambda p: p.stem)
def test_the_recorded_deliveries_hold_no_secret_and_no_real_person(recording: Path) -> None:
    """What the suite's cassette scans do for vcrpy cassettes, for the recorded webhook requests."""
    raw = recording.read_text(encoding="utf-8")
    assert str(TestAiInterviewVendor.settings["webhook_secret"]) not in raw
    request = json.loads(raw)["request"]
    assert real_looking(texts([request["headers"], json.loads(request["body"])])) == []
