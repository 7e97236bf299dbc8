"""End to end: an AI-interview vendor's results reach the ATS without Excel or retyping.

The path a customer sets up once and then never touches (issue 34, acceptance):

1. Greenhouse's candidates, jobs and applications are synced into the hub (recorded Harvest v3 pages,
   tests/cassettes/hr_suites/greenhouse/), and Feishu Hire's talents (recorded, tests/cassettes/hr_suites/
   feishu_hire/): the same people, found by their phone numbers;
2. the vendor's export is migrated (``hub migrate --source acme_ai``, the installed command) and one more
   result arrives as a signed webhook to a real ``hub serve``; the vendor folder of mapping files is the
   only configuration (tests/e2e/interview_to_ats/mapping/);
3. delivery moves the recommended candidate's Greenhouse application to the second interview (a real
   HTTP Greenhouse v3 write target, tests/support/target_server.py) and writes every result to Feishu
   Hire as an external interview assessment under the candidate's talent (recorded: the cassette
   ``interview_to_ats``, request bodies matched, the hub ids in them read as ``<hub-id>``);
4. the service's change feed shows every one of those steps, each exactly once.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.core.config import HubConfig
from hub.core.delivery import DeliveryRunner
from hub.core.sync import sync
from hub.core.webhooks import SignatureScheme
from hub.testing import scrubbing_vcr
from tests.api.conftest import hub_server_factory  # noqa: F401 — the real `hub serve` fixture
from tests.conftest import HUB
from tests.plugins.hr_suites.feishu_hire_support import SETTINGS as FEISHU, RecordedFeishuHire
from tests.plugins.hr_suites.test_greenhouse_connector import SETTINGS, RecordedGreenhouse
from tests.support.target_server import GreenhouseTargetServer

HERE = Path(__file__).resolve().parent / "interview_to_ats"
REPO = HERE.parents[2]
GREENHOUSE_CASSETTES = REPO / "tests" / "cassettes" / "hr_suites" / "greenhouse"
FEISHU_CASSETTES = REPO / "tests" / "cassettes" / "hr_suites" / "feishu_hire"
HUB_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SECRET = "acme-ai-test-secret-not-real"
SCHEME = {"header": "X-Signature", "prefix": "sha256=", "signed_content": "{timestamp}.{body}",
          "timestamp_header": "X-Timestamp", "tolerance_seconds": 300, "delivery_id_header": "X-Delivery-Id"}
#: What the customer's hub.yaml says: one vendor, two ATSs, and a route to each.
ROUTES = [{"name": "ai-recommended-to-second-interview", "entity": "application", "target": "greenhouse",
           "when": [{"field": "status", "changed_to": "second_interview"}]},
          {"name": "ai-scores-to-feishu", "entity": "assessment", "target": "feishu_hire"}]


def hub_yaml(target: GreenhouseTargetServer) -> dict[str, Any]:
    return {
        "mappings": [str(HERE / "mapping")],
        "connectors": {
            "acme_ai": {"type": "ai_interview", "settings": {
                "vendor": "acme_ai", "path": str(HERE / "results.csv"), "webhook_secret": "${ACME_AI_SECRET}",
                "record_path": "data", "event_path": "event", "events": ["interview.completed"], "signature": SCHEME}},
            "greenhouse": {"type": "greenhouse", "settings": {
                "client_id": "cid", "client_secret": "secret", "user_id": "4080",
                "base_url": target.url("/v3"), "token_url": target.url("/token"),
                "retry": {"max_attempts": 2, "backoff_base": 0.01, "backoff_cap": 0.02, "max_elapsed_seconds": 5}}},
            "feishu_hire": {"type": "feishu_hire", "settings": {"app_id": FEISHU["app_id"], "app_secret": FEISHU["app_secret"]}},
        },
        "routes": ROUTES,
    }


@pytest.fixture
def target() -> Any:
    with GreenhouseTargetServer() as server:
        yield server


def synced_from_the_ats(store: Any) -> None:
    """Step 1: the ATSs' people and applications, as the recorded Harvest v3 and Feishu Hire pages list them."""
    for connector, cassettes, stream in [(RecordedGreenhouse(dict(SETTINGS)), GREENHOUSE_CASSETTES, "jobs"),
                                         (RecordedGreenhouse(dict(SETTINGS)), GREENHOUSE_CASSETTES, "candidates"),
                                         (RecordedGreenhouse(dict(SETTINGS)), GREENHOUSE_CASSETTES, "applications"),
                                         (RecordedFeishuHire(dict(FEISHU)), FEISHU_CASSETTES, "talents")]:
        with scrubbing_vcr(cassettes).use_cassette(f"{stream}.yaml") as cassette:
            sync(connector, store, streams=[stream], prefetch=False)
        assert cassette.all_played, stream


def _bodies_but_hub_ids(live: Any, recorded: Any) -> None:
    """vcr matcher: the JSON bodies sent are the recorded ones, with any hub id read as ``<hub-id>``."""
    def parsed(body: Any) -> Any:
        text = body.decode() if isinstance(body, bytes) else body
        return json.loads(HUB_ID.sub("<hub-id>", text)) if text else None
    assert parsed(live.body) == parsed(recorded.body) or live.uri.endswith("/tenant_access_token/internal")


