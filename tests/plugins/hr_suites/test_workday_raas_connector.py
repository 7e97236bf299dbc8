"""Workday RaaS beyond the standard suite: the report URL and its prompts, both kinds of credentials,
the incremental switch, and Workday's error bodies read into typed errors (replayed from the cassettes
in tests/cassettes/hr_suites/workday_raas/, built by its _build.py)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.errors import AuthError, ConfigError, PermanentConnectorError, TransientConnectorError
from hub.core.models import EmploymentStatus, PayPeriod
from hub.core.store import Store
from hub.core.sync import sync
from hub.testing import scrubbing_vcr
from plugins.hr_suites.workday_raas import WorkdayRaaS, report_parts, workday_fault

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes" / "hr_suites" / "workday_raas"
REPORT = "https://wd2-impl-services1.workday.com/ccx/service/customreport2/examplecorp/ISU_HUB/HUB_Workers"
SETTINGS = {"report_url": f"{REPORT}?format=json", "username": "ISU_HUB@examplecorp",
            "password": "test-password-not-real", "prompts": {"Include_Terminated_Workers": "1"}, "incremental": True}
OAUTH = {"report_url": REPORT, "client_id": "test-client-not-real", "client_secret": "test-secret-not-real",
         "refresh_token": "test-refresh-not-real", "prompts": {"Include_Terminated_Workers": "1"}}


def _employee(store: Store, external_id: str):  # noqa: ANN202 — an Employee
    return store.get("employee", store.find("workday_raas", external_id, "employee"))


@pytest.mark.parametrize(("url", "reason"), [
    ("http://wd2-impl-services1.workday.com/ccx/service/customreport2/t/o/r", "must be https"),
    ("https://wd2-impl-services1.workday.com/ccx/service/customreport2/t/o", "must be https"),
    ("https://wd2-impl-services1.workday.com/ccx/api/v1/t/workers", "must be https"),
    (f"{REPORT}?format=csv", "format=csv"),
])
def test_a_report_url_that_is_not_one_is_refused(url: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        WorkdayRaaS({**SETTINGS, "report_url": url})


def test_the_urls_own_prompts_are_kept_and_format_json_added() -> None:
    url, tenant, params = report_parts(f"{REPORT}?Effective_as_of_Date=2024-06-01")
    assert (url, tenant, params) == (REPORT, "examplecorp", {"Effective_as_of_Date": "2024-06-01", "format": "json"})


@pytest.mark.parametrize(("settings", "reason"), [
    ({"username": None, "password": None}, "needs username and password"),
    ({"client_id": "c"}, "not both"),
    ({"prompts": ["Include_Terminated_Workers"]}, "prompts"),
    ({"incremental": "yes"}, "incremental"),
])
def test_settings_that_cannot_work_are_refused_when_built(settings: dict, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        WorkdayRaaS({k: v for k, v in {**SETTINGS, **settings}.items() if v is not None})


def test_without_incremental_every_run_is_a_full_pass() -> None:
    raas = WorkdayRaaS({**SETTINGS, "incremental": False})
    assert "Updated_From" not in raas.first_request(raas.stream("employees"), since="2024-06-05T16:45:00.000-07:00").params


def test_a_full_pass_maps_the_report_rows(store: Store) -> None:
    with scrubbing_vcr(CASSETTES).use_cassette("employees.yaml") as played:
        report = sync(WorkdayRaaS(SETTINGS), store, streams=["employees"], prefetch=False)
    assert report.status == "succeeded" and played.all_played and report.counters.created == 4
    hourly = _employee(store, "21002")
    assert (hourly.employment_status, hourly.compensation.period) == (EmploymentStatus.ON_LEAVE, PayPeriod.HOURLY)
    assert str(hourly.compensation.base.amount) == "32.50" and hourly.manager.external_id == "21001"
    assert _employee(store, "21004").compensation is None and _employee(store, "21001").manager is None


def test_an_api_client_trades_its_refresh_token_for_a_bearer(store: Store) -> None:
    flow = WorkdayRaaS(OAUTH).authenticator().auth_flow(httpx.Request("GET", REPORT))
    token_request = next(flow)
    assert str(token_request.url) == "https://wd2-impl-services1.workday.com/ccx/oauth2/examplecorp/token"
    assert dict(parse_qsl(token_request.content.decode())) == {
        "grant_type": "refresh_token", "client_id": "test-client-not-real", "client_secret": "test-secret-not-real",
        "refresh_token": "test-refresh-not-real"}
    report_request = flow.send(httpx.Response(200, json={"access_token": "t-1", "token_type": "Bearer"}))
    assert report_request.headers["Authorization"] == "Bearer t-1"
    with scrubbing_vcr(CASSETTES).use_cassette("oauth.yaml") as played:  # the same conversation, end to end
        report = sync(WorkdayRaaS(OAUTH), store, streams=["employees"], prefetch=False)
    assert report.status == "succeeded" and played.all_played and report.counters.created == 1


def test_workdays_error_bodies_become_typed_errors_with_its_code() -> None:
    raas = WorkdayRaaS({**SETTINGS, "retry": {"max_attempts": 1}})
    stream = raas.stream("employees")
    with scrubbing_vcr(CASSETTES).use_cassette("errors.yaml"), raas.client() as client:
        with pytest.raises(TransientConnectorError) as fault:
            list(raas.pages(client, stream, raas.first_request(stream, since="yesterday")))
        assert fault.value.status == 500 and fault.value.context["vendor_code"] == "SOAP-ENV:Client.validationError"
        assert "Invalid date-time for prompt Updated_From" in str(fault.value)
        with pytest.raises(PermanentConnectorError) as refused:
            list(raas.pages(client, stream, raas.first_request(stream, since=None)))
        assert (refused.value.status, refused.value.context["vendor_code"]) == (400, "invalid_request")
        with pytest.raises(AuthError):
            list(raas.pages(client, stream, raas.first_request(stream, since=None)))
    assert "test-password-not-real" not in str(refused.value)


@given(st.text(max_size=300))
def test_reading_a_fault_never_fails(body: str) -> None:
    found = workday_fault(body)
    assert found is None or (isinstance(found[0], str) and isinstance(found[1], str))


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40))
def test_a_wd_error_message_is_read_back(message: str) -> None:
    from xml.sax.saxutils import escape

    body = (f'<wd:Error xmlns:wd="urn:com.workday/bsvc"><wd:Validation_Error><wd:Message>{escape(message)}'
            "</wd:Message></wd:Validation_Error></wd:Error>")
    assert workday_fault(body) == ("Validation_Error", message.strip())
