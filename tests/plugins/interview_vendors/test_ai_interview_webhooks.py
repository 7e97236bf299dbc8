"""The generic AI-interview connector's webhooks through a real ``hub serve``: hub.yaml configures two
vendors by settings alone (no Python), each with its own signature scheme; deliveries are signed as
those vendors would, or replayed from the recorded ones in
tests/cassettes/interview_vendors/ai_interview/, and the outcome is read back from the store the
server writes.
"""

from __future__ import annotations

import copy
import json
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.core.webhooks import SignatureScheme
from tests.api.conftest import hub_server_factory  # noqa: F401 — the real `hub serve` fixture
from tests.conftest import HUB

SECRET = "aiv-test-secret-not-real"
REPO = Path(__file__).resolve().parents[3]
SAMPLE = json.loads((REPO / "hub" / "examples" / "ai_interview_vendor" / "webhook.json").read_bytes())
RECORDED = REPO / "tests" / "cassettes" / "interview_vendors" / "ai_interview"
#: The scheme of vendor `acme`: hex HMAC-SHA256 over "{timestamp}.{body}", a delivery id header.
ACME = {"header": "X-Signature", "prefix": "sha256=", "signed_content": "{timestamp}.{body}",
        "timestamp_header": "X-Timestamp", "tolerance_seconds": 300, "delivery_id_header": "X-Delivery-Id"}
#: The scheme of vendor `beta`: base64 HMAC-SHA1 of the body alone, no timestamp, no delivery id.
BETA = {"algorithm": "sha1", "encoding": "base64", "header": "X-Vendor-Sign"}
CONFIG = {"connectors": {
    "acme": {"type": "ai_interview", "settings": {"webhook_secret": "${AIV_SECRET}", "record_path": "data",
                                                  "event_path": "event", "events": ["interview.completed"],
                                                  "signature": ACME}},
    "beta": {"type": "ai_interview", "settings": {"webhook_secret": "${AIV_SECRET}", "record_path": "data",
                                                  "signature": BETA}},
    "miswritten": {"type": "ai_interview", "settings": {"webhook_secret": "${AIV_SECRET}",
                                                        "signature": {"signed_content": "{timestamp}.{body}"}}},
}}
COMMENT = SAMPLE["data"]["evaluator_comment"]


@pytest.fixture
def server(hub_server_factory) -> Any:  # noqa: F811 — the fixture imported above
    return hub_server_factory(config=CONFIG, env={"AIV_SECRET": SECRET})


def result(result_id: str, **changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(SAMPLE)
    body["data"].update(result_id=result_id, **changes)
    return body


def acme_signed(body: dict[str, Any], delivery_id: str, *, at: float | None = None,
                secret: str = SECRET) -> tuple[dict[str, str], bytes]:  # fmt: skip
    raw = json.dumps(body, ensure_ascii=False).encode()
    timestamp = int(time.time() if at is None else at)
    return SignatureScheme(**ACME).headers(secret, raw, timestamp=timestamp, delivery_id=delivery_id), raw


def post(server: Any, connector: str, headers: dict[str, str], raw: bytes) -> httpx.Response:
    with server.client() as client:
        return client.post(f"/v1/webhooks/{connector}", headers={"Content-Type": "application/json", **headers},
                           content=raw)


def recorded(name: str) -> tuple[dict[str, str], bytes]:
    request = json.loads((RECORDED / f"{name}.json").read_text(encoding="utf-8"))["request"]
    return request["headers"], request["body"].encode()


def stored(server: Any, result_id: str) -> Any:
    entity_id = server.store.find("ai_interview", result_id, "assessment")
    return None if entity_id is None else server.store.get("assessment", entity_id)


def test_a_signed_webhook_is_stored_as_an_assessment_with_normalized_scores(server) -> None:
    headers, raw = acme_signed(result("AI-1101"), "dlv-1101")
    answer = post(server, "acme", headers, raw)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"received": {"records": 1, "stored": 1, "dead_lettered": 0}}
    assessment = stored(server, "AI-1101")
    assert (assessment.vendor, assessment.candidate.external_id) == ("ai_interview", "C-1004")
    assert str(assessment.overall.normalized) == "82.00"
    assert {d.label: str(d.score.normalized) for d in assessment.dimensions} == {
        "沟通能力": "78.00", "逻辑思维": "90.00", "学习能力": "85.00", "抗压能力": "74.00"}
    assert [d.key for d in assessment.dimensions] == ["communication", "logical_thinking", "learning_ability",
                                                      "stress_resilience"]
    assert (assessment.recommendation.level, assessment.recommendation.raw) == ("yes", "推荐")
    assert assessment.comments == COMMENT and assessment.report_url == "https://reports.example.com/r/AI-0004"
    database = sqlite3.connect(server.database_url.removeprefix("sqlite:///"))
    dump = "\n".join(database.iterdump())
    database.close()
    assert COMMENT not in dump and "wang.yiran@example.com" not in dump  # PII only encrypted at rest


def test_the_recorded_sha1_base64_delivery_is_taken_and_its_resend_is_a_replay(server) -> None:
    headers, raw = recorded("sha1_base64_body_only")
    answer = post(server, "beta", headers, raw)
    assert answer.status_code == 200, answer.text
    assessment = stored(server, "AI-0005")
    assert (assessment.recommendation.level, str(assessment.overall.normalized)) == ("undecided", "64.00")
    again = post(server, "beta", headers, raw)  # no delivery id: the same signed bytes are the same delivery
    assert (again.status_code, again.json()["code"]) == (409, "webhook-replay")


