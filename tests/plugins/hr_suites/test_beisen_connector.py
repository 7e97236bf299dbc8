"""Contract tests of the Beisen iTalent connector: the recorded time-window conversation, replayed.

The cassettes in tests/cassettes/hr_suites/beisen/ hold what the open platform documents
(docs/connectors/beisen.md). vcrpy replays them with ``record_mode="none"`` and a matcher of our own
compares each request's JSON body with the recorded one (window, capacity, scroll id, fixed fields)
and checks the credentials on the wire: the form-encoded token request, the handed-out bearer token on
every call. The syncs run the real connector through the real sync engine into a real SQLite store.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import vcr

from hub.core.errors import ConfigError, PermanentConnectorError
from hub.core.events import HubEvent
from hub.core.plugins import get_plugin_manager, load_registry
from hub.core.store import Store
from hub.core.sync import sync
from hub.core.sync_state import StreamState
from hub.testing.cassettes import PLACEHOLDER
from plugins.hr_suites.beisen import Beisen

REPO = Path(__file__).resolve().parents[3]
CASSETTES = REPO / "tests" / "cassettes" / "hr_suites" / "beisen"
SECRET = "test-secret-not-real"
SALARY_FIELD = "customProperties.extshiyongqixinzi_100000_1"
SETTINGS = {"tenant_id": "100000", "app_id": "test-app-id", "secret": SECRET, "capacity": 2,
            "history_start": "2024-01-01T00:00:00", "salary_field": SALARY_FIELD}
EMPLOYEES = [str(101_500_000 + n) for n in range(1, 8)]
#: The token requests' fields besides the grant and the secret.
TOKEN_FORMS = {"/OAuth/Token": {"tenant_id": "100000", "app_id": "test-app-id"}, "/token": {"app_key": "test-app-key"}}


class RecordedBeisen(Beisen):
    """The connector as the cassettes were recorded: "now" is 2024-06-20 12:00 China time, the token fresh."""

    clock = staticmethod(lambda: dt.datetime(2024, 6, 20, 4, 0, tzinfo=dt.UTC))
    token_clock = staticmethod(lambda: 1_718_000_000.0)


def _text(body: Any) -> str:
    return body.decode() if isinstance(body, bytes) else body or ""


def wire(live: Any, recorded: Any) -> None:
    """vcr matcher: the token form and a handed-out bearer token; on API calls, the recorded JSON body."""
    assert live.path == recorded.path, "another endpoint"
    if live.path in TOKEN_FORMS:
        form = dict(parse_qsl(_text(live.body)))
        secret = form.pop("secret", None) or form.pop("app_secret", None)  # the scrubbing VCR replaces it
        assert secret in (SECRET, PLACEHOLDER), "the token form carries no secret"
        assert form == {"grant_type": "client_credentials", **TOKEN_FORMS[live.path]}, form
        return
    auth = live.headers.get("Authorization", "")
    assert auth.startswith("Bearer <REDACTED-ACCESS-TOKEN-") or auth == PLACEHOLDER, (  # the scrubbing VCR's form
        f"not a token from the token endpoint: {auth!r}")
    assert json.loads(_text(live.body)) == json.loads(_text(recorded.body)), (
        f"sent {_text(live.body)}, recorded {_text(recorded.body)}")


def replaying() -> vcr.VCR:
    replay = vcr.VCR(record_mode="none", cassette_library_dir=str(CASSETTES))
    replay.register_matcher("wire", wire)
    return replay


MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "wire")


def replay_sync(store: Store, stem: str, stream: str, settings: dict[str, Any] = SETTINGS) -> tuple[Any, Any]:
    """Sync one stream from a cassette, in-process (the cassette counts the requests it plays)."""
    with replaying().use_cassette(f"{stem}.yaml", match_on=MATCH_ON) as cassette:
        report = sync(RecordedBeisen(dict(settings)), store, streams=[stream], prefetch=False)
    return report, cassette


def stored_ids(store: Store, kind: str, ids: list[str]) -> list[str]:
    return [i for i in ids if store.find("beisen", i, kind) is not None]


def cursor(store: Store, stream: str) -> StreamState:
    return StreamState.from_json(store.get_cursor(None, "beisen", stream))


# ---------------------------------------------------------------- settings


def test_the_entry_point_registers_the_connector() -> None:
    assert load_registry(get_plugin_manager()).connectors["beisen"] is Beisen


@pytest.mark.parametrize(("setting", "value"), [("capacity", 301), ("capacity", 0), ("capacity", "300"),
                                                ("window_days", 91), ("scroll_restarts", -1),
                                                ("utc_offset", "Asia/Shanghai")])
def test_settings_beyond_beisen_limits_are_refused_before_any_request(setting: str, value: Any) -> None:
    beisen = Beisen({**SETTINGS, setting: value})
    stream = beisen.stream("employees")
    with beisen.client() as client, pytest.raises(ConfigError, match=setting):
        next(beisen.pages(client, stream, beisen.first_request(stream, since=None)))


def test_one_set_of_credentials_is_required() -> None:
    with pytest.raises(ConfigError, match="tenant_id, app_id, secret or app_key, app_secret"):
        Beisen({"tenant_id": "100000", "app_id": "test-app-id", "app_key": "test-app-key"})


def test_an_app_key_and_secret_take_the_token_from_slash_token(store: Store) -> None:
    by_key = {**{k: v for k, v in SETTINGS.items() if k not in ("tenant_id", "app_id", "secret")},
              "app_key": "test-app-key", "app_secret": SECRET}
    report, cassette = replay_sync(store, "app_key_token", "organizations", by_key)  # the matcher checks the form
    assert report.status == "succeeded" and cassette.all_played and report.counters.created == 3


def test_the_token_body_may_be_json() -> None:
    sent: list[httpx.Request] = []

    def vendor(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.url.path == "/OAuth/Token":
            return httpx.Response(200, json={"access_token": "t-json", "token_type": "bearer", "expires_in": 7200})
        return httpx.Response(200, json={"code": "200", "message": "", "data": []})

    with Beisen({**SETTINGS, "token_body": "json"}).client(transport=httpx.MockTransport(vendor)) as client:
        client.request("POST", "/TenantBaseExternal/api/v5/Organization/GetByTimeWindow", json={})
    assert sent[0].headers["content-type"] == "application/json"
    assert json.loads(sent[0].content) == {"grant_type": "client_credentials", "tenant_id": "100000",
                                           "app_id": "test-app-id", "secret": SECRET}
    assert sent[1].headers["authorization"] == "Bearer t-json"
    with pytest.raises(ConfigError, match="token_body"):
        Beisen({**SETTINGS, "token_body": "xml"}).authenticator()


# ---------------------------------------------------------------- the time-window scroll


def test_a_first_pass_scrolls_each_window_in_batches(store: Store) -> None:
    report, cassette = replay_sync(store, "employees", "employees")
    assert report.status == "succeeded", report.streams[0].error
    # window 1: three batches of records and the empty batch that ends it; window 2: one batch flagged last
    assert (report.counters.pages, report.counters.created) == (5, 7)
    assert cassette.all_played and cassette.play_count == 6  # one token, then each batch once
    assert stored_ids(store, "employee", EMPLOYEES) == EMPLOYEES
    state = cursor(store, "employees")
    assert not state.in_pass and state.since == "2024-06-18T10:30:00"


def test_an_expired_scroll_reads_its_window_again_and_stores_each_employee_once(store: Store) -> None:
    report, cassette = replay_sync(store, "scroll_expired", "employees")
    assert report.status == "succeeded", report.streams[0].error
    assert cassette.all_played
    # the first batch came twice: the store's upsert counts the second as unchanged, not as new records
    assert (report.counters.created, report.counters.unchanged, report.counters.failed) == (7, 2, 0)
    assert stored_ids(store, "employee", EMPLOYEES) == EMPLOYEES


class Killed(Exception):
    """Stands for the process dying right after a page's transaction committed."""


