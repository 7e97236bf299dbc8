"""Odoo under the standard connector suite (hub.testing), as every connector is.

The suite replays the JSON-2 conversation (``transport: json2``, the protocol Odoo 19 documents
and keeps): the cassettes in tests/cassettes/erp/odoo/ are built by its _build.py with 2 records a
page (:class:`RecordedOdoo`). Its own episodes: ``resume`` (employees from the write_date the full
pass leaves: the domain's ``>=`` value is the request's ``domain.0.2``), ``retried`` (a 429 with
``Retry-After``, a 503, then the job positions) and ``malformed`` (a department Odoo sends without a
name). Odoo sends no webhooks the hub takes (its automation rules post unsigned), so the webhook
checks are skipped. Bodies are matched too (every call is a POST). JSON-RPC, errors and writes: test_odoo_connector.py and test_odoo_write.py.
"""

from __future__ import annotations

from pathlib import Path

from hub.testing import ConnectorSuite
from tests.plugins.erp.odoo_support import SETTINGS, RecordedOdoo, json_bodies_vcr

TESTS = Path(__file__).resolve().parents[2]


class TestOdoo(ConnectorSuite):
    connector = RecordedOdoo
    settings = SETTINGS
    cassettes = TESTS / "cassettes" / "erp" / "odoo"
    fixtures = TESTS / "fixtures" / "mapping" / "odoo"
    resume = ("employees", "resume")
    retried = ("jobs", "retried")
    malformed = ("departments", "malformed")

    def vcr(self):  # noqa: ANN201 — vcr.VCR, as the base's
        return json_bodies_vcr(Path(self.cassettes))  # every call is a POST: the body is the request
