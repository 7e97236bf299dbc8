"""SAP SuccessFactors OData v2 under the standard connector suite (hub.testing), as every connector is.

The connector is the one its cassettes were recorded with (2 persons a page: :class:`RecordedSuccessFactors`).
The suite's own episodes are in the cassette folder, built by its _build.py: ``retried`` (a 429 with
``Retry-After``, then a 503, mid-pass), ``resume`` (the persons changed since the cursor the full pass
leaves, the whole OR-filter of :data:`~plugins.hr_suites.successfactors.CHANGED_SINCE`) and
``malformed`` (a person paid biweekly, a period the canonical model has not). SuccessFactors' OData
API pushes no webhooks.
"""

from __future__ import annotations

from pathlib import Path

from hub.testing import ConnectorSuite
from tests.plugins.hr_suites.test_successfactors_connector import SETTINGS, RecordedSuccessFactors

TESTS = Path(__file__).resolve().parents[2]


class TestSuccessFactors(ConnectorSuite):
    connector = RecordedSuccessFactors
    settings = SETTINGS
    cassettes = TESTS / "cassettes" / "hr_suites" / "successfactors"
    fixtures = TESTS / "fixtures" / "mapping" / "successfactors"
    resume = ("employees", "resume")
    retried = ("employees", "retried")
    malformed = ("employees", "malformed")
