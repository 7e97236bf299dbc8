"""Contract tests of the Lever Data API v1 connector: the recorded conversation, replayed.

The cassettes in tests/cassettes/hr_suites/lever/ hold what https://hire.lever.co/developer/documentation
documents (docs/connectors/lever.md). vcrpy replays them with ``record_mode="none"`` and matches
method, URL and the *exact* query, so an offset token sent without ``limit``, a wrong incremental
filter or a request the docs do not describe finds no recording and fails. A matcher of our own also
checks the credential on the wire: HTTP Basic with the API key as user name and a blank password.

The syncs run the real connector through the real sync engine into a real SQLite store.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
import vcr
from hypothesis import given
from hypothesis import strategies as st

from hub.core.errors import AuthError, PermanentConnectorError, WebhookVerificationError
from hub.core.models import ApplicationStatus, OfferStatus, PayPeriod, RecommendationLevel
from hub.core.store import Store
from hub.core.sync import sync
from hub.core.mapping import load_mapping
from plugins.hr_suites.lever import RATINGS, Lever, feedback_values, offer_values, status_key

REPO = Path(__file__).resolve().parents[3]
CASSETTES = REPO / "tests" / "cassettes" / "hr_suites" / "lever"
WEBHOOKS = REPO / "tests" / "fixtures" / "lever"
API_KEY, WEBHOOK_SECRET = "test-api-key-not-real", "test-signature-token-not-real"
SETTINGS = {"api_key": API_KEY, "webhook_secret": WEBHOOK_SECRET, "salary_period": "annual"}
BASIC = "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode()
TRIGGERED_MS = 1_717_200_000_000 + 12 * 86_400_000  # the samples' triggeredAt (_build.TRIGGERED)


class RecordedLever(Lever):
    """The connector as the cassettes were recorded: 2 records a page, the clock a minute after the samples."""

    page_size = 2
    webhook_clock = staticmethod(lambda: TRIGGERED_MS / 1000 + 60)


def _credentials(live: Any, recorded: Any) -> None:
    """vcr matcher: HTTP Basic, the API key as user name and a blank password, on every request."""
    assert live.headers.get("Authorization") == BASIC, "every request must carry HTTP Basic <api key>:"


REPLAY = vcr.VCR(record_mode="none", cassette_library_dir=str(CASSETTES))
REPLAY.register_matcher("credentials", _credentials)
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "credentials")


def _sync(stem: str, stream: str, store: Store, **kwargs: Any) -> Any:
    with REPLAY.use_cassette(f"{stem}.yaml", match_on=MATCH_ON) as cassette:
        report = sync(RecordedLever(dict(SETTINGS)), store, streams=[stream], prefetch=False, **kwargs)
    assert cassette.all_played, f"{stem}: {len(cassette.data) - cassette.play_count} recorded requests never sent"
    return report


def _application(store: Store, number: int) -> Any:
    found = store.find("lever", f"0bb00001-0000-4000-8000-{number:012d}", "application")
    assert found is not None
    return store.get("application", found)


# ---------------------------------------------------------------- pulled pages


def test_opportunities_become_applications_with_the_canonical_status(store: Store) -> None:
    report = _sync("opportunities", "opportunities", store)
    assert report.status == "succeeded" and report.counters.created == 5 and report.counters.pages == 3
    statuses = [_application(store, n).status for n in range(1, 6)]
    assert statuses == [ApplicationStatus.SCREENING, ApplicationStatus.INTERVIEWING, ApplicationStatus.HIRED,
                        ApplicationStatus.WITHDRAWN, ApplicationStatus.APPLIED]
    withdrawn = _application(store, 4)
    assert (withdrawn.stage, withdrawn.reject_reason, withdrawn.status_raw) == (
        "New applicant", "Withdrew", "archived:Withdrew")
    assert withdrawn.candidate.external_id == "c0ca0001-0000-4000-8000-000000000004"


def test_the_contact_becomes_the_candidate(store: Store) -> None:
    report = _sync("candidates", "candidates", store)
    assert report.status == "succeeded" and report.counters.created == 5
    candidate = store.get("candidate", store.find("lever", "c0ca0001-0000-4000-8000-000000000002", "candidate"))
    assert (candidate.name, candidate.emails, candidate.phones, candidate.location) == (
        "Test Candidate Two", ["test.candidate2@example.com"], ["+14155550102"], "Springfield")


def test_the_cursor_is_the_latest_updated_at_in_ms_and_the_next_run_filters_from_it(store: Store) -> None:
    _sync("opportunities", "opportunities", store)
    report = _sync("resume", "opportunities", store)  # the cassette's first request: updated_at_start=<ms>
    assert report.status == "succeeded" and report.counters.pages == 1


@pytest.mark.parametrize(("path", "params", "status", "code"), [
    ("/opportunities/0bb00001-0000-4000-8000-000000000999", None, 404, "ResourceNotFound"),
    ("/opportunities", {"limit": 101}, 400, "BadRequestError"),
])
def test_documented_error_bodies_are_typed_errors_and_not_retried(path: str, params: Any, status: int,
                                                                 code: str) -> None:
    with REPLAY.use_cassette("errors.yaml", match_on=MATCH_ON, allow_playback_repeats=True), \
            RecordedLever(dict(SETTINGS)).client() as client, pytest.raises(PermanentConnectorError) as caught:
        client.request("GET", path, params=params)
    assert caught.value.context["status"] == status and code in caught.value.context["body"]
    assert caught.value.context["attempts"] == 1, "a 4xx is not retried"


def test_a_refused_key_is_an_auth_error_naming_the_vendor_code() -> None:
    connector = RecordedLever(dict(SETTINGS))
    with REPLAY.use_cassette("errors.yaml", match_on=MATCH_ON, allow_playback_repeats=True), \
            connector.client() as client, pytest.raises(AuthError) as caught:
        connector.reference(client)  # its first request, GET /stages, is answered 401
    assert caught.value.context["status"] == 401 and "UnauthorizedError" in caught.value.context["body"]


def _stored(store: Store, kind: str, external_id: str) -> Any:
    found = store.find("lever", external_id, kind)
    assert found is not None, f"{kind} {external_id} not stored"
    return store.get(kind, found)


def test_feedback_is_listed_per_opportunity_and_becomes_assessments_of_its_application(store: Store) -> None:
    report = _sync("feedback", "feedback", store)  # every opportunity's /feedback, page by page, offset token
    assert report.status == "succeeded" and report.counters.created == 5 and report.counters.pages == 3
    no_hire = _stored(store, "assessment", "feed0001-0000-4000-8000-000000000003")
    assert no_hire.application.external_id == "0bb00001-0000-4000-8000-000000000002"
    assert no_hire.candidate.external_id == "c0ca0001-0000-4000-8000-000000000002"
    assert (no_hire.recommendation.level, no_hire.recommendation.raw) == (RecommendationLevel.NO, "No Hire")
    assert str(no_hire.overall.normalized) == "33.33"
    assert [(d.label, d.score and d.score.value, d.evidence) for d in no_hire.dimensions] == [
        ("Communication", "2", ["Ran out of time."]), ("Coding", None, [])]
    assert no_hire.remote_data["_parent"] == {"id": "0bb00001-0000-4000-8000-000000000002",
                                              "contact": "c0ca0001-0000-4000-8000-000000000002"}


def test_offers_carry_their_salary_as_money(store: Store) -> None:
    report = _sync("offers", "offers", store)
    assert report.status == "succeeded" and report.counters.created == 3
    signed = _stored(store, "offer", "0ffe0001-0000-4000-8000-000000000003")
    assert (signed.status, signed.status_raw) == (OfferStatus.ACCEPTED, "signed")
    assert (str(signed.compensation.base.amount), signed.compensation.base.currency, signed.compensation.period) == (
        "105000", "USD", PayPeriod.ANNUAL)
    assert signed.application.external_id == "0bb00001-0000-4000-8000-000000000003"


def test_an_offer_without_a_pay_period_is_a_dead_letter_naming_it(store: Store) -> None:
    with REPLAY.use_cassette("offers.yaml", match_on=MATCH_ON):
        report = sync(RecordedLever({"api_key": API_KEY}), store, streams=["offers"], prefetch=False)
    assert report.status == "succeeded" and report.counters.failed == 3
    assert all("compensation.period" in str(letter.error) for letter in store.dead_letters(system="lever"))


def test_the_reference_lists_are_read_again_only_for_an_id_they_lack() -> None:
    connector = RecordedLever(dict(SETTINGS))
    with REPLAY.use_cassette("reference.yaml", match_on=MATCH_ON, allow_playback_repeats=True) as cassette, \
            connector.client() as client:
        stages, _ = connector.reference(client)
        connector.reference(client, ["offer"], [None])       # named already: nothing read
        connector.reference(client, ["stage-created-later"])  # lacking: both lists read again
        connector.reference(client, ["stage-created-later"])  # still lacking: remembered, not read again
    assert stages["offer"] == "Offer" and cassette.play_count == 2 * len(cassette.data)


# ---------------------------------------------------------------- the derived values


@given(st.one_of(st.integers(-3, 8), st.sampled_from(["Strong Hire", "strong_no_hire", "no-hire", " HIRE ", "4"]),
                 st.text(max_size=12), st.none()))
def test_the_overall_rating_is_one_of_the_four_or_kept_as_sent(value: Any) -> None:
    values = feedback_values({"fields": [{"type": "score-system", "value": value}]})
    if value is None:
        assert values["rating"] is None and values["rating_raw"] is None
        return
    assert values["rating_raw"] == str(value)
    if isinstance(value, int):
        assert values["rating"] == (RATINGS[value - 1] if 1 <= value <= 4 else value)
    else:
        assert values["rating"] in RATINGS or values["rating"] == value


def test_rating_words_and_numbers_agree() -> None:
    words = [feedback_values({"fields": [{"type": "score-system", "value": v}]})["rating"]
             for v in ("Strong No Hire", 2, "hire", "STRONG_HIRE")]
    assert words == list(RATINGS)


@given(st.lists(st.tuples(st.text(min_size=1, max_size=8), st.none() | st.integers(1, 4)), max_size=5),
       st.integers(0, 5))
def test_scorecard_rows_pair_each_skill_with_its_value_and_lose_none(skills: list[Any], given_values: int) -> None:
    field = {"type": "scorecard", "scores": [{"text": t} for t, _ in skills],
             "value": [{"score": score, "comment": None} for _, score in skills][:given_values]}
    rows = feedback_values({"fields": [field]})["dimensions"]
    assert [row["label"] for row in rows] == [t for t, _ in skills]
    assert [row["score"] for row in rows] == [score if i < given_values else None for i, (_, score) in enumerate(skills)]


@given(amount=st.none() | st.integers(0, 10**7), currency=st.none() | st.sampled_from(["USD", "EUR"]),
       period=st.none() | st.sampled_from(["monthly", "annual"]))
def test_offer_values_read_the_named_fields_only(amount: Any, currency: Any, period: Any) -> None:
    fields = [{"identifier": "pay", "value": amount}, {"identifier": "cur", "value": currency},
              {"identifier": "salary_amount", "value": 1}]
    values = offer_values({"fields": fields}, {"salary_field": "pay", "currency_field": "cur"}, period)
    assert values["salary"] == (None if amount is None else {"amount": amount, "currency": currency, "period": period})


@given(stage=st.text(max_size=20), reason=st.sampled_from(["r-hired", "r-other", "r-unknown", None]))
def test_status_key_is_total_and_an_archive_reason_wins_over_the_stage(stage: str, reason: str | None) -> None:
    stages = {"s": stage}
    reasons = {"r-hired": {"text": "Hired", "type": "hired"}, "r-other": {"text": "Timing", "type": "non-hired"}}
    key = status_key({"stage": "s", "archived": {"reason": reason} if reason else None}, stages, reasons)
    expected = {"r-hired": "hired", "r-other": "archived:Timing", "r-unknown": "archived:", None: f"stage:{stage}"}
    assert key == expected[reason]


PHONES = st.sampled_from(["+1 415-555-0101", " 415-555-0102 ", "+44 20 7946 0958", ""])


@given(st.lists(st.one_of(st.none(), PHONES, st.fixed_dictionaries({"type": st.just("mobile"), "value": st.none() | PHONES}))))
def test_every_phone_value_is_a_phone_of_the_candidate_and_nothing_else(phones: list[Any]) -> None:
    """candidate.yaml's ``phones[*].value``: every number of the list, whatever its type; blanks and
    bare strings (not Lever's shape) left out."""
    mapping = load_mapping(Lever({"api_key": "k"}).mapping_path("candidate.yaml"))
    got = mapping.apply({"contact": "c-1", "name": "Test Candidate", "phones": phones}).get("phones") or []
    wanted = [p["value"] for p in phones if isinstance(p, dict) and p["value"] and p["value"].strip()]
    assert len(got) == len(set(wanted)) and all(number.startswith("+") for number in got)


# ---------------------------------------------------------------- webhooks


def _signed(token: str, triggered: int, secret: str = WEBHOOK_SECRET) -> bytes:
    signature = hmac.new(secret.encode(), f"{token}{triggered}".encode(), hashlib.sha256).hexdigest()
    return json.dumps({"event": "applicationCreated", "token": token, "triggeredAt": triggered,
                       "signature": signature, "data": {}}).encode()


def test_a_webhook_signed_over_token_and_triggered_at_is_taken_and_keyed_by_both() -> None:
    assert RecordedLever(dict(SETTINGS)).verify_webhook({}, _signed("tok-1", TRIGGERED_MS)) == f"tok-1:{TRIGGERED_MS}"


@pytest.mark.parametrize(("body", "reason"), [
    (_signed("tok-1", TRIGGERED_MS, secret="another-token"), "does not match"),
    (_signed("tok-1", TRIGGERED_MS - 301_000), "older than webhook_tolerance_seconds"),
    (_signed("tok-1", TRIGGERED_MS + 3_600_000), "future"),
    (json.dumps({"token": "tok-1", "triggeredAt": "soon", "signature": "00"}).encode(), "not milliseconds"),
    (json.dumps({"triggeredAt": TRIGGERED_MS}).encode(), "no token or signature"),
    (b"[1]", "not a JSON object"),
])
def test_a_bad_webhook_is_refused_naming_why(body: bytes, reason: str) -> None:
    with pytest.raises(WebhookVerificationError, match=reason):
        RecordedLever(dict(SETTINGS)).verify_webhook({}, body)


def test_the_stale_window_is_a_setting() -> None:
    old = _signed("tok-1", TRIGGERED_MS - 3_000_000)
    assert RecordedLever({**SETTINGS, "webhook_tolerance_seconds": 3600}).verify_webhook({}, old) == f"tok-1:{TRIGGERED_MS - 3_000_000}"


def test_a_signed_delivery_naming_no_opportunity_carries_no_record() -> None:
    ping = json.loads(_signed("tok-1", TRIGGERED_MS))
    ping.update(event="candidateStageChange", data={})  # Lever's test delivery from its settings page
    assert RecordedLever(dict(SETTINGS)).parse_webhook({}, json.dumps(ping).encode()).records == []
