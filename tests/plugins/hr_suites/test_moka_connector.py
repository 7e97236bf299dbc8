"""Contract tests of the Moka connector: the documented conversation, replayed.

The cassettes in tests/cassettes/hr_suites/moka/ hold what Moka's API documents say
(docs/connectors/moka.md). vcrpy replays them with ``record_mode="none"`` and matches method, URL,
exact query and — a matcher of our own — the JSON body, so a POST page that re-sends the filters
beside ``next``, or a first request without them, finds no recording and fails. The syncs run the
real connector through the real sync engine into a real SQLite store.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import vcr
from hypothesis import given
from hypothesis import strategies as st

from hub.core.errors import AuthError, ConfigError, PermanentConnectorError, WebhookVerificationError
from hub.core.models import ApplicationStatus, OfferStatus, PayPeriod, RecommendationLevel
from hub.core.store import Store
from hub.core.sync import ingest_webhook, sync
from hub.testing.cassettes import PLACEHOLDER
from hub.testing.cassettes import json_bodies_vcr as hub_json_bodies_vcr
from plugins.hr_suites.moka import (
    Moka,
    application_status_key,
    archive_reasons,
    feedback_dimensions,
    feedback_verdict,
    offer_values,
)

REPO = Path(__file__).resolve().parents[3]
CASSETTES = REPO / "tests" / "cassettes" / "hr_suites" / "moka"
WEBHOOK = REPO / "tests" / "fixtures" / "moka" / "webhook_application_updated.json"
WEBHOOK_SECRET = "test-webhook-signing-key-not-real"
SETTINGS = {"api_key": "test-api-key-not-real", "offer_stage_ids": [3301, 3302],
            "salary_periods": {"1": "monthly", "2": "annual"}, "webhook_secret": WEBHOOK_SECRET,
            "webhook_events": {"application.updated": "applications"}}
OAUTH2 = {"auth": "oauth2", "client_id": "test-client-id", "client_secret": "test-client-secret-not-real"}


class RecordedMoka(Moka):
    """The connector as the cassettes were recorded: 2 records a page (interviewer feedback too)."""

    page_size = 2
    streams = tuple(replace(s, page_size=None) if s.name == "interviewer_feedbacks" else s for s in Moka.streams)


def sign(raw_body: bytes, secret: str = WEBHOOK_SECRET) -> str:
    """Moka's ``sign``: hex HMAC-SHA256 of the body with the signing key."""
    return hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def _scrubbed(value: Any) -> Any:
    """A JSON body with Moka's ``clientID`` (a credential no generic name gives away) as the cassettes hold it."""
    if isinstance(value, dict):
        return {k: PLACEHOLDER if k == "clientID" else _scrubbed(v) for k, v in value.items()}
    return value


def json_bodies_vcr(folder: Path) -> vcr.VCR:
    """The scrubbing VCR, also matching JSON bodies (Moka's POST lists page in the body)."""
    return hub_json_bodies_vcr(folder, scrub=_scrubbed)


def _stored(store: Store, kind: str, external_id: str) -> Any:
    return store.get(kind, store.find("moka", external_id, kind))


def _sync(connector: Moka, store: Store, cassette: str, stream: str) -> Any:
    with json_bodies_vcr(CASSETTES).use_cassette(f"{cassette}.yaml", allow_playback_repeats=False) as played:
        report = sync(connector, store, streams=[stream], prefetch=False)
    return report, played


# ---------------------------------------------------------------- pulls


def test_applications_page_with_next_alone_and_map_chinese_stages(store: Store) -> None:
    report, played = _sync(RecordedMoka(SETTINGS), store, "applications", "applications")
    assert report.status == "succeeded" and played.all_played and report.counters.pages == 3
    statuses = {app_id: _stored(store, "application", app_id) for app_id in ("8001", "8002", "8003", "8004")}
    assert statuses["8001"].status is ApplicationStatus.SCREENING and statuses["8001"].stage == "初筛"
    assert statuses["8003"].status is ApplicationStatus.OFFER
    assert statuses["8004"].status is ApplicationStatus.REJECTED and statuses["8004"].reject_reason == "能力不匹配"


def test_feedback_becomes_an_assessment_with_numeric_dimensions(store: Store) -> None:
    report, _ = _sync(RecordedMoka(SETTINGS), store, "interviewer_feedbacks", "interviewer_feedbacks")
    assert report.counters.failed == 0
    first = _stored(store, "assessment", "5001")
    assert first.recommendation.level is RecommendationLevel.YES and first.recommendation.raw == "满意"
    assert [(d.label, d.score.value) for d in first.dimensions] == [("沟通能力", "4"), ("专业能力", "3.5")]
    old_style = _stored(store, "assessment", "5004")  # only the deprecated four-point result
    assert old_style.recommendation.level is RecommendationLevel.DEFINITELY_NOT and old_style.dimensions == []