def delivered(store: Any, config: dict[str, Any]) -> Any:
    """Step 3: one delivery pass, Feishu's side replayed from its recorded conversation."""
    recorded = scrubbing_vcr(FEISHU_CASSETTES)
    recorded.register_matcher("bodies_but_hub_ids", _bodies_but_hub_ids)
    with recorded.use_cassette("interview_to_ats.yaml", match_on=("method", "scheme", "host", "path", "query",
                                                                "bodies_but_hub_ids"),
                                  ignore_localhost=True) as cassette:  # the Greenhouse target is a local server
        report = DeliveryRunner(store, HubConfig.model_validate(config)).run()
    assert cassette.all_played
    return report


def migrated(server: Any) -> str:
    """Step 2a: ``hub migrate --source acme_ai`` — the installed command, the server's database and keys."""
    done = subprocess.run([str(HUB), "migrate", "--source", "acme_ai", "--config", str(server.config_path),
                           "--report", str(server.folder / "reports")], cwd=server.folder, capture_output=True,
                          text=True, env=server.env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def pushed(server: Any) -> httpx.Response:
    """Step 2b: the vendor's signed webhook for one more result."""
    raw = (HERE / "webhook.json").read_bytes()
    headers = SignatureScheme(**SCHEME).headers(SECRET, raw, timestamp=int(time.time()), delivery_id="dlv-7003")
    with server.client() as client:
        return client.post("/v1/webhooks/acme_ai", headers={"Content-Type": "application/json", **headers}, content=raw)


def changes(server: Any) -> list[dict[str, Any]]:
    """The whole change feed as a consuming HR system pages through it."""
    items, after = [], 0
    with server.client(server.token("hr_admin", pii_read=True)) as client:
        while True:
            page = client.get("/v1/changes", params={"after": after, "limit": 100}).json()
            items += page["items"]
            if not page["items"]:
                return items
            after = page["next_after"]


def test_vendor_results_reach_the_ats_and_the_change_feed_shows_each_step_once(hub_server_factory, target):  # noqa: F811
    server = hub_server_factory(env={"ACME_AI_SECRET": SECRET}, start=False)
    config = hub_yaml(target)
    server.config_path.write_text(json.dumps({"database": {"url": server.database_url}, **config}, ensure_ascii=False),
                                  encoding="utf-8")
    server.start()
    synced_from_the_ats(server.store)
    target._next_id = 2000  # the target's next application is Greenhouse's 2001, as synced
    remote = target.add_application(candidate_id=1001, job_id=5001, stage="Application Review")
    assert remote["id"] == 2001

    report = migrated(server)
    assert "assessment: 2 valid, 0 rejected" in report and "application: 2 valid, 0 rejected" in report
    assert pushed(server).status_code == 200
    assert pushed(server).status_code == 409  # the vendor's retry of the same delivery is not stored twice

    assert delivered(server.store, config).counters == {"greenhouse": {"delivered": 1}, "feishu_hire": {"delivered": 3}}
    assert target.stage_name(remote["stage_id"]) == "Face to Face"
    assert DeliveryRunner(server.store, HubConfig.model_validate(config)).run().counters == {}  # nothing twice
    assert [kind for kind, _, _ in target.writes] == ["move"]

    feed = changes(server)
    versions = Counter((item["kind"], item["id"], item["version"]) for item in feed)
    assert max(versions.values()) == 1, "a change appears twice in the feed"
    steps = Counter((item["kind"], item["op"], item["origin"].split(":")[0]) for item in feed)
    assert steps == {
        ("job", "create", "sync"): 3, ("candidate", "create", "sync"): 5, ("application", "create", "sync"): 5,
        ("candidate", "merge", "sync"): 5,  # Feishu's talents are Greenhouse's candidates (same phones)
        # the export's rows are the Greenhouse applications they name (external_ids.greenhouse): merged, not new
        ("application", "merge", "migrate"): 2, ("assessment", "create", "migrate"): 2,
        ("assessment", "create", "sync"): 1,  # the webhook, once although the vendor sent it twice
    }  # delivery adds no change: the ids Greenhouse and Feishu answer with are links, not new versions
    moved = [item["entity"] for item in feed if item["kind"] == "application" and item["op"] == "merge"]
    assert {(app["external_ids"]["greenhouse"], app["external_ids"]["acme_ai"], app["status"], app.get("stage"))
            for app in moved} == {("2001", "AI-7001", "second_interview", "Application Review"),
                                  ("2004", "AI-7002", "ai_interview_completed", None)}
    assessments = {item["entity"]["external_ids"]["acme_ai"]: item["entity"] for item in feed if item["kind"] == "assessment"}
    assert sorted(assessments) == ["AI-7001", "AI-7002", "AI-7003"]
    assert assessments["AI-7003"]["candidate"]["external_id"] == "1002"
    assert assessments["AI-7001"]["recommendation"]["raw"] == "推荐"
    written = {ext: server.store.get("assessment", item["id"]).external_ids.get("feishu_hire")
               for ext, item in ((ext, next(i for i in feed if i["kind"] == "assessment"
                                            and i["entity"]["external_ids"]["acme_ai"] == ext)) for ext in assessments)}
    assert written == {"AI-7001": "7018000000000000021", "AI-7002": "7018000000000000022", "AI-7003": "7018000000000000023"}
