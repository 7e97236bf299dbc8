"""Moka under the standard connector suite (hub.testing), as every connector is.

The connector is the one its cassettes were recorded with (2 records a page: :class:`RecordedMoka`).
The suite's own episodes are in the cassette folder, built by its _build.py: ``retried`` (a 429 with
``Retry-After``, then a 502, then the interviewer feedback), ``resume`` (feedback from the cursor the
full pass leaves) and ``malformed`` (an offer whose status is no label the offer mapping knows).
Moka signs a webhook in the URL (``?sign=<hex>``), so the suite's webhook checks send no signature
header and the query parameter instead; the delivery id is the body's ``id``.
"""

from __future__ import annotations

from pathlib import Path

from hub.testing import ConnectorSuite
from tests.plugins.hr_suites.test_moka_connector import SETTINGS, RecordedMoka, json_bodies_vcr, sign

TESTS = Path(__file__).resolve().parents[2]


class TestMoka(ConnectorSuite):
    connector = RecordedMoka
    settings = SETTINGS
    cassettes = TESTS / "cassettes" / "hr_suites" / "moka"
    fixtures = TESTS / "fixtures" / "mapping" / "moka"
    resume = ("interviewer_feedbacks", "resume")
    retried = ("interviewer_feedbacks", "retried")
    malformed = ("offers", "malformed")
    webhook_samples = (TESTS / "fixtures" / "moka" / "webhook_application_updated.json",)
    phone_region = "US"  # the fictional numbers are US 555-01xx ones, sent with prefixPhone "+1"

    def vcr(self):  # noqa: ANN201 — vcr.VCR, as the base's
        return json_bodies_vcr(Path(self.cassettes))

    def sign_webhook(self, raw_body: bytes, delivery_id: str) -> dict[str, str]:
        return {"Content-Type": "application/json"}

    def webhook_query(self, raw_body: bytes, delivery_id: str) -> dict[str, str]:
        return {"sign": sign(raw_body)}
