"""Contract tests of the Greenhouse Harvest v3 connector: the recorded v3 conversation, replayed.

The cassettes in tests/cassettes/hr_suites/greenhouse/ hold what https://harvestdocs.greenhouse.io
documents (docs/connectors/greenhouse.md). vcrpy replays them with ``record_mode="none"`` and matches
method, URL and the *exact* query, so a request with a filter after the first page, a cursor with
another parameter or a wrong incremental filter finds no recording and fails. A matcher of our own
also checks the credentials on the wire: HTTP Basic client id and secret on the token request, the
bearer token the token endpoint handed out on every API call.

The syncs run the real connector through the real sync engine into a real SQLite store.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
import vcr
import yaml
from hypothesis import given
from hypothesis import strategies as st

from hub.core.errors import PermanentConnectorError, WebhookVerificationError
from hub.core.models import ApplicationStatus
from hub.core.plugins import get_plugin_manager, load_registry
from hub.core.store import Store
from hub.core.sync import sync
from hub.core.sync_state import StreamState
from hub.core.mapping import load_mapping
from plugins.hr_suites.greenhouse import Greenhouse, offer_salary

REPO = Path(__file__).resolve().parents[3]
CASSETTES = REPO / "tests" / "cassettes" / "hr_suites" / "greenhouse"
WEBHOOKS = REPO / "tests" / "fixtures" / "greenhouse"
CLIENT_ID, CLIENT_SECRET = "test-client-id", "test-client-secret-not-real"
WEBHOOK_SECRET = "test-webhook-secret-not-real"
SETTINGS = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "user_id": "4080", "salary_period": "annually",
            "webhook_secret": WEBHOOK_SECRET}
BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


class RecordedGreenhouse(Greenhouse):
    """The connector as the cassettes were recorded: 2 records a page, the clock before the token expiry."""

    page_size = 2
    token_clock = staticmethod(lambda: 1_718_000_000.0)  # 2024-06-10, before the recorded expires_at


def _credentials(live: Any, recorded: Any) -> None:
    """vcr matcher: Basic client credentials and the form on the token request, a handed-out bearer token elsewhere."""
    auth = live.headers.get("Authorization", "")
    if live.uri.startswith("https://auth.greenhouse.io/"):
        assert auth == BASIC, "the token request must carry HTTP Basic client id and secret"
        body = live.body.decode() if isinstance(live.body, bytes) else live.body
        assert dict(parse_qsl(body)) == {"grant_type": "client_credentials", "sub": "4080"}
    else:
        assert auth.startswith("Bearer <REDACTED-ACCESS-TOKEN-"), f"not a token from the token endpoint: {auth!r}"


REPLAY = vcr.VCR(record_mode="none", cassette_library_dir=str(CASSETTES))
REPLAY.register_matcher("credentials", _credentials)
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "credentials")


def replay_sync(store: Store, stem: str, stream: str, **settings: Any) -> tuple[Any, Any]:
    """Sync one stream from a cassette, in-process: the cassette counts the requests it plays in this
    process, and these tests assert exactly which were made (the forked producer is covered in tests/sync)."""
    with REPLAY.use_cassette(f"{stem}.yaml", match_on=MATCH_ON) as cassette:
        report = sync(RecordedGreenhouse({**SETTINGS, **settings}), store, streams=[stream], prefetch=False)
    return report, cassette


def stored(store: Store, kind: str, external_id: int) -> Any:
    entity_id = store.find("greenhouse", str(external_id), kind)
    assert entity_id is not None, f"greenhouse {kind} {external_id} was not stored"
    return store.get(kind, entity_id)


# ---------------------------------------------------------------- protocol


def test_the_entry_point_registers_the_connector() -> None:
    assert load_registry(get_plugin_manager()).connectors["greenhouse"] is Greenhouse


def test_settings_default_to_the_v3_hosts_and_require_the_client_credentials() -> None:
    gh = Greenhouse({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    assert (gh.base_url, gh.settings["token_url"]) == ("https://harvest.greenhouse.io/v3", "https://auth.greenhouse.io/token")
    with pytest.raises(Exception, match="client_secret"):
        Greenhouse({"client_id": CLIENT_ID})


@pytest.mark.parametrize(("stem", "count", "pages"), [("departments", 3, 2), ("jobs", 3, 2), ("candidates", 5, 3),
                                                      ("applications", 5, 3), ("offers", 3, 2)])
def test_a_full_sync_fetches_one_token_and_follows_every_next_link(store: Store, stem: str, count: int, pages: int) -> None:
    report, cassette = replay_sync(store, stem, stem)
    assert report.status == "succeeded"
    assert (report.counters.pages, report.counters.records) == (pages, count)
    assert cassette.all_played and cassette.play_count == 1 + pages  # one token, then each page once


def test_incremental_sync_filters_from_the_stored_cursor_and_advances_it(store: Store) -> None:
    with store.transaction() as tx:
        store.set_cursor(tx, "greenhouse", "candidates", StreamState(since="2024-06-06T00:00:00.000Z").to_json())
    report, cassette = replay_sync(store, "incremental", "candidates")  # recorded: updated_at=gte|2024-06-06T…
    assert cassette.all_played and report.counters.created == 2
    assert StreamState.from_json(store.get_cursor(None, "greenhouse", "candidates")).since == "2024-06-07T09:00:00.000Z"


def test_a_429_is_retried_after_its_retry_after(store: Store) -> None:
    started = time.monotonic()
    report, cassette = replay_sync(store, "rate_limited", "jobs")
    assert report.status == "succeeded" and report.counters.created == 1 and cassette.all_played
    assert time.monotonic() - started >= 0.9, "Retry-After: 1 was not waited"


def test_a_refused_token_is_refreshed_and_the_request_sent_again(store: Store) -> None:
    report, cassette = replay_sync(store, "token_refresh", "departments")
    assert report.status == "succeeded" and report.counters.created == 1
    assert cassette.all_played  # token 1, the 401, token 2, the same request again


@pytest.mark.parametrize(("path", "params", "status", "body_part"), [
    ("/candidates/999999", None, 404, '"message":"Resource not found"'),
    ("/candidates", {"per_page": 501}, 422, '"field":"per_page"'),
])
def test_4xx_is_a_typed_error_keeping_the_vendor_body(path: str, params: Any, status: int, body_part: str) -> None:
    with REPLAY.use_cassette("errors.yaml", match_on=MATCH_ON, allow_playback_repeats=True), \
            RecordedGreenhouse(SETTINGS).client() as client, pytest.raises(PermanentConnectorError) as caught:
        client.request("GET", path, params=params)
    assert caught.value.context["status"] == status and body_part in caught.value.context["body"]
    assert caught.value.context["attempts"] == 1, "a 4xx is not retried"


def test_a_rejected_first_page_fails_the_stream_into_dead_letters(store: Store) -> None:
    class Oversized(RecordedGreenhouse):
        page_size = 501

    with REPLAY.use_cassette("errors.yaml", match_on=MATCH_ON):
        report = sync(Oversized(SETTINGS), store, streams=["candidates"])
    assert report.status == "failed" and report.streams[0].error["status"] == "422"
    (letter,) = store.dead_letters(system="greenhouse")
    assert letter.error_code == "connector-permanent" and "per_page" in letter.error["body"]


# ---------------------------------------------------------------- records → canonical entities


def test_every_stream_lands_as_valid_canonical_entities_with_the_raw_record_kept(store: Store) -> None:
    for stem in ("departments", "jobs", "candidates", "applications", "offers"):
        report, _ = replay_sync(store, stem, stem)
        assert report.counters.failed == 0, store.dead_letters(system="greenhouse")
    platform = stored(store, "department", 4002)
    assert platform.name == "Platform" and platform.parent.external_id == "4001"
    assert stored(store, "job", 5003).title == "Data Analyst"
    candidate = stored(store, "candidate", 1002)
    assert candidate.name == "Test Candidate Two" and candidate.emails == ["test.candidate2@example.com"]
    assert candidate.phones == ["+14155550102"] and candidate.location == "1 Example Street, Springfield"
    assert candidate.remote_data["phone_numbers"] == [{"value": "+1 415-555-0102", "type": "mobile"}]
    assert "_hub" not in candidate.remote_data  # the prepared copy is mapped; the record is kept as sent
    statuses = {n: stored(store, "application", n) for n in (2001, 2002, 2003, 2004, 2005)}
    assert {n: a.status for n, a in statuses.items()} == {
        2001: ApplicationStatus.SCREENING, 2002: ApplicationStatus.INTERVIEWING, 2003: ApplicationStatus.HIRED,
        2004: ApplicationStatus.REJECTED, 2005: ApplicationStatus.TALENT_POOL}
    assert (statuses[2002].status_raw, statuses[2002].stage) == ("in_process", "Face to Face")
    accepted, ranged = stored(store, "offer", 8002), stored(store, "offer", 8003)
    assert (str(accepted.compensation.base.amount), accepted.compensation.base.currency) == ("105000", "USD")
    assert accepted.compensation.period == "annual" and accepted.salary_raw == '{"amount":105000,"unit":"USD"}'
    assert ranged.compensation is None and json.loads(ranged.salary_raw)["max_value"] == 140000
    assert stored(store, "offer", 8001).salary_raw == "Around $100k"


def test_an_offer_whose_pay_period_is_unknown_is_a_dead_letter_not_a_guess(store: Store) -> None:
    report, _ = replay_sync(store, "offers", "offers", salary_period=None)
    assert report.counters.failed == 1
    (letter,) = store.dead_letters(system="greenhouse")
    assert letter.record_ref == "8002" and "period" in json.dumps(letter.error)


def test_scorecards_sync_page_by_page_with_their_ratings_joined_into_dimension_scores(store: Store) -> None:
    """Each scorecards page is followed by the ratings of that page's scorecards and the names of the
    attributes they rate, as the connector asks for them; the raw words are kept."""
    report, cassette = replay_sync(store, "scorecards", "scorecards")
    assert report.status == "succeeded" and report.counters.records == 4
    assert cassette.all_played and cassette.play_count == 1 + 2 + 5  # a token, 2 pages, their 5 joins
    first = stored(store, "assessment", 3001)
    assert (first.recommendation.level, first.recommendation.raw) == ("yes", "yes")
    assert [(d.label, d.score.value) for d in first.dimensions] == [("Communication", "yes"), ("Problem Solving", "mixed")]
    second = stored(store, "assessment", 3002)
    assert second.recommendation.raw == "strong_no" and second.dimensions[1].score is None  # no_decision
    assert stored(store, "assessment", 3004).dimensions == []


# ---------------------------------------------------------------- webhooks


def _signed(name: str) -> tuple[dict[str, str], bytes]:
    raw = (WEBHOOKS / name).read_bytes()
    return {"Signature": "sha256 " + hmac.new(WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()}, raw


def test_a_signed_offer_webhook_becomes_a_v3_shaped_offer_record() -> None:
    headers, raw = _signed("webhook_offer_created.json")
    ((stream, record),) = Greenhouse(SETTINGS).parse_webhook(headers, raw).records
    assert stream == "offers" and (record["id"], record["status"], record["starts_on"]) == (8002, "Created", "2024-07-01")
    assert record["_hub"]["salary"] == {"text": '{"amount":105000,"unit":"USD"}',
                                        "currency": {"amount": 105000, "unit": "USD"}, "period": "annually"}


@pytest.mark.parametrize("tamper", ["body", "signature", "missing"])
def test_an_unverified_webhook_is_refused(tamper: str) -> None:
    headers, raw = _signed("webhook_offer_updated.json")
    if tamper == "body":
        raw = raw.replace(b"2003", b"2004")
    elif tamper == "signature":
        headers = {"Signature": "sha256 " + "0" * 64}
    else:
        headers = {}
    with pytest.raises(WebhookVerificationError):
        Greenhouse(SETTINGS).parse_webhook(headers, raw)


# ------------------------------------------- the rules the mappings derive, and the `_hub` ones (properties)

NAMES = st.one_of(st.none(), st.text(max_size=12))
CANDIDATE = load_mapping(Greenhouse(SETTINGS).mapping_path("candidate.yaml"))
APPLICATION = load_mapping(Greenhouse(SETTINGS).mapping_path("application.yaml"))
STAGES = ["Application Review", "Phone Interview", "Offer", "Face to Face", "Someone's own stage", ""]


@given(first=NAMES, last=NAMES, emails=st.lists(st.sampled_from(["a@example.com", "b.c@example.org"]), max_size=3))
def test_contacts_join_the_parts_and_skip_blanks(first: str | None, last: str | None, emails: list[str]) -> None:
    """candidate.yaml's ``join`` of first and last name and its ``email_addresses[*].value`` spread."""
    got = CANDIDATE.apply({"id": 1, "first_name": first, "last_name": last,
                           "email_addresses": [{"value": e, "type": "personal"} for e in emails]})
    parts = [p.strip() for p in (first, last) if p and p.strip()]
    assert got.get("name") == (" ".join(parts) or None)
    assert got.get("emails", []) == list(dict.fromkeys(emails)) and not got.get("phones")


