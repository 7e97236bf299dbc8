"""Contract tests of the Gusto API v1 connector beyond the standard suite: the recorded conversation, replayed.

The cassettes in tests/cassettes/payroll/gusto/ hold what https://docs.gusto.com documents
(docs/connectors/gusto.md). vcrpy replays them with ``record_mode="none"`` and matches method, URL
and the exact query; a matcher of our own checks every API request carries the pinned
``X-Gusto-API-Version`` and the bearer token of the latest token answer. Syncs run the real
connector through the real sync engine into a real SQLite store.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import vcr
from hypothesis import given
from hypothesis import strategies as st

from hub.core.errors import ConfigError, MalformedPageError, WebhookVerificationError
from hub.core.models import EmploymentStatus, PayPeriod
from hub.core.store import Store
from hub.core.sync import sync
from plugins.payroll.gusto import API_VERSION, COMPENSATIONS_PER_PAGE, Gusto, RefreshTokenFile

REPO = Path(__file__).resolve().parents[3]
CASSETTES = REPO / "tests" / "cassettes" / "payroll" / "gusto"
WEBHOOKS = REPO / "tests" / "fixtures" / "gusto"
MAPPING_FIXTURES = REPO / "tests" / "fixtures" / "mapping" / "gusto"
COMPANY = "c0a1b2c3-0000-4000-8000-000000000001"
WEBHOOK_SECRET = "test-verification-token-not-real"
SETTINGS: dict[str, Any] = {
    "company_uuid": COMPANY, "client_id": "test-client-id-not-real", "client_secret": "test-client-secret-not-real",
    "refresh_token": "test-refresh-token-not-real", "webhook_secret": WEBHOOK_SECRET, "flsa_status": "Exempt",
    "retry": {"max_attempts": 3, "backoff_base": 0.01, "backoff_cap": 0.05},
}


class RecordedGusto(Gusto):
    """The connector as the cassettes were recorded: 2 employees (and payrolls, and a payroll's
    employee compensations) a page."""

    page_size = 2
    compensations_per_page = 2


def _wire(live: Any, recorded: Any) -> None:
    """vcr matcher: the refresh grant on the token request (its credentials are scrubbed in the
    cassette); on every API request the pinned API version, a bearer token from a token answer and
    the recorded JSON body, exactly."""
    if live.path == "/oauth/token":
        assert json.loads(live.body)["grant_type"] == "refresh_token"
        return
    assert live.headers.get("X-Gusto-API-Version") == API_VERSION, "the API version must be pinned"
    assert live.headers.get("Authorization", "").startswith("Bearer <REDACTED-ACCESS-TOKEN-"), live.headers
    sent, recorded_body = (json.loads(r.body) if r.body else None for r in (live, recorded))
    assert sent == recorded_body, f"body {sent!r} is not the recorded {recorded_body!r}"


def replay(stem: str) -> Any:
    recorder = vcr.VCR(record_mode="none", cassette_library_dir=str(CASSETTES))
    recorder.register_matcher("wire", _wire)
    return recorder.use_cassette(f"{stem}.yaml", match_on=("method", "scheme", "host", "port", "path", "query", "wire"))


def _sync(stem: str, store: Store, stream: str = "employees", **settings: Any) -> Any:
    with replay(stem) as cassette:
        report = sync(RecordedGusto({**SETTINGS, **settings}), store, streams=[stream], prefetch=False)
    assert cassette.all_played, f"{stem}: {len(cassette.data) - cassette.play_count} recorded requests never sent"
    return report


def _employee(store: Store, n: int) -> Any:
    found = store.find("gusto", f"e0000000-0000-4000-8000-{n:012d}", "employee")
    assert found is not None
    return store.get("employee", found)


# ---------------------------------------------------------------- employees, jobs and compensations


def test_employees_are_paged_by_x_total_pages_with_their_primary_jobs_pay(store: Store) -> None:
    report = _sync("employees", store)
    assert (report.status, report.counters.created, report.counters.failed) == ("succeeded", 5, 0)
    hourly, monthly = _employee(store, 2), _employee(store, 3)
    assert (hourly.title, hourly.compensation.base.amount, hourly.compensation.period) == (
        "Account Executive", Decimal("42.50"), PayPeriod.HOURLY)
    assert (monthly.compensation.base.currency, monthly.compensation.period) == ("USD", PayPeriod.MONTHLY)
    assert _employee(store, 1).compensation.period == PayPeriod.ANNUAL
    assert _employee(store, 4).employment_status == EmploymentStatus.TERMINATED
    onboarding = _employee(store, 5)
    assert (onboarding.employment_status, onboarding.compensation) == (EmploymentStatus.PENDING, None)
    assert hourly.manager is not None and hourly.manager.external_id.endswith("000000000001")


def test_a_paycheck_rate_is_a_typed_error_naming_the_field_and_not_the_pay(store: Store) -> None:
    report = _sync("malformed", store)
    assert (report.counters.created, report.counters.failed) == (1, 1)
    [letter] = store.dead_letters(system="gusto")
    assert letter.error_code == "mapping-error" and "not in table 'pay_period'" in letter.error["reason"]
    assert letter.error.get("field_path") == "compensation.period"
    assert "Paycheck" not in json.dumps(letter.error), "pay is PII: the value is masked in the dead letter"


def test_a_company_the_token_may_not_read_is_a_permanent_error_with_gustos_message(store: Store) -> None:
    report = _sync("errors", store)
    error = report.streams[0].error or {}
    assert report.status != "succeeded" and error["code"] == "connector-permanent" and error["status"] == "404"
    assert "Company not found" in error["body"]


# ---------------------------------------------------------------- payrolls: one payslip per employee paid


def test_each_processed_payroll_is_a_payslip_per_employee_paid_in_decimal_dollars(store: Store) -> None:
    _sync("employees", store)
    report = _sync("payrolls", store, stream="payrolls")
    # 5 pay runs over 3 list pages, each fetched in 3 pages of 2 compensations, paying employees 1-4 and
    # excluding 5 (still onboarding): every page of every run is requested (the cassette is played whole)
    assert (report.status, report.counters.pages, report.counters.created, report.counters.failed) == (
        "succeeded", 3, 20, 0)
    run, avery = "9a700000-0000-4000-8000-000000000001", _employee(store, 1)
    found = store.find("gusto", f"{run}:{avery.external_ids['gusto']}", "payslip")
    assert found is not None
    payslip = store.get("payslip", found)
    assert payslip.employee.id == avery.id, "the payslip refers to the employee synced before it"
    assert (payslip.gross_pay.amount, payslip.net_pay.amount, payslip.net_pay.currency) == (
        Decimal("6250.00"), Decimal("4512.37"), "USD")
    period = (str(payslip.pay_period_start), str(payslip.pay_period_end), str(payslip.check_date))
    assert (period, payslip.payroll_id) == (("2024-05-01", "2024-05-15", "2024-05-20"), run)
    assert store.find("gusto", f"{run}:e0000000-0000-4000-8000-000000000005", "payslip") is None


def test_the_list_is_asked_for_no_compensations_and_each_payroll_is_fetched_in_its_company() -> None:
    gusto = RecordedGusto(SETTINGS)
    stream = gusto.stream("payrolls")
    assert "include" not in gusto.first_request(stream, since=None).params, "the list documents no such include"
    assert gusto.detail_url(stream, "p/1") == f"/v1/companies/{SETTINGS['company_uuid']}/payrolls/p%2F1"
    assert Gusto.compensations_per_page == COMPENSATIONS_PER_PAGE == 100, "a live sync asks for Gusto's most a page"


def test_a_fetched_payroll_without_its_compensations_is_a_malformed_page_naming_it() -> None:
    gusto = RecordedGusto(SETTINGS)
    with pytest.raises(MalformedPageError, match="employee_compensations") as refused:
        gusto.detail_records(gusto.stream("payrolls"), {}, {"payroll_uuid": "p-1"})
    assert refused.value.record_id == "p-1"
    with pytest.raises(MalformedPageError):
        gusto.detail_records(gusto.stream("payrolls"), {}, {"payroll_uuid": "p-1", "employee_compensations": ["e-1"]})
    with pytest.raises(MalformedPageError):  # no uuid in the answer nor in the listed item
        gusto.detail_records(gusto.stream("payrolls"), {}, {"employee_compensations": []})
    [payslip] = gusto.detail_records(gusto.stream("payrolls"), {"payroll_uuid": "p-2"},
                                     {"employee_compensations": [{"employee_uuid": "e-1", "gross_pay": "1.00"}]})
    assert (payslip["id"], payslip["_payroll"]) == ("p-2:e-1", {}), "the payroll asked for names the payslip"


@given(st.lists(st.tuples(st.uuids(), st.booleans()), unique_by=lambda paid: paid[0], max_size=30),
       st.integers(min_value=1, max_value=7))
def test_each_page_of_a_payroll_gives_one_payslip_per_employee_paid_and_no_other(
        paid: list[tuple[Any, bool]], per: int) -> None:
    gusto = RecordedGusto(SETTINGS)
    run = {"payroll_uuid": "p-1", "check_date": "2024-06-14", "pay_period": {"start_date": "2024-06-01"}}
    compensations = [{"employee_uuid": str(uuid), "excluded": excluded} for uuid, excluded in paid]
    pages = [compensations[start:start + per] for start in range(0, len(compensations), per)] or [[]]
    records = [record for page in pages for record in gusto.detail_records(
        gusto.stream("payrolls"), {"payroll_uuid": "p-1"}, {**run, "employee_compensations": page})]
    assert [record["id"] for record in records] == [f"p-1:{uuid}" for uuid, excluded in paid if not excluded]
    assert all(record["_payroll"] == run for record in records), "every payslip carries the run, not its list"


# ---------------------------------------------------------------- OAuth2: refresh on 401, rotation kept


def test_a_401_refreshes_once_with_the_rotated_refresh_token_which_is_kept(store: Store, tmp_path: Path,
                                                                           caplog: pytest.LogCaptureFixture) -> None:
    kept = tmp_path / "gusto.refresh"
    caplog.set_level(logging.DEBUG)
    report = _sync("token_refresh", store, refresh_token_file=str(kept))
    assert report.status == "succeeded" and report.counters.created == 5
    assert kept.read_text() == "<REDACTED-ROTATED-REFRESH-TOKEN-2>"  # the second answer's token, not the first's
    assert kept.stat().st_mode & 0o777 == 0o600
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("vcr"))  # vcr logs the cassette
    assert "REFRESH-TOKEN" not in ours and SETTINGS["refresh_token"] not in ours


def test_the_kept_refresh_token_wins_over_the_setting_and_one_authenticator_serves_every_client(tmp_path: Path) -> None:
    kept = RefreshTokenFile(tmp_path / "gusto.refresh")
    kept.write("<REDACTED-ROTATED-REFRESH-TOKEN-1>")
    gusto = Gusto({**SETTINGS, "refresh_token_file": str(kept.path)})
    assert gusto.authenticator().refresh_token == "<REDACTED-ROTATED-REFRESH-TOKEN-1>"
    with gusto.client() as one, gusto.client() as two:
        assert one._auth is two._auth is gusto.authenticator()  # noqa: SLF001 — the shared one is the point


def test_the_token_request_is_the_documented_json_refresh_grant() -> None:
    auth = Gusto(SETTINGS).authenticator()
    sent = auth._token_request()  # noqa: SLF001 — the request itself is what is documented
    assert (sent.method, str(sent.url)) == ("POST", "https://api.gusto.com/oauth/token")
    assert json.loads(sent.content) == {"client_id": SETTINGS["client_id"], "client_secret": SETTINGS["client_secret"],
                                        "grant_type": "refresh_token", "refresh_token": SETTINGS["refresh_token"]}
    demo = Gusto({**SETTINGS, "base_url": "https://api.gusto-demo.com"}).authenticator()
    assert str(demo._token_request().url) == "https://api.gusto-demo.com/oauth/token"  # noqa: SLF001


# ---------------------------------------------------------------- webhooks


def _signed(raw: bytes, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    return {"X-Gusto-Signature": hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()}


def test_a_signed_event_names_its_uuid_and_an_employee_event_the_employee() -> None:
    raw = (WEBHOOKS / "webhook_employee_updated.json").read_bytes()
    delivery = Gusto(SETTINGS).parse_webhook(_signed(raw), raw)
    assert delivery.delivery_id == json.loads(raw)["uuid"]
    assert delivery.records == [("employee_events", {"entity_uuid": json.loads(raw)["entity_uuid"],
                                                     "event_type": "employee.updated"})]
    older = (WEBHOOKS / "webhook_without_uuid.json").read_bytes()  # the App Integrations example has no uuid
    assert Gusto(SETTINGS).parse_webhook(_signed(older), older).delivery_id == "sha256:" + hashlib.sha256(older).hexdigest()
    paid = (WEBHOOKS / "webhook_payroll_paid.json").read_bytes()
    assert Gusto(SETTINGS).parse_webhook(_signed(paid), paid).records == []  # no payroll kind: nothing kept


@pytest.mark.parametrize("headers", [{}, {"X-Gusto-Signature": "0" * 64}, "other-secret"])
def test_an_event_signed_otherwise_is_refused(headers: Any) -> None:
    raw = (WEBHOOKS / "webhook_employee_updated.json").read_bytes()
    sent = _signed(raw, headers) if isinstance(headers, str) else headers
    with pytest.raises(WebhookVerificationError):
        Gusto(SETTINGS).parse_webhook(sent, raw)


def test_the_verification_handshake_is_answered_storing_nothing_and_logging_no_token(
        caplog: pytest.LogCaptureFixture) -> None:
    raw = (WEBHOOKS / "webhook_verification.json").read_bytes()
    caplog.set_level(logging.WARNING)
    assert Gusto(SETTINGS).webhook_answer({}, raw) == {}
    assert "verification_token" in caplog.text and json.loads(raw)["verification_token"] not in caplog.text
    event = (WEBHOOKS / "webhook_employee_updated.json").read_bytes()
    assert Gusto(SETTINGS).webhook_answer(_signed(event), event) is None  # an event is a delivery


def test_settings_are_checked_when_the_connector_is_built() -> None:
    with pytest.raises(ConfigError, match="company_uuid"):
        Gusto({key: value for key, value in SETTINGS.items() if key != "company_uuid"})
    with pytest.raises(ConfigError, match="refresh_token_file"):
        Gusto({**SETTINGS, "refresh_token_file": 7}).authenticator()


def test_a_rotated_refresh_token_that_cannot_be_kept_stops_the_run_naming_the_setting(tmp_path: Path) -> None:
    kept = RefreshTokenFile(tmp_path / "missing-folder" / "gusto.refresh")
    with pytest.raises(ConfigError, match="refresh_token_file") as refused:
        kept.write("<REDACTED-ROTATED-REFRESH-TOKEN-9>")
    assert "ROTATED" not in str(refused.value)
