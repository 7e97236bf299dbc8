"""An AI interview's result, from any vendor, written to Feishu as an external interview assessment —
through the real delivery runner (routes, outbox, reverse mapping, links, dead letters) and the recorded
``writes`` cassette, whose bodies are matched exactly.

The AI vendor's candidate is matched to the Feishu talent by phone (identity resolution), so delivery
translates the assessment's candidate into the Feishu talent id. The store's new ids are numbered
(``00000000-0000-7000-8000-00000000000n``) so the external ids derived from them are the recorded ones.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import vcr

from hub.core.config import HubConfig
from hub.core.crypto import KeyRing
from hub.core.delivery import Delivery, DeliveryRunner, Outbox, attach_routes
from hub.core.models import (
    ZERO_TO_100,
    Assessment,
    AssessmentKind,
    Candidate,
    DimensionScore,
    Provenance,
    Recommendation,
    RecommendationLevel,
    Ref,
    Score,
)
from hub.core.store import Store
from plugins.hr_suites.feishu_hire_write import assessment_body
from tests.plugins.hr_suites.feishu_hire_support import APP_ID, APP_SECRET, CASSETTES

FETCHED = dt.datetime(2024, 6, 9, 12, 0, tzinfo=dt.UTC)
ASSESSMENT = "00000000-0000-7000-8000-000000000002"  # as _build.py recorded it
EXTERNAL_ASSESSMENT = "7018000000000000001"
TALENT = "7001000000000000002"
ROUTE = {"name": "ai-scores-to-feishu", "entity": "assessment", "target": "feishu_hire"}
CONFIG = {"connectors": {"feishu_hire": {"type": "feishu_hire", "settings": {
    "app_id": APP_ID, "app_secret": APP_SECRET,
    "retry": {"max_attempts": 2, "backoff_base": 0.01, "backoff_cap": 0.02, "max_elapsed_seconds": 5}}}},
    "routes": [ROUTE]}


def _bodies(live: Any, recorded: Any) -> None:
    """vcr matcher: the JSON bodies are equal (GETs have none), the token request's but for the secret,
    which is recorded scrubbed and must be the configured one."""
    def parsed(body: Any) -> Any:
        return json.loads(body) if body else None
    sent, wanted = parsed(live.body), parsed(recorded.body)
    if live.uri.endswith("/tenant_access_token/internal"):
        assert sent.pop("app_secret") == APP_SECRET and wanted.pop("app_secret") == "<REDACTED>"
    assert sent == wanted


REPLAY = vcr.VCR(record_mode="none", cassette_library_dir=str(CASSETTES))
REPLAY.register_matcher("bodies", _bodies)
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "bodies")


@pytest.fixture
def config() -> HubConfig:
    return HubConfig.model_validate(CONFIG)


@pytest.fixture
def store(tmp_path: Path, config: HubConfig, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    numbers = itertools.count(1)
    monkeypatch.setattr("hub.core.store.upsert.new_id", lambda: f"00000000-0000-7000-8000-{next(numbers):012d}")
    opened = Store.open(f"sqlite:///{tmp_path / 'hub.db'}", KeyRing.generate())
    opened.upgrade()
    attach_routes(opened, config)
    yield opened
    opened.close()


def candidate(system: str, external_id: str, phone: str) -> Candidate:
    return Candidate(external_ids={system: external_id}, name="测试候选人二", phones=[phone],
                     provenance=Provenance(system=system, fetched_at=FETCHED))


def ai_result(result_id: str, candidate_id: str, *, overall: str = "86.5", communication: str = "82",
              level: RecommendationLevel = RecommendationLevel.YES) -> Assessment:
    """An AI interview's result as the ai_interview connector stores it."""
    return Assessment(
        external_ids={"ai_interview": result_id}, vendor="ai_interview", assessment_kind=AssessmentKind.AI_INTERVIEW,
        candidate=Ref(system="ai_interview", external_id=candidate_id),
        completed_at=dt.datetime(2024, 6, 9, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        overall=Score(value=overall, scale=ZERO_TO_100),
        dimensions=[DimensionScore(key="communication", label="沟通能力", score=Score(value=communication, scale=ZERO_TO_100)),
                    DimensionScore(key="logical_thinking", label="逻辑思维", score=Score(value="78.4", scale=ZERO_TO_100))],
        recommendation=Recommendation(level=level, raw="推荐"), comments="表达流畅，逻辑清晰。",
        report_url="https://reports.example.com/r-1", provenance=Provenance(system="ai_interview", fetched_at=FETCHED))


def put(store: Store, system: str, *entities: Any) -> list[str]:
    with store.transaction() as tx:
        return store.upsert_many(tx, system, list(entities)).ids


def test_an_ai_interview_result_is_written_once_then_updated_and_never_duplicated(store, config) -> None:
    put(store, "feishu_hire", candidate("feishu_hire", TALENT, "+14155550102"))  # synced from Feishu
    put(store, "ai_interview", candidate("ai_interview", "c-2", "+14155550102"))  # the same person, by phone
    [assessment_id] = put(store, "ai_interview", ai_result("r-1", "c-2"))
    assert assessment_id == ASSESSMENT

    with REPLAY.use_cassette("writes.yaml", match_on=MATCH_ON) as cassette:
        runner = DeliveryRunner(store, config)
        assert runner.run().counters == {"feishu_hire": {"delivered": 1}}
        assert store.get("assessment", ASSESSMENT).external_ids["feishu_hire"] == EXTERNAL_ASSESSMENT
        assert cassette.play_count == 6  # token; the talent's applications, create; its interviews, create; create

        # the same version delivered again, as after a crash before the hub recorded Feishu's id
        target = runner.targets["feishu_hire"]
        [entry] = Outbox(store).list()
        payload = target.reverse_mapping("assessment").reverse({**store.get("assessment", ASSESSMENT).model_dump(
            mode="json"), "candidate": {"system": "feishu_hire", "external_id": TALENT}})
        again = Delivery(route=ROUTE["name"], kind="assessment", entity_id=ASSESSMENT, version=entry.version,
                         payload=payload, external_id=None, entity=store.get("assessment", ASSESSMENT))
        assert target.deliver(again) == EXTERNAL_ASSESSMENT
        assert cassette.play_count == 9  # found, found, brought up to date: nothing created

        put(store, "ai_interview", ai_result("r-1", "c-2", overall="90", communication="88",
                                             level=RecommendationLevel.STRONG_YES))  # re-scored: version 2
        assert runner.run().counters == {"feishu_hire": {"delivered": 1}}
        runner.close()
    assert cassette.all_played  # the last one: the PATCH with the new scores
    assert [entry.status for entry in Outbox(store).list()] == ["delivered", "delivered"]


def test_an_assessment_whose_candidate_feishu_does_not_know_is_refused_before_anything_is_sent(store, config) -> None:
    put(store, "ai_interview", candidate("ai_interview", "c-9", "+14155550109"))  # no Feishu talent has this phone
    [assessment_id] = put(store, "ai_interview", ai_result("r-9", "c-9"))
    with REPLAY.use_cassette("writes.yaml", match_on=MATCH_ON) as cassette:
        runner = DeliveryRunner(store, config)
        assert runner.run(dry_run=True).planned[0]["refused"]["code"] == "connector-permanent"
        assert runner.run().counters == {"feishu_hire": {"dead": 1}}
        runner.close()
    assert cassette.play_count == 0
    [letter] = store.dead_letters(system="feishu_hire", with_payload=True)
    assert letter.error_code == "connector-permanent" and "Feishu talent id" in letter.error["reason"]
    assert letter.stream == "outbox:ai-scores-to-feishu" and letter.payload["vendor"] == "ai_interview"
    assert "feishu_hire" not in store.get("assessment", assessment_id).external_ids


def test_the_body_rounds_scores_to_whole_numbers_and_leaves_out_what_is_absent() -> None:
    body = assessment_body({"vendor": "hina", "overall": "70.5", "dimensions": [{"title": "沟通", "score": None},
                                                                                 {"title": "逻辑", "score": "66.49"}]})
    assert body == {"username": "hina", "assessment_dimension_list": [
        {"assessment_type": 1, "title": "综合得分", "score": 71}, {"assessment_type": 1, "title": "逻辑", "score": 66}]}
    assert Decimal("70.5").quantize(Decimal(1)) == 70  # why ROUND_HALF_UP is explicit: the default rounds half to even