@given(status=st.sampled_from(["in_process", "rejected", "hired", "converted"]), prospect=st.booleans(),
       stage=st.one_of(st.none(), st.sampled_from(STAGES)))
def test_status_key_uses_the_stage_only_while_in_process(status: str, prospect: bool, stage: str | None) -> None:
    """application.yaml's ``key: [status, prospect, stage_name]``: the stage decides only while in process."""
    got = APPLICATION.apply({"id": 1, "candidate_id": 7, "status": status, "prospect": prospect, "stage_name": stage})
    table = yaml.safe_load(Path(APPLICATION.file).read_text(encoding="utf-8"))["tables"]["status"]
    if status != "in_process":
        assert got["status"] == table[status]
    elif prospect:
        assert got["status"] == "talent_pool"
    else:
        assert got["status"] == table.get(f"in_process:false:{stage or ''}", "interviewing")


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                       max_leaves=8)


@given(kind=st.sampled_from(["short_text", "currency", "currency_range", "number"]), value=JSONISH)
def test_salary_text_keeps_any_value_and_money_only_comes_from_the_currency_shape(kind: str, value: Any) -> None:
    salary = offer_salary({"custom_fields": {"pay": {"name": "Pay", "type": kind, "value": value}}}, "pay", "monthly")
    if value is None:
        assert salary is None
        return
    assert salary["text"] == (value if isinstance(value, str) else json.dumps(value, sort_keys=True, separators=(",", ":")))
    is_money = kind == "currency" and isinstance(value, dict) and {"amount", "unit"} <= value.keys()
    assert ("currency" in salary) is is_money and ("period" in salary) is is_money