def test_offers_carry_money_in_decimal_and_the_beijing_start_day(store: Store) -> None:
    report, _ = _sync(RecordedMoka(SETTINGS), store, "offers", "offers")
    assert report.counters.failed == 0
    accepted = _stored(store, "offer", "9001")
    assert accepted.status is OfferStatus.ACCEPTED and str(accepted.start_date) == "2024-07-01"
    assert (accepted.compensation.base.amount, accepted.compensation.base.currency,
            accepted.compensation.period) == (25000, "CNY", PayPeriod.MONTHLY)
    assert str(_stored(store, "offer", "9003").compensation.base.amount) == "18000.50"


def test_an_offer_whose_salary_type_is_not_configured_keeps_the_text_only(store: Store) -> None:
    _sync(RecordedMoka({**SETTINGS, "salary_periods": {}}), store, "offers", "offers")
    offer = _stored(store, "offer", "9002")
    assert offer.compensation is None and offer.salary_raw == "300000 (salaryType 2)"


def test_oauth2_trades_the_client_credentials_for_a_bearer_token() -> None:
    """getToken first (its JSON body matched, credentials scrubbed), then the page with the token."""
    connector = RecordedMoka({**{k: v for k, v in SETTINGS.items() if k != "api_key"}, **OAUTH2})
    stream = Moka.stream("applications")
    with json_bodies_vcr(CASSETTES).use_cassette("oauth2.yaml") as played, connector.client() as client:
        pages = list(connector.pages(client, stream, connector.first_request(stream, since=None)))
    assert played.all_played and [r["applicationId"] for page in pages for r in page.records] == [8001]


# ---------------------------------------------------------------- errors


def _errors_client(settings: dict[str, Any]) -> Any:
    return RecordedMoka({**SETTINGS, **settings, "retry": {"max_attempts": 1}}).client()


def test_a_non_200_code_on_http_200_is_a_typed_error_with_the_vendor_code() -> None:
    with json_bodies_vcr(CASSETTES).use_cassette("errors.yaml", allow_playback_repeats=True), \
            _errors_client({}) as client:
        with pytest.raises(PermanentConnectorError) as failed:
            client.request("POST", "/v2/data/ehrApplications", json={"needAttachment": False, "limit": 50})
    assert failed.value.context["vendor_code"] == "400" and failed.value.context["vendor_message"] == "limit不能大于20"
    assert failed.value.context["system"] == "moka"


def test_a_bad_api_key_is_an_auth_error() -> None:
    with json_bodies_vcr(CASSETTES).use_cassette("errors.yaml", allow_playback_repeats=True), \
            _errors_client({}) as client:
        with pytest.raises(AuthError):
            client.request("GET", "/v1/talentPool/candidates")


def test_code_110020_is_an_auth_error_on_the_token_request_and_on_a_call() -> None:
    with json_bodies_vcr(CASSETTES).use_cassette("errors.yaml", allow_playback_repeats=True):
        with _errors_client(OAUTH2) as client, pytest.raises(AuthError) as refused_token:
            client.request("GET", "/v1/data/interviewer_feedbacks", params={"fromTime": "2024-06-01"})
        assert "110020" in str(refused_token.value.context.get("body"))
        with _errors_client({}) as client, pytest.raises(AuthError) as refused_call:
            client.request("GET", "/v1/data/interviewer_feedbacks", params={"fromTime": "2024-06-01"})
    assert refused_call.value.context["vendor_code"] == "110020"


@pytest.mark.parametrize("settings", [{"auth": "token"}, {"auth": "oauth2", "client_id": "c"}, {"api_key": ""}])
def test_an_incomplete_auth_setting_names_what_is_missing(settings: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="auth|client_secret|api_key"):
        Moka({**SETTINGS, **settings}).client()


def test_an_application_without_an_offer_is_left_to_the_applications_stream() -> None:
    """The offers pass keeps the applications carrying an offer (here over the unfiltered listing):
    8001, 8002 and 8004 have none and are stored by the applications stream only."""
    connector = RecordedMoka(SETTINGS)
    with json_bodies_vcr(CASSETTES).use_cassette("applications.yaml"), connector.client() as client:
        request = connector.first_request(Moka.stream("applications"), since=None)
        pages = list(connector.pages(client, Moka.stream("offers"), request))
    assert [[r["offer"]["id"] for r in page.records] for page in pages] == [[], [9001], [9002, 9003]]


