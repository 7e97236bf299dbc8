"""Beisen iTalent under the standard connector suite (hub.testing), as every connector is.

The connector is the one its cassettes were recorded with (capacity 2, history from 2024-01-01, "now"
pinned: :class:`RecordedBeisen`), replayed with the matcher that compares each request's JSON body with
the recorded one. The suite's own episodes are in the cassette folder, built by its _build.py:
``retried`` (a 429 with ``Retry-After``, then a 502, then the organizations), ``resume`` (employees from
the cursor the full pass leaves, sent as the window's ``startTime``) and ``malformed`` (an offer whose
status no label of the mapping names). Beisen pushes no webhooks the public documents describe.
"""

from __future__ import annotations

from pathlib import Path

import vcr

from hub.testing import ConnectorSuite
from hub.testing.cassettes import MATCH_ON, scrubbing_vcr
from tests.plugins.hr_suites.test_beisen_connector import SETTINGS, RecordedBeisen, wire

TESTS = Path(__file__).resolve().parents[2]


class TestBeisen(ConnectorSuite):
    connector = RecordedBeisen
    settings = SETTINGS
    cassettes = TESTS / "cassettes" / "hr_suites" / "beisen"
    fixtures = TESTS / "fixtures" / "mapping" / "beisen"
    resume = ("employees", "resume")
    retried = ("organizations", "retried")
    malformed = ("offers", "malformed")

    def vcr(self) -> vcr.VCR:
        """The scrubbing VCR, matching each request's body and credentials too (see ``wire``)."""
        replay = scrubbing_vcr(Path(self.cassettes), match_on=(*MATCH_ON, "wire"))
        replay.register_matcher("wire", wire)
        return replay
