"""Feishu Hire under the standard connector suite (hub.testing), as every connector is.

The connector is the one its cassettes were recorded with (2 records a page, the token clock pinned:
:class:`RecordedFeishuHire`). The suite's own episodes are in the cassette folder, built by its _build.py:
``retried`` (a 429 with code 99991400 and ``x-ogw-ratelimit-reset``, then a 503, then the talents),
``resume`` (applications from the cursor the full pass leaves) and ``malformed`` (an offer whose status
Feishu does not document). Events are encrypted and signed with the test Encrypt Key
(:meth:`TestFeishuHire.sign_webhook`); the records they name are fetched from the ``events`` cassette.
"""

from __future__ import annotations

from pathlib import Path

from hub.testing import ConnectorSuite
from tests.plugins.hr_suites.feishu_hire_support import EVENTS, SETTINGS, RecordedFeishuHire, lark_headers

TESTS = Path(__file__).resolve().parents[2]


class TestFeishuHire(ConnectorSuite):
    connector = RecordedFeishuHire
    settings = SETTINGS
    cassettes = TESTS / "cassettes" / "hr_suites" / "feishu_hire"
    fixtures = TESTS / "fixtures" / "mapping" / "feishu_hire"
    resume = ("applications", "resume")
    retried = ("talents", "retried")
    malformed = ("offers", "malformed")
    webhook_samples = (EVENTS / "event_application_stage_changed.json", EVENTS / "event_offer_status_changed.json")
    webhook_cassette = "events"

    def sign_webhook(self, raw_body: bytes, delivery_id: str) -> dict[str, str]:
        """``X-Lark-Signature`` and its timestamp and nonce; the delivery id is the event's own ``event_id``."""
        return lark_headers(raw_body, nonce=delivery_id)