def _kill_after(pages: int) -> Any:
    committed: list[HubEvent] = []

    def listener(event: HubEvent) -> None:
        if event.name == "page_committed":
            committed.append(event)
            if len(committed) == pages:
                raise Killed

    return listener


def test_a_run_killed_mid_window_resumes_at_that_window_from_its_start(store: Store) -> None:
    with pytest.raises(Killed), replaying().use_cassette("employees.yaml", match_on=MATCH_ON):
        sync(RecordedBeisen(dict(SETTINGS)), store, streams=["employees"], prefetch=False, listeners=[_kill_after(2)])
    checkpoint = cursor(store, "employees").resume
    assert checkpoint is not None and checkpoint.json["startTime"] == "2024-01-01T00:00:00"
    assert checkpoint.json["scrollId"]  # the saved scroll id, long expired by the time a run resumes
    report, cassette = replay_sync(store, "employees", "employees")  # the matcher: window 1 again, scrollId ""
    assert report.status == "succeeded" and cassette.all_played
    assert (report.counters.created, report.counters.unchanged) == (3, 4)
    assert stored_ids(store, "employee", EMPLOYEES) == EMPLOYEES


def test_a_run_killed_after_a_window_resumes_at_the_next_one(store: Store) -> None:
    with pytest.raises(Killed), replaying().use_cassette("employees.yaml", match_on=MATCH_ON):
        sync(RecordedBeisen(dict(SETTINGS)), store, streams=["employees"], prefetch=False, listeners=[_kill_after(4)])
    assert cursor(store, "employees").resume.json["startTime"] == "2024-03-31T00:00:00"
    report, cassette = replay_sync(store, "next_window", "employees")
    assert report.status == "succeeded" and cassette.all_played and cassette.play_count == 2
    assert report.counters.created == 2 and stored_ids(store, "employee", EMPLOYEES) == EMPLOYEES


