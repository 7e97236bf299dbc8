"""Kingdee 云星空 under the standard connector suite (hub.testing), as every connector is.

The connector is configured as its cassettes were built (2 rows a page, a ValidateUser session). The
suite's own episodes are in the cassette folder, built by its _build.py: ``retried`` (a 429 with
``Retry-After``, then a 503, then the departments), ``resume`` (employees from the cursor the full pass
leaves, ``FModifyDate >= '...'``) and ``malformed`` (an employee without a name and one whose status is
no FForbidStatus the mapping knows). Kingdee sends no webhooks. Request bodies are matched too: every
page is the same URL, only its ``StartRow`` and filter differ.
"""

from __future__ import annotations

from pathlib import Path

from hub.testing import ConnectorSuite
from plugins.erp.kingdee import Kingdee
from tests.plugins.erp.test_kingdee_connector import SETTINGS, json_bodies_vcr

TESTS = Path(__file__).resolve().parents[2]


class TestKingdee(ConnectorSuite):
    connector = Kingdee
    settings = SETTINGS
    cassettes = TESTS / "cassettes" / "erp" / "kingdee"
    fixtures = TESTS / "fixtures" / "mapping" / "kingdee"
    resume = ("employees", "resume")
    retried = ("departments", "retried")
    malformed = ("employees", "malformed")
    phone_region = "US"  # the fictional numbers are US 555-01xx ones

    def vcr(self):  # noqa: ANN201 — vcr.VCR, as the base's
        return json_bodies_vcr(Path(self.cassettes))