# ---------------------------------------------------------------- webhooks


def test_a_webhook_signed_in_the_url_is_stored_and_its_id_refuses_a_replay(store: Store) -> None:
    raw = WEBHOOK.read_bytes()
    counters = ingest_webhook(Moka(SETTINGS), {}, raw, store, query={"sign": sign(raw)})
    assert counters.created == 1 and _stored(store, "application", "8002").status is ApplicationStatus.SECOND_INTERVIEW
    with pytest.raises(WebhookVerificationError):
        ingest_webhook(Moka(SETTINGS), {"sign": sign(raw)}, raw, store)  # a header is not the URL


def test_the_stringified_mode_checks_the_body_written_again_as_json_stringify() -> None:
    raw = json.dumps(json.loads(WEBHOOK.read_bytes()), ensure_ascii=False, indent=2).encode()  # pretty-printed
    stringified = json.dumps(json.loads(raw), ensure_ascii=False, separators=(",", ":")).encode()
    moka = Moka({**SETTINGS, "webhook_signed_bytes": "stringified"})
    assert moka.parse_webhook({}, raw, query={"sign": sign(stringified)}).delivery_id == "wh-20240612-0001"
    with pytest.raises(WebhookVerificationError):
        Moka(SETTINGS).parse_webhook({}, raw, query={"sign": sign(stringified)})
    with pytest.raises(ConfigError, match="webhook_signed_bytes"):
        Moka({**SETTINGS, "webhook_signed_bytes": "sorted"}).parse_webhook({}, raw, query={"sign": sign(raw)})


def test_an_event_not_configured_is_acknowledged_with_nothing_stored(store: Store) -> None:
    body = json.loads(WEBHOOK.read_bytes())
    raw = json.dumps({**body, "event": "job.updated"}, ensure_ascii=False).encode()
    assert ingest_webhook(Moka(SETTINGS), {}, raw, store, query={"sign": sign(raw)}).records == 0


# ---------------------------------------------------------------- the `_hub` rules (property tests)

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=8))


@given(st.one_of(_scalars, st.dictionaries(st.text(max_size=6), _scalars, max_size=6),
                 st.lists(st.dictionaries(st.sampled_from(["name", "title", "value", "score", "x"]), _scalars),
                          max_size=6)))
def test_feedback_dimensions_are_numbers_only_and_never_raise(template: Any) -> None:
    for dimension in feedback_dimensions(template):
        assert dimension["key"] == dimension["label"] and dimension["label"]
        float(dimension["value"])  # a finite number's text


@given(st.fixed_dictionaries({}, optional={"resultType": st.one_of(st.none(), st.integers(0, 1)),
                                           "result": st.one_of(st.none(), st.integers(1, 4))}))
def test_the_verdict_prefers_result_type_and_falls_back_to_result(record: dict[str, Any]) -> None:
    verdict = feedback_verdict(record)
    if record.get("resultType") is not None:
        assert verdict == f"resultType:{record['resultType']}"
    elif record.get("result") is not None:
        assert verdict == f"result:{record['result']}"
    else:
        assert verdict is None


_moka_times = st.datetimes().map(lambda d: d.isoformat(timespec="milliseconds") + "Z")


@given(st.fixed_dictionaries({}, optional={"salaryNumber": _scalars,
                                           "salaryType": st.one_of(st.none(), st.integers(0, 3)),
                                           "checkinDate": st.one_of(st.none(), st.text(max_size=30), _moka_times)}))
def test_offer_values_keep_the_salary_text_and_money_only_for_a_known_period(offer: dict[str, Any]) -> None:
    values = offer_values(offer, "CNY", {"1": "monthly"})
    salary = values["salary"]
    assert (salary is None) == (offer.get("salaryNumber") is None)
    if salary and "amount" in salary:
        assert str(offer.get("salaryType")) == "1" and salary["currency"] == "CNY" and salary["period"] == "monthly"


@given(st.fixed_dictionaries({"archived": st.one_of(st.none(), st.booleans()), "stageName": st.text(max_size=6)}),
       st.one_of(st.none(), st.text(max_size=6), st.lists(st.one_of(st.none(), st.text(max_size=6)), max_size=4)))
def test_status_key_and_reasons(record: dict[str, Any], reasons: Any) -> None:
    assert application_status_key(record) == ("archived" if record["archived"] is True else record["stageName"])
    text = archive_reasons(reasons)
    assert text is None or (text.strip() and not text.startswith("；"))