# ---------------------------------------------------------------- errors


def test_a_failing_code_on_http_200_is_a_typed_error_with_the_vendor_code(store: Store) -> None:
    report, cassette = replay_sync(store, "refused", "offers")
    assert report.status == "failed" and cassette.all_played
    error = report.streams[0].error
    assert (error["code"], error["vendor_code"], error["status"]) == (PermanentConnectorError.code, "417", "200")
    assert "no permission for object 'Offer'" in error["vendor_message"]
    [letter] = store.dead_letters(system="beisen")
    assert letter.error_code == PermanentConnectorError.code and letter.error["vendor_code"] == "417"
    assert cursor(store, "offers") == StreamState()  # nothing moved: the next run asks for the same window


def test_a_429_and_a_502_are_retried_with_the_same_request(store: Store) -> None:
    report, cassette = replay_sync(store, "retried", "organizations")
    assert report.status == "succeeded" and cassette.all_played
    assert report.counters.created == 3


# ---------------------------------------------------------------- what is stored


def test_employees_map_with_status_department_manager_and_dates(store: Store) -> None:
    replay_sync(store, "employees", "employees")
    boss, hire, departed = (store.get("employee", store.find("beisen", i, "employee"))
                            for i in ("101500001", "101500006", "101500004"))
    assert (boss.employee_number, boss.department, boss.hire_date) == ("E1001", "4700001", dt.date(2020, 1, 6))
    assert boss.manager is None and hire.manager.external_id == "101500001"
    assert (hire.employment_status, departed.employment_status) == ("pending", "terminated")
    assert boss.name == "测试员工1" and boss.phones == ["+14155550101"]


def test_an_offer_salary_is_money_from_the_tenant_field(store: Store) -> None:
    report, _ = replay_sync(store, "offers", "offers")
    assert report.status == "succeeded", report.streams[0].error
    accepted = store.get("offer", store.find("beisen", "00000000-0000-4000-a000-000000000006", "offer"))
    assert accepted.status == "accepted" and accepted.status_raw == "已接受"
    assert (str(accepted.compensation.base.amount), accepted.compensation.base.currency) == ("18000", "CNY")
    assert accepted.compensation.period == "monthly" and accepted.application.external_id == "101500006"


def test_an_offer_with_an_unknown_status_is_a_dead_letter_naming_the_field(store: Store) -> None:
    report, _ = replay_sync(store, "malformed", "offers")
    assert report.status == "succeeded" and (report.counters.created, report.counters.failed) == (2, 1)
    [letter] = store.dead_letters(system="beisen")
    assert letter.record_ref == "00000000-0000-4000-a000-000000000009"
    assert (letter.error_code, letter.error["field_path"], letter.error["source_path"]) == (
        "mapping-error", "status", "offerStatus")


def test_organizations_form_a_tree(store: Store) -> None:
    replay_sync(store, "organizations", "organizations")
    child = store.get("department", store.find("beisen", "4700001", "department"))
    assert child.name == "研发中心" and child.parent.external_id == "900100000"


def test_a_pass_in_a_forked_producer_stores_the_same(store: Store) -> None:
    """The time-window scroll runs in the producer process a sync forks where it can (hub.core.forked)."""
    with replaying().use_cassette("employees.yaml", match_on=MATCH_ON):
        report = sync(RecordedBeisen(dict(SETTINGS)), store, streams=["employees"], prefetch=True)
    assert report.status == "succeeded" and (report.counters.pages, report.counters.created) == (5, 7)
    assert cursor(store, "employees").since == "2024-06-18T10:30:00"
