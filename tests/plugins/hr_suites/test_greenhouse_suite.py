"""Greenhouse Harvest v3 under the standard connector suite (hub.testing), as every connector is.

The connector is the one its cassettes were recorded with (2 records a page, the token clock before
the recorded expiry: :class:`RecordedGreenhouse`). The suite's own episodes are in the cassette
folder, built by its _build.py: ``retried`` (a 429 with ``Retry-After``, then a 503, then the jobs),
``resume`` (candidates from the cursor the full pass leaves) and ``malformed`` (an offer whose status
Greenhouse does not document). The before/after pairs are the mapping fixtures the mapping tests read.

The webhook sample the suite stores is an ``offer_updated`` body carrying ``candidate_id``. The
published payloads (v1-shaped) carry none: their offer is stored with its application only, through
which it reaches its candidate (``test_a_published_offer_webhook_is_stored``).
"""

from __future__ import annotations

from pathlib import Path

from hub.core.store import Store
from hub.core.sync import ingest_webhook
from hub.testing import ConnectorSuite
from tests.plugins.hr_suites.test_greenhouse_connector import SETTINGS, RecordedGreenhouse, stored

TESTS = Path(__file__).resolve().parents[2]
WEBHOOKS = TESTS / "fixtures" / "greenhouse"


class TestGreenhouse(ConnectorSuite):
    connector = RecordedGreenhouse
    settings = SETTINGS
    cassettes = TESTS / "cassettes" / "hr_suites" / "greenhouse"
    fixtures = TESTS / "fixtures" / "mapping" / "greenhouse"
    resume = ("candidates", "resume")
    retried = ("jobs", "retried")
    malformed = ("offers", "malformed")
    webhook_samples = (WEBHOOKS / "webhook_offer_updated_with_candidate.json",)

    def test_a_published_offer_webhook_is_stored(self, store: Store) -> None:
        raw = (WEBHOOKS / "webhook_offer_created.json").read_bytes()
        counters = ingest_webhook(self.make_connector(), self.sign_webhook(raw, "e-published"), raw, store)
        assert counters.failed == 0
        offer = stored(store, "offer", 8002)
        assert (offer.application.external_id, offer.candidate) == ("2003", None)
