"""Lever Data API v1 under the standard connector suite (hub.testing), as every connector is.

The connector is the one its cassettes were recorded with (2 records a page, the webhook clock a
minute after the samples' ``triggeredAt``: :class:`RecordedLever`). The suite's own episodes are in
the cassette folder, built by its _build.py: ``retried`` (a 429 with ``Retry-After``, then a 503,
mid-pass), ``resume`` (opportunities from the cursor the full pass leaves, in ms) and ``malformed``
(an opportunity without its contact).

Lever signs ``token`` + ``triggeredAt``, not the body, and puts the signature in the body: the
samples are signed by _build.py, so :meth:`TestLever.sign_webhook` adds no header and
:meth:`TestLever.tamper_webhook` changes the signature. A stage-change webhook names the stage by id,
so its record is prepared with the reference lists: the webhook cases replay ``reference.yaml``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.testing import ConnectorSuite
from tests.plugins.hr_suites.test_lever_connector import SETTINGS, RecordedLever

TESTS = Path(__file__).resolve().parents[2]
WEBHOOKS = TESTS / "fixtures" / "lever"


class TestLever(ConnectorSuite):
    connector = RecordedLever
    settings = SETTINGS
    cassettes = TESTS / "cassettes" / "hr_suites" / "lever"
    fixtures = TESTS / "fixtures" / "mapping" / "lever"
    resume = ("opportunities", "resume")
    retried = ("candidates", "retried")
    malformed = ("opportunities", "malformed")
    webhook_samples = (WEBHOOKS / "webhook_candidate_stage_change.json",)

    @pytest.fixture(autouse=True)
    def _reference_lists(self, request: pytest.FixtureRequest) -> Iterator[None]:
        """The webhook cases read /stages and /archive_reasons through the recorded conversation."""
        if "webhook" not in request.node.name:
            yield
            return
        with self.vcr().use_cassette("reference.yaml", allow_playback_repeats=True):
            yield

    def sign_webhook(self, raw_body: bytes, delivery_id: str) -> dict[str, str]:
        return {"Content-Type": "application/json"}  # the signature travels in the body

    def tamper_webhook(self, raw_body: bytes) -> bytes:
        body = json.loads(raw_body)
        body["signature"] = body["signature"][::-1]
        return json.dumps(body).encode()
