"""BambooHR beyond the standard suite: the base URL from the company domain, Basic auth with ``x``,
a deleted employee in the change feed, refusals as typed errors, the webhook timestamp, both webhook
payload styles, and the effective-dated rows the mapping reads (replayed from the cassettes in
tests/cassettes/hr_suites/bamboohr/, built by its _build.py)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.errors import (
    AuthError,
    ConfigError,
    MalformedPageError,
    PermanentConnectorError,
    WebhookRefusedError,
    WebhookVerificationError,
)
from hub.core.models import EmploymentStatus, PayPeriod
from hub.core.store import Store
from hub.core.sync import ingest_webhook, sync
from hub.testing import scrubbing_vcr
from plugins.hr_suites.bamboohr import BambooHR
from plugins.hr_suites.bamboohr_tables import current_row

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes" / "hr_suites" / "bamboohr"
API = "https://api.bamboohr.com/api/gateway.php/examplecorp/v1"
SETTINGS = {"api_key": "test-api-key-not-real", "company_domain": "examplecorp", "webhook_secret": "test-secret-not-real"}
NOW = 1717495200.0  # 2024-06-04T10:00:00Z


class RecordedBambooHR(BambooHR):
    """BambooHR as its cassettes were recorded: on 10 June 2024."""

    today = staticmethod(lambda: dt.date(2024, 6, 10))


def _employee(store: Store, external_id: str) -> Any:
    return store.get("employee", store.find("bamboohr", external_id, "employee"))


# ---------------------------------------------------------------- settings and auth


def test_the_base_url_is_the_company_domains() -> None:
    bamboo = BambooHR({"api_key": "k", "company_domain": "examplecorp"})
    assert bamboo.settings["base_url"] == API
    with pytest.raises(ConfigError, match="company_domain"):
        BambooHR({"api_key": "k"})
    with pytest.raises(ConfigError, match="company_domain"):
        BambooHR({"api_key": "k", "company_domain": "examplecorp.bamboohr.com/x"})


def test_the_api_key_is_the_basic_user_and_x_the_password() -> None:
    sent = next(BambooHR(SETTINGS).authenticator().auth_flow(httpx.Request("GET", API)))
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(b"test-api-key-not-real:x").decode()
    assert BambooHR.headers["Accept"] == "application/json"


def test_employee_fields_always_ask_for_the_cursor() -> None:
    assert RecordedBambooHR({**SETTINGS, "employee_fields": ["firstName"]}).employee_fields() == ["firstName", "lastChanged"]
    with pytest.raises(ConfigError, match="employee_fields"):
        RecordedBambooHR({**SETTINGS, "employee_fields": "firstName"}).employee_fields()


# ---------------------------------------------------------------- the change feed


def test_a_full_pass_maps_current_job_and_compensation(store: Store) -> None:
    with scrubbing_vcr(CASSETTES).use_cassette("employees.yaml") as played:
        report = sync(RecordedBambooHR(SETTINGS), store, streams=["employees"], prefetch=False)
    assert report.status == "succeeded" and played.all_played
    lead = _employee(store, "4101")
    assert lead.title == "Engineering Lead"  # the 2023 jobInfo row, not the 2021 one
    assert (lead.compensation.base.amount, lead.compensation.base.currency) == (Decimal("126500.00"), "USD")
    assert lead.compensation.period is PayPeriod.ANNUAL
    assert lead.compensation.effective_date == dt.date(2023, 7, 1)
    assert _employee(store, "4102").compensation.period is PayPeriod.HOURLY
    assert _employee(store, "4102").manager.external_id == "4101"
    assert _employee(store, "4103").employment_status is EmploymentStatus.TERMINATED


def test_a_deleted_employee_becomes_a_deletion_and_is_not_fetched(store: Store) -> None:
    with scrubbing_vcr(CASSETTES).use_cassette("employees.yaml"):
        sync(RecordedBambooHR(SETTINGS), store, streams=["employees"], prefetch=False)
    with scrubbing_vcr(CASSETTES).use_cassette("deleted.yaml") as played:
        report = sync(RecordedBambooHR(SETTINGS), store, streams=["employees"], prefetch=False)
    assert report.status == "succeeded" and played.all_played  # no request for employee 4103 was recorded
    assert report.counters.deleted == 1 and report.counters.created == 1
    assert store.deleted_at("employee", store.find("bamboohr", "4103", "employee")) is not None
    assert store.deleted_at("employee", store.find("bamboohr", "4101", "employee")) is None
    assert _employee(store, "4105").employment_status is EmploymentStatus.ON_LEAVE


def test_refusals_are_typed_errors_naming_the_status() -> None:
    bamboo = RecordedBambooHR(SETTINGS)
    with scrubbing_vcr(CASSETTES).use_cassette("errors.yaml"), bamboo.client() as client:
        with pytest.raises(AuthError) as refused:
            client.get_json("/employees/changed", params={"since": "2011-06-01T00:00:00Z"})
        assert refused.value.status == 401 and refused.value.context["vendor_message"] == "Invalid API key"
        with pytest.raises(PermanentConnectorError) as bad:
            client.get_json("/employees/changed", params={"since": "2024-13-01T00:00:00Z"})
        assert bad.value.status == 400 and "test-api-key-not-real" not in str(bad.value)
        assert "returned 400 Bad Request: Invalid since parameter" in bad.value.reason


_DAYS = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))


@given(st.lists(_DAYS, max_size=8), _DAYS)
def test_the_current_row_is_the_latest_not_after_today(days: list[dt.date], today: dt.date) -> None:
    rows = [{"startDate": day.isoformat(), "n": n} for n, day in enumerate(days)]
    row = current_row(rows + [{"startDate": "0000-00-00"}, {"n": "undated"}], "startDate", today)
    started = [day for day in days if day <= today]
    if not started:
        assert row is None
    else:
        assert dt.date.fromisoformat(row["startDate"]) == max(started)


# ---------------------------------------------------------------- webhooks


def signed(body: dict[str, Any], stamp: str, secret: str = SETTINGS["webhook_secret"]) -> tuple[dict[str, str], bytes]:
    raw = json.dumps(body).encode()
    digest = hmac.new(secret.encode(), raw + stamp.encode(), hashlib.sha256).hexdigest()
    return {"X-BambooHR-Timestamp": stamp, "X-BambooHR-Signature": digest}, raw


class PinnedClock(RecordedBambooHR):
    webhook_clock = staticmethod(lambda: NOW)


EVENT = {"type": "employee.deleted", "timestamp": "2024-06-04T09:59:00+0000", "data": {"employeeId": "4103"}}
FIELD_BASED = {"employees": [{"id": "4102", "action": "Updated", "timestamp": "2024-06-04T09:58:00+00:00",
                              "changedFields": ["jobTitle"], "fields": {"jobTitle": {"value": "Support Lead"}}},
                             {"id": "4103", "action": "Deleted", "timestamp": "2024-06-04T09:58:30+00:00"}]}


@pytest.mark.parametrize("stamp", [str(int(NOW) - 60), "2024-06-04T09:59:00Z", "2024-06-04T09:59:00+0000"])
def test_a_signed_delivery_is_read_in_both_payload_styles(stamp: str) -> None:
    bamboo = PinnedClock(SETTINGS)
    headers, raw = signed(EVENT, stamp)
    delivery = bamboo.parse_webhook(headers, raw)
    assert delivery.delivery_id == f"sha256:{headers['X-BambooHR-Signature']}"
    assert delivery.records == [("employees", {"id": "4103", "action": "Deleted",
                                               "lastChanged": "2024-06-04T09:59:00+0000"})]
    headers, raw = signed(FIELD_BASED, stamp)
    assert [(r["id"], r["action"]) for _, r in bamboo.parse_webhook(headers, raw).records] == [
        ("4102", "Updated"), ("4103", "Deleted")]


@pytest.mark.parametrize(("change", "reason"), [
    ({"stamp": str(int(NOW) - 301)}, "too old"),
    ({"stamp": str(int(NOW) + 301)}, "too far in the future"),
    ({"stamp": "yesterday"}, "neither Unix seconds nor an ISO 8601 time"),
    ({"secret": "another-secret"}, "does not match"),
    ({"drop": "X-BambooHR-Timestamp"}, "missing"),
])
def test_a_delivery_that_fails_a_check_is_refused(change: dict[str, str], reason: str) -> None:
    headers, raw = signed(EVENT, change.get("stamp", str(int(NOW))), change.get("secret", SETTINGS["webhook_secret"]))
    headers.pop(change.get("drop", ""), None)
    with pytest.raises(WebhookVerificationError, match=reason):
        PinnedClock(SETTINGS).parse_webhook(headers, raw)


def test_the_signed_timestamp_cannot_be_swapped() -> None:
    headers, raw = signed(EVENT, str(int(NOW)))
    headers["X-BambooHR-Timestamp"] = str(int(NOW) - 1)
    with pytest.raises(WebhookVerificationError, match="does not match"):
        PinnedClock(SETTINGS).parse_webhook(headers, raw)


def test_a_deletion_event_marks_the_employee_deleted_without_a_fetch(store: Store) -> None:
    with scrubbing_vcr(CASSETTES).use_cassette("employees.yaml"):
        sync(PinnedClock(SETTINGS), store, streams=["employees"], prefetch=False)
    headers, raw = signed(EVENT, str(int(NOW)))
    with scrubbing_vcr(CASSETTES).use_cassette("errors.yaml") as played:  # any fetch would fail the test
        counters = ingest_webhook(PinnedClock(SETTINGS), headers, raw, store)
    assert counters.deleted == 1 and played.play_count == 0
    assert store.deleted_at("employee", store.find("bamboohr", "4103", "employee")) is not None


@pytest.mark.parametrize("body", [
    {"employees": [{"id": {"nested": 1}, "action": "Updated"}]},
    {"employees": ["4102"]},
    {"type": "employee.updated", "data": {"employeeId": True}},
    {"type": "employee.updated", "data": {"employeeId": "  "}},
    {"event": "something else"},
    [],
])
def test_a_signed_delivery_naming_no_employee_is_refused(body: Any) -> None:
    headers, raw = signed(body, str(int(NOW)))
    with pytest.raises(WebhookRefusedError) as refused:
        PinnedClock(SETTINGS).parse_webhook(headers, raw)
    assert refused.value.http_status == 400


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                        st.sampled_from(["employees", "id", "data", "employeeId", "type", "action"]), inner, max_size=3),
                    max_leaves=12))
def test_any_signed_body_parses_or_is_refused_typed(body: Any) -> None:
    headers, raw = signed(body, str(int(NOW)))
    try:
        delivery = PinnedClock(SETTINGS).parse_webhook(headers, raw)
    except WebhookRefusedError:
        return
    assert all(name == "employees" and isinstance(r["id"], str) and r["id"] for name, r in delivery.records)


def test_a_table_answer_of_neither_shape_fails_the_page_typed(store: Store) -> None:
    bamboo = RecordedBambooHR(SETTINGS)
    stream = bamboo.stream("employees")
    answers = {"/employees/4101": {"id": "4101", "lastChanged": "2024-06-03T15:04:05+00:00"},
               "/employees/4101/tables/jobInfo": {"rows": []}, "/employees/4101/tables/compensation": {"table": "x"}}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=answers[request.url.path.split("/v1")[1]]))
    with bamboo.client(transport=transport) as client, pytest.raises(MalformedPageError, match="compensation table"):
        bamboo.details(client, stream, [{"id": "4101", "action": "Updated"}])
