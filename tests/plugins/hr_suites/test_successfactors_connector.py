"""Contract tests of the SAP SuccessFactors connector: the recorded conversation, replayed.

The cassettes in tests/cassettes/hr_suites/successfactors/ hold what the OData v2 guides document
(docs/connectors/successfactors.md); vcrpy matches method, URL and the exact query, so a page size,
history window or incremental filter the connector gets wrong finds no recording and fails. The syncs
run the real connector through the real sync engine into a real SQLite store.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import vcr

from hub.core.errors import AuthError, ConfigError, PermanentConnectorError
from hub.core.models import EmploymentStatus, PayPeriod
from hub.core.store import Store
from hub.core.sync import sync
from hub.core.sync_state import StreamState
from plugins.hr_suites.successfactors import SAML2_BEARER, SamlBearerAuth, SuccessFactors, current_slice

REPO = Path(__file__).resolve().parents[3]
CASSETTES = REPO / "tests" / "cassettes" / "hr_suites" / "successfactors"
ASSERTION = "test-assertion-not-real"
SETTINGS = {"base_url": "https://apisalesdemo4.successfactors.com/odata/v2", "client_id": "test-client-not-real",
            "company_id": "SFPART000000", "assertion": ASSERTION, "base_pay_component": "BASE_SALARY"}


class RecordedSuccessFactors(SuccessFactors):
    """The connector as the cassettes were recorded: 2 persons a page."""

    page_size = 2


def _token_form(live: Any, recorded: Any) -> None:
    """vcr matcher: the token request carries the SAML bearer grant, the client, company and the assertion."""
    if live.path.endswith("/oauth/token"):
        form = parse_qs(live.body.decode())
        assert form == {"client_id": [SETTINGS["client_id"]], "company_id": [SETTINGS["company_id"]],
                        "grant_type": [SAML2_BEARER], "assertion": [ASSERTION]}, form
    else:
        assert live.headers.get("Authorization") == "Bearer <REDACTED-ACCESS-TOKEN-1>"


REPLAY = vcr.VCR(record_mode="none", cassette_library_dir=str(CASSETTES))
REPLAY.register_matcher("token_form", _token_form)
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "token_form")


def _sync(stem: str, store: Store, settings: dict[str, Any] | None = None) -> Any:
    with REPLAY.use_cassette(f"{stem}.yaml", match_on=MATCH_ON) as cassette:
        report = sync(RecordedSuccessFactors(settings or dict(SETTINGS)), store, streams=["employees"],
                      prefetch=False)
    assert cassette.all_played
    return report


def _employee(store: Store, pid: str) -> Any:
    found = store.find("successfactors", pid, "employee")
    assert found is not None, pid
    return store.get("employee", found)


def test_a_full_pass_makes_each_person_an_employee_with_todays_job_and_pay(store: Store) -> None:
    report = _sync("employees", store)
    assert report.status == "succeeded" and report.counters.created == 5
    avery = _employee(store, "sfemp101")
    # the 2099 transfer is recorded but not in force: today's slice is the 2023 promotion
    assert (avery.title, avery.department, avery.hire_date) == ("Senior Engineer", "ENG", dt.date(2019, 3, 4))
    assert avery.compensation.base.amount == Decimal("95000.0") and avery.compensation.base.currency == "USD"
    assert avery.compensation.period is PayPeriod.ANNUAL
    assert [(a.name, a.amount.amount, a.period) for a in avery.compensation.allowances] == [
        ("CAR_ALLOWANCE", Decimal("500.0"), PayPeriod.MONTHLY)]
    assert avery.phones == ["+14155550101"] and avery.emails == ["avery.example@example.com"]
    statuses = {pid: _employee(store, pid).employment_status for pid in ("sfemp103", "sfemp104", "sfemp105")}
    assert statuses == {"sfemp103": EmploymentStatus.ON_LEAVE, "sfemp104": EmploymentStatus.TERMINATED,
                        "sfemp105": EmploymentStatus.PENDING}
    assert _employee(store, "sfemp103").compensation.period is PayPeriod.HOURLY
    assert _employee(store, "sfemp104").compensation is None  # no compensation recorded: none made up


def test_the_cursor_is_the_latest_change_of_any_row_not_only_the_persons_own(store: Store) -> None:
    _sync("employees", store)
    # Avery's own lastModifiedDateTime is 1 June; the 2099 transfer was entered on 10 June
    assert StreamState.from_json(store.get_cursor(None, "successfactors", "employees")).since == "2024-06-10T09:00:00"


def test_several_pay_components_without_a_base_setting_are_a_dead_letter_naming_the_base(store: Store) -> None:
    settings = {k: v for k, v in SETTINGS.items() if k != "base_pay_component"}
    report = _sync("employees", store, settings)
    assert report.counters.failed == 1 and report.counters.created == 4
    (letter,) = store.dead_letters(system="successfactors")
    assert letter.record_ref == "sfemp101" and "compensation" in str(letter.error)


def test_odata_error_bodies_become_typed_errors_with_the_vendor_code() -> None:
    connector = RecordedSuccessFactors(dict(SETTINGS))
    with REPLAY.use_cassette("errors.yaml", match_on=MATCH_ON, allow_playback_repeats=True), connector.client() as client:
        with pytest.raises(PermanentConnectorError) as bad:
            client.get("/PerPerson", params={**connector.first_request(connector.stream("employees"), since=None).params,
                                             "$filter": "nosuch eq 1"})
    assert bad.value.context["vendor_code"] == "COE_PROPERTY_NOT_FOUND"
    assert "Invalid property names" in bad.value.context["vendor_message"]


def test_a_refused_assertion_is_an_auth_error_without_the_assertion_in_it() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"errorMessage": f"bad assertion {ASSERTION}"})

    connector = RecordedSuccessFactors(dict(SETTINGS))
    with connector.client(transport=httpx.MockTransport(refuse)) as client, pytest.raises(AuthError) as refused:
        client.get("/PerPerson")
    assert ASSERTION not in str(refused.value) + str(refused.value.context)


def test_the_token_is_kept_until_expires_in_then_fetched_again() -> None:
    now = [1000.0]
    sent: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": f"tok-{len(sent)}", "expires_in": 3600})
        return httpx.Response(200, json={"d": {"results": []}})

    auth = SamlBearerAuth("https://sf.example.test", "c", "ACME", assertion="a", clock=lambda: now[0])
    with httpx.Client(auth=auth, transport=httpx.MockTransport(server)) as client:
        client.get("https://sf.example.test/odata/v2/PerPerson")
        client.get("https://sf.example.test/odata/v2/PerPerson")
        now[0] += 3600
        client.get("https://sf.example.test/odata/v2/PerPerson")
    assert sent == ["/oauth/token", "/odata/v2/PerPerson", "/odata/v2/PerPerson", "/oauth/token", "/odata/v2/PerPerson"]


def test_without_an_assertion_one_is_signed_by_oauth_idp_from_the_private_key() -> None:
    forms: dict[str, dict[str, list[str]]] = {}

    def server(request: httpx.Request) -> httpx.Response:
        forms[request.url.path] = parse_qs(request.content.decode())
        if request.url.path == "/oauth/idp":
            return httpx.Response(200, text="PHNhbWwyOkFzc2VydGlvbj4=")
        return httpx.Response(200, json={"access_token": "tok", "expires_in": 3600})

    auth = SamlBearerAuth("https://sf.example.test", "c", "ACME", user_id="sfadmin", private_key="test-key-not-real")
    with httpx.Client(auth=auth, transport=httpx.MockTransport(server)) as client:
        client.get("https://sf.example.test/odata/v2/PerPerson")
    assert forms["/oauth/idp"]["user_id"] == ["sfadmin"]
    assert forms["/oauth/idp"]["token_url"] == ["https://sf.example.test/oauth/token"]
    assert forms["/oauth/token"]["assertion"] == ["PHNhbWwyOkFzc2VydGlvbj4="]


def test_an_assertion_or_a_private_key_is_required() -> None:
    settings = {k: v for k, v in SETTINGS.items() if k != "assertion"}
    with pytest.raises(ConfigError, match="assertion"):
        SuccessFactors(settings).client()


def test_a_slice_that_ended_before_today_is_not_in_force() -> None:
    rows = [{"startDate": "/Date(1672531200000)/", "endDate": "/Date(1675123200000)/", "title": "old"}]
    assert current_slice(rows, dt.date(2024, 1, 1)) is None


def test_an_assertion_request_the_idp_cannot_serve_now_is_retried() -> None:
    answers = iter([httpx.Response(503, text="busy"), httpx.Response(200, text="PHNhbWw+"),
                    httpx.Response(200, json={"access_token": "tok", "expires_in": 3600}),
                    httpx.Response(200, json={"d": {"results": []}})])

    connector = RecordedSuccessFactors({**{k: v for k, v in SETTINGS.items() if k != "assertion"},
                                        "user_id": "sfadmin", "private_key": "test-key-not-real",
                                        "retry": {"backoff_base": 0.01, "backoff_cap": 0.01}})
    with connector.client(transport=httpx.MockTransport(lambda request: next(answers))) as client:
        assert client.get_json("/PerPerson") == {"d": {"results": []}}
