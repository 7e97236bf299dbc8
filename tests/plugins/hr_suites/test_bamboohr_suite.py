"""BambooHR under the standard connector suite (hub.testing), as every connector is.

The change feed is answered whole (no paging): the stream declares
:class:`~hub.core.paginators.SinglePagePaginator`, so each of its cassettes holds one page of the feed
and the suite's ``min_pages`` check is skipped. The suite's own episodes are built by the cassette
folder's _build.py: ``retried`` (the documented 503 with ``Retry-After``, then a 429, then the feed),
``resume`` (the feed from the cursor the full pass leaves) and ``malformed`` (an employee paid per
quarter, which has no canonical pay period). BambooHR signs the raw body followed by
``X-BambooHR-Timestamp``, so the webhook checks sign that way.
"""

from __future__ import annotations

import time
from pathlib import Path

from hub.testing import ConnectorSuite
from tests.plugins.hr_suites.test_bamboohr_connector import SETTINGS, RecordedBambooHR

TESTS = Path(__file__).resolve().parents[2]


class TestBambooHR(ConnectorSuite):
    connector = RecordedBambooHR
    settings = SETTINGS
    cassettes = TESTS / "cassettes" / "hr_suites" / "bamboohr"
    fixtures = TESTS / "fixtures" / "mapping" / "bamboohr"
    resume = ("employees", "resume")
    retried = ("employees", "retried")
    malformed = ("employees", "malformed")
    webhook_samples = (TESTS / "fixtures" / "bamboohr" / "webhook_employee_updated.json",)
    webhook_cassette = "webhook"

    def sign_webhook(self, raw_body: bytes, delivery_id: str) -> dict[str, str]:
        scheme = self.make_connector().webhook_scheme()
        return scheme.headers(SETTINGS["webhook_secret"], raw_body, timestamp=int(time.time()))