def test_a_wrong_signature_is_401_and_nothing_is_stored(server) -> None:
    headers, raw = acme_signed(result("AI-1102"), "dlv-1102", secret="not-the-secret")
    answer = post(server, "acme", headers, raw)
    assert (answer.status_code, answer.json()["code"]) == (401, "webhook-verification-failed")
    sha1_headers, sha1_raw = recorded("sha1_base64_body_only")  # signed right, but for the other scheme
    assert post(server, "acme", sha1_headers, sha1_raw).status_code == 401
    assert stored(server, "AI-1102") is None and server.store.dead_letters() == []
    assert SECRET not in server.output() and COMMENT not in server.output()


def test_a_stale_timestamp_is_401_even_with_a_right_signature(server) -> None:
    headers, raw = recorded("sha256_hex_timestamped")  # signed right, on 2026-11-02
    answer = post(server, "acme", headers, raw)
    assert (answer.status_code, answer.json()["code"]) == (401, "webhook-verification-failed")
    headers, raw = acme_signed(result("AI-1103"), "dlv-1103", at=time.time() - 301)
    assert post(server, "acme", headers, raw).status_code == 401
    assert stored(server, "AI-0004") is None and stored(server, "AI-1103") is None


def test_a_delivery_sent_again_is_409_and_stored_once(server) -> None:
    headers, raw = acme_signed(result("AI-1104"), "dlv-1104")
    assert post(server, "acme", headers, raw).status_code == 200
    again = post(server, "acme", headers, raw)
    assert (again.status_code, again.json()["code"]) == (409, "webhook-replay")
    resigned, _ = acme_signed(result("AI-1104"), "dlv-1104", at=time.time() + 1)  # a fresh signature, same id
    assert post(server, "acme", resigned, raw).status_code == 409


def test_a_bad_record_is_a_dead_letter_and_the_delivery_is_acknowledged(server) -> None:
    body = result("AI-1105")
    del body["data"]["overall_score"]  # required by the mapping
    headers, raw = acme_signed(body, "dlv-1105")
    answer = post(server, "acme", headers, raw)
    assert answer.status_code == 200, answer.text
    assert answer.json()["received"] == {"records": 1, "stored": 0, "dead_lettered": 1}
    (letter,) = server.store.dead_letters()
    assert (letter.stream, letter.record_ref, letter.error_code) == ("results", "AI-1105", "mapping-error")
    assert stored(server, "AI-1105") is None


def test_a_body_without_a_result_at_record_path_is_400(server) -> None:
    headers, raw = acme_signed({"event": "interview.completed"}, "dlv-1106")
    answer = post(server, "acme", headers, raw)
    assert (answer.status_code, answer.json()["code"]) == (400, "webhook-refused")


def test_an_event_not_listed_is_acknowledged_and_nothing_is_stored(server) -> None:
    headers, raw = acme_signed(result("AI-1109") | {"event": "interview.invited"}, "dlv-1109")
    answer = post(server, "acme", headers, raw)
    assert answer.status_code == 200 and answer.json()["received"] == {"records": 0, "stored": 0, "dead_lettered": 0}
    assert stored(server, "AI-1109") is None and server.store.dead_letters() == []


def test_a_miswritten_scheme_is_503_so_the_vendor_retries_and_the_operator_is_told(server) -> None:
    headers, raw = acme_signed(result("AI-1107"), "dlv-1107")
    answer = post(server, "miswritten", headers, raw)
    assert (answer.status_code, answer.json()["code"]) == (503, "service-unavailable")
    assert "timestamp_header" in server.output() and stored(server, "AI-1107") is None


@pytest.mark.parametrize("name", ["sha256_hex_timestamped", "sha1_base64_body_only"])
def test_the_recorded_deliveries_verify_under_their_scheme_at_their_time(name) -> None:
    """The recordings are what their scheme signs: a change to the scheme's signing breaks them here."""
    recording = json.loads((RECORDED / f"{name}.json").read_text(encoding="utf-8"))
    scheme, headers = SignatureScheme(**recording["signature"]), recording["request"]["headers"]
    sent_at = int(headers.get("X-Timestamp", 0))
    assert scheme.verify(SECRET, recording["request"]["body"].encode(), headers, clock=lambda: sent_at)


def test_a_dead_lettered_result_is_stored_by_a_retry_once_the_users_mapping_is_fixed(hub_server_factory,  # noqa: F811
                                                                                     tmp_path) -> None:
    """The operator's loop without Python: a result the vendor sends without a score is a dead letter;
    the user's copy of the webhook mapping is relaxed; `hub dead-letters retry` stores it."""
    folder = tmp_path / "mine" / "interview_vendors" / "ai_interview"
    shutil.copytree(REPO / "hub" / "mappings" / "interview_vendors" / "ai_interview", folder)
    acme_only = {"connectors": {"acme": CONFIG["connectors"]["acme"]}, "mappings": [str(tmp_path / "mine")]}
    server = hub_server_factory(config=acme_only, env={"AIV_SECRET": SECRET})
    body = result("AI-1108")
    del body["data"]["overall_score"]
    assert post(server, "acme", *acme_signed(body, "dlv-1108")).json()["received"]["dead_lettered"] == 1
    rule = folder / "webhook" / "assessment.yaml"
    rule.write_text(rule.read_text(encoding="utf-8").replace("scale: zero_to_100}}], required: true}",
                                                             "scale: zero_to_100}}]}"), encoding="utf-8")
    retry = subprocess.run([str(HUB), "dead-letters", "retry", "--config", str(server.config_path)], env=server.env,
                           capture_output=True, text=True, timeout=120)
    assert retry.returncode == 0, retry.stdout + retry.stderr
    assessment = stored(server, "AI-1108")
    assert assessment.overall is None and str(assessment.dimensions[0].score.normalized) == "78.00"
    assert server.store.dead_letters() == []
