"""Contract tests of the i人事 (ihr360) connector: the recorded conversation, replayed.

The cassettes in tests/cassettes/hr_suites/ihr360/ hold what the copies of i人事's OpenAPI documentation
describe (docs/connectors/ihr360.md, every fact [unverified]). A matcher of our own (:func:`wire`) checks
the credentials on the wire (the app id and secret as HTTP Basic on the token request, recorded scrubbed;
the handed-out token as Bearer on every call) and each call's JSON body (the root department, the
page's staff ids). The syncs run the real connector through the real sync engine into a real SQLite store.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr

from hub.core.errors import ConfigError, PermanentConnectorError
from hub.core.models import EmploymentStatus
from hub.core.store import Store
from hub.core.sync import sync
from hub.testing.cassettes import PLACEHOLDER
from plugins.hr_suites.ihr360 import Ihr360, Ihr360ClientCredentials

REPO = Path(__file__).resolve().parents[3]
CASSETTES = REPO / "tests" / "cassettes" / "hr_suites" / "ihr360"
APP_ID, APP_SECRET = "test-app-id-not-real", "test-app-secret-not-real"
SETTINGS = {"app_id": APP_ID, "app_secret": APP_SECRET, "company_id": "test-company-0001", "root_department_id": 3}
BASIC = "Basic " + base64.b64encode(f"{APP_ID}:{APP_SECRET}".encode()).decode()


class RecordedIhr360(Ihr360):
    """The connector as the cassettes were recorded: 2 staff ids a page."""

    page_size = 2


def _text(body: Any) -> str:
    return body.decode() if isinstance(body, bytes) else body or ""


def wire(live: Any, recorded: Any) -> None:
    """vcr matcher: Basic credentials on the token request, the handed-out Bearer token and the recorded
    JSON body on every call."""
    assert live.path == recorded.path, "another endpoint"
    auth = live.headers.get("Authorization", "")
    if live.path.endswith("/oauth/token"):
        assert auth in (BASIC, PLACEHOLDER, f"Basic {PLACEHOLDER}"), "the token request carries no Basic app credentials"
        return
    assert auth in ("Bearer <REDACTED-ACCESS-TOKEN-1>", PLACEHOLDER), f"not the handed-out token: {auth[:12]}…"
    assert live.headers.get("Content-Type", "").startswith("application/json;charset=UTF-8")
    sent, kept = _text(live.body), _text(recorded.body)
    assert (json.loads(sent) if sent else None) == (json.loads(kept) if kept else None), f"sent {sent}, recorded {kept}"


REPLAY = vcr.VCR(record_mode="none", cassette_library_dir=str(CASSETTES))
REPLAY.register_matcher("wire", wire)
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "wire")


def _sync(stem: str, stream: str, store: Store) -> Any:
    with REPLAY.use_cassette(f"{stem}.yaml", match_on=MATCH_ON) as cassette:
        report = sync(RecordedIhr360(dict(SETTINGS)), store, streams=[stream], prefetch=False)
    assert cassette.all_played, f"{stem}: {len(cassette.data) - cassette.play_count} recorded requests never sent"
    return report


def _entity(store: Store, kind: str, external_id: str) -> Any:
    found = store.find("ihr360", external_id, kind)
    return None if found is None else store.get(kind, found)


def test_staff_ids_then_their_records_become_employees(store: Store) -> None:
    report = _sync("staff", "staff", store)
    assert report.status == "succeeded" and report.counters.pages == 3 and report.counters.created == 5
    first = _entity(store, "employee", "5a000000-0000-4000-8000-000000000001")
    assert (first.employee_number, first.department, first.title) == ("HQ00001", "28", "工程师")
    assert first.emails == ["staff1@example.com", "staff1.work@example.com"] and first.phones == ["+14155550101"]
    assert _entity(store, "employee", "5a000000-0000-4000-8000-000000000003").employment_status is EmploymentStatus.TERMINATED


def test_the_tree_under_the_root_becomes_departments_with_their_parents(store: Store) -> None:
    report = _sync("departments", "departments", store)
    assert report.status == "succeeded" and report.counters.created == 4
    assert _entity(store, "department", "3").parent is None  # parentId 0: the top of the tree
    assert _entity(store, "department", "28").parent.external_id == "27"


def test_a_refusal_in_the_envelope_is_a_typed_error_with_the_vendor_code() -> None:
    connector = RecordedIhr360(dict(SETTINGS))
    with REPLAY.use_cassette("errors.yaml", match_on=MATCH_ON), connector.client() as client:
        with pytest.raises(PermanentConnectorError) as refused:
            client.post("/thirdparty/api/org/v1/organization/children/all",
                        params={"departmentStatus": "ALL", "companyId": "another-company"},
                        json=[{"departmentId": 3, "includeAll": True}])
    assert refused.value.context["vendor_code"] == "403"
    assert APP_SECRET not in str(refused.value) + str(refused.value.context)


def test_an_invalid_token_answer_fetches_a_new_token_and_sends_once_more() -> None:
    sent: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        if request.url.path.endswith("/oauth/token"):
            return httpx.Response(200, json={"access_token": f"tok-{len(sent)}", "expires_in": 7199})
        if request.headers["Authorization"] == "Bearer tok-1":  # i人事 says a token expired in the body
            return httpx.Response(401, json={"error": "invalid_token", "error_description": "Access token expired"})
        return httpx.Response(200, json={"code": 0, "message": "OK", "data": [], "errorResult": False})

    auth = Ihr360ClientCredentials("https://ihr.example.test/openapi/oauth/token", APP_ID, APP_SECRET)
    with httpx.Client(auth=auth, transport=httpx.MockTransport(server)) as client:
        answer = client.post("https://ihr.example.test/openapi/thirdparty/api/staff/v1/staffs/basic", json=[])
    assert answer.status_code == 200
    assert sent == ["/openapi/oauth/token", "/openapi/thirdparty/api/staff/v1/staffs/basic", "/openapi/oauth/token",
                    "/openapi/thirdparty/api/staff/v1/staffs/basic"]


def test_the_departments_need_the_company_and_the_root() -> None:
    connector = RecordedIhr360({"app_id": APP_ID, "app_secret": APP_SECRET})
    with pytest.raises(ConfigError, match="root_department_id"):
        connector.first_request(connector.stream("departments"), since=None)
