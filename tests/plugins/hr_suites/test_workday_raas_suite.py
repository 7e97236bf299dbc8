"""Workday RaaS under the standard connector suite (hub.testing), as every connector is.

A custom report answers whole, in one response: the stream declares
:class:`~hub.core.paginators.SinglePagePaginator`, so each cassette holds one page and the suite's
``min_pages`` check is skipped. The cassettes (built by the folder's _build.py) are of a report whose
fields carry the example mapping's aliases, with an ``Updated_From`` prompt and a ``Last_Updated``
field (``incremental: true``): ``resume`` asks from the cursor the full pass leaves, ``retried`` is
throttled and then unavailable before the report, ``malformed`` holds a worker status the example
mapping does not know. Workday RaaS takes no webhooks.
"""

from __future__ import annotations

from pathlib import Path

from hub.testing import ConnectorSuite
from tests.plugins.hr_suites.test_workday_raas_connector import SETTINGS
from plugins.hr_suites.workday_raas import WorkdayRaaS

TESTS = Path(__file__).resolve().parents[2]


class TestWorkdayRaaS(ConnectorSuite):
    connector = WorkdayRaaS
    settings = SETTINGS
    cassettes = TESTS / "cassettes" / "hr_suites" / "workday_raas"
    fixtures = TESTS / "fixtures" / "mapping" / "workday_raas"
    resume = ("employees", "resume")
    retried = ("employees", "retried")
    malformed = ("employees", "malformed")
