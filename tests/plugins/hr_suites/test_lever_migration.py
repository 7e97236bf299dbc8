"""Migrating from Lever (``hub migrate --source lever``): every stream listed once, the child streams too.

``migration.yaml`` (tests/cassettes/hr_suites/lever/_build.py) is one connector's listing of its
five streams in order: the opportunities as candidates, the opportunities as applications (the
reference lists read once, on the first page), then the feedback, offers and interviews of every opportunity,
each child listing after its opportunities page. vcrpy replays it with the exact query matched, so a
migration that lists a page twice, skips one or re-reads the reference lists fails. The real
connector, mapping engine, validation, store and reconciliation run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub.core.migrate import ConnectorSource, JobSettings, Migration, StoreTarget
from hub.testing import sqlite_store
from tests.plugins.hr_suites.test_lever_connector import MATCH_ON, REPLAY, SETTINGS, RecordedLever

KINDS = ("candidate", "application", "assessment", "offer", "interview")
COUNTS = {"candidate": 5, "application": 5, "assessment": 5, "offer": 3, "interview": 6}


def test_every_stream_and_every_child_listing_is_migrated_and_reconciled(tmp_path: Path) -> None:
    source = ConnectorSource("lever", RecordedLever(dict(SETTINGS)), KINDS)
    job = JobSettings(source=source.settings, entities=KINDS, batch_size=4)
    with sqlite_store(tmp_path) as store:
        run = Migration(job, source, StoreTarget(store, source.system), workdir=tmp_path, progress=False,
                        parallel=False)
        with REPLAY.use_cassette("migration.yaml", match_on=MATCH_ON) as cassette:
            result: Any = run.run()
        assert cassette.all_played and cassette.play_count == len(cassette.data)
        assert result.passed, result.reasons
        assert {kind: counts["valid"] for kind, counts in result.state["entities"].items()} == COUNTS
        for item in result.reconciliation:
            assert (item.source_count, item.target_count, item.missing) == (COUNTS[item.kind],) * 2 + (0,)
        feedback = store.get("assessment", store.find("lever", "feed0001-0000-4000-8000-000000000005", "assessment"))
        assert feedback.application.id == store.find("lever", "0bb00001-0000-4000-8000-000000000003", "application")
        cancelled = store.get("interview", store.find("lever", "1e7v0001-0000-4000-8000-000000000006", "interview"))
        assert (cancelled.status, cancelled.stage, cancelled.duration_minutes) == ("cancelled", "Phone screen", 60)
        assert cancelled.application.id == store.find("lever", "0bb00001-0000-4000-8000-000000000005", "application")
