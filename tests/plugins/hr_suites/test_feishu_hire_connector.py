"""Contract tests of the Feishu Hire connector: the recorded conversation, replayed.

The cassettes in tests/cassettes/hr_suites/feishu_hire/ hold what the official documents describe
(docs/connectors/feishu_hire.md). vcrpy replays them with ``record_mode="none"`` and matches method, URL
and the *exact* query, so a page token sent on the wrong request, a missing ``page_size`` or a wrong
incremental filter finds no recording and fails. A matcher of our own also checks the credentials on the
wire: app id and secret in the token request's body, the tenant token it handed out on every API call.

The syncs run the real connector through the real sync engine into a real SQLite store.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import vcr

from hub.core.auth import AppTokenAuth
from hub.core.errors import AuthError, ConfigError, PermanentConnectorError, RateLimitedError
from hub.core.http import HttpClient, RetryPolicy
from hub.core.models import ApplicationStatus, OfferStatus, PayPeriod, RecommendationLevel
from hub.core.plugins import get_plugin_manager, load_registry
from hub.core.store import Store
from hub.core.sync import sync
from plugins.hr_suites.feishu_hire import FeishuHire, application_status_key, offer_salary
from tests.plugins.hr_suites.feishu_hire_support import APP_ID, APP_SECRET, CASSETTES, SETTINGS, RecordedFeishuHire, credentials

REPLAY = vcr.VCR(record_mode="none", cassette_library_dir=str(CASSETTES))
REPLAY.register_matcher("credentials", credentials)
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "credentials")


def replay_sync(store: Store, stem: str, stream: str, **settings: Any) -> tuple[Any, Any]:
    """Sync one stream from a cassette, in-process (the cassette counts the requests it plays)."""
    with REPLAY.use_cassette(f"{stem}.yaml", match_on=MATCH_ON) as cassette:
        report = sync(RecordedFeishuHire({**SETTINGS, **settings}), store, streams=[stream], prefetch=False)
    return report, cassette


def stored(store: Store, kind: str, external_id: str) -> Any:
    entity_id = store.find("feishu_hire", external_id, kind)
    assert entity_id is not None, f"feishu_hire {kind} {external_id} was not stored"
    return store.get(kind, entity_id)


def fid(kind: int, n: int) -> str:
    """The cassettes' ids (``_build.py``)."""
    return f"70{kind:02d}{n:015d}"


# ---------------------------------------------------------------- settings and protocol


def test_the_entry_point_registers_the_connector() -> None:
    assert load_registry(get_plugin_manager()).connectors["feishu_hire"] is FeishuHire


def test_the_domain_chooses_the_host_of_the_api_and_of_the_token() -> None:
    feishu, lark = FeishuHire({"app_id": APP_ID, "app_secret": APP_SECRET}), FeishuHire(
        {"app_id": APP_ID, "app_secret": APP_SECRET, "domain": "lark"})
    assert feishu.settings["base_url"] == "https://open.feishu.cn/open-apis"
    assert lark.settings["base_url"] == "https://open.larksuite.com/open-apis"
    assert lark.authenticator()._url == "https://open.larksuite.com/open-apis/auth/v3/tenant_access_token/internal"
    mirror = FeishuHire({"app_id": APP_ID, "app_secret": APP_SECRET, "base_url": "http://127.0.0.1:9/open-apis"})
    assert mirror.authenticator()._url == "http://127.0.0.1:9/open-apis/auth/v3/tenant_access_token/internal"
    with pytest.raises(ConfigError, match="domain"):
        FeishuHire({"app_id": APP_ID, "app_secret": APP_SECRET, "domain": "dingtalk"})
    with pytest.raises(ConfigError, match="app_secret"):
        FeishuHire({"app_id": APP_ID})


@pytest.mark.parametrize(("stem", "count", "pages", "fetches"), [
    ("talents", 5, 3, 0), ("applications", 5, 3, 5), ("interview_records", 4, 2, 0), ("offers", 2, 3, 5)])
def test_a_full_sync_fetches_one_token_and_follows_every_page_token(store: Store, stem: str, count: int, pages: int,
                                                                     fetches: int) -> None:
    report, cassette = replay_sync(store, stem, stem)
    assert report.status == "succeeded", report.streams[0].error
    assert (report.counters.pages, report.counters.records, report.counters.failed) == (pages, count, 0)
    assert cassette.all_played and cassette.play_count == 1 + pages + fetches  # one token, each page, each fetch


def test_the_applications_cursor_filters_the_next_run_by_update_start_time(store: Store) -> None:
    replay_sync(store, "applications", "applications")
    report, cassette = replay_sync(store, "resume", "applications")  # recorded: update_start_time=<latest modify_time>
    assert report.status == "succeeded" and cassette.all_played and report.counters.records == 1


def test_a_429_with_code_99991400_waits_its_reset_header_and_a_503_is_retried(store: Store) -> None:
    report, cassette = replay_sync(store, "retried", "talents")
    assert report.status == "succeeded" and cassette.all_played and report.counters.created == 5


def test_a_token_feishu_calls_invalid_is_fetched_again_and_the_request_sent_once_more(store: Store) -> None:
    report, cassette = replay_sync(store, "token_refresh", "talents")
    assert report.status == "succeeded" and report.counters.created == 1
    assert cassette.all_played  # token 1, the 99991663 answer, token 2, the same request again


@pytest.mark.parametrize(("params", "status", "code"), [({"page_size": 2}, 200, "1002001"),
                                                       ({"page_size": 1000}, 400, "1002002")])
def test_a_failing_code_is_a_typed_error_carrying_the_vendors_code_even_on_http_200(params: Any, status: int,
                                                                                   code: str) -> None:
    with REPLAY.use_cassette("errors.yaml", match_on=MATCH_ON, allow_playback_repeats=True), \
            RecordedFeishuHire(SETTINGS).client() as client, pytest.raises(PermanentConnectorError) as caught:
        client.get("/hire/v1/talents", params=params)
    context = caught.value.context
    assert (context["status"], context["vendor_code"], context["attempts"]) == (status, code, 1)  # not retried
    assert context["vendor_message"].startswith(("系统错误", "参数错误"))


def test_a_failed_page_fails_the_stream_into_a_dead_letter_with_the_vendors_code(store: Store) -> None:
    with REPLAY.use_cassette("errors.yaml", match_on=MATCH_ON):
        report = sync(RecordedFeishuHire(SETTINGS), store, streams=["talents"], prefetch=False)
    assert report.status == "failed" and report.streams[0].error["vendor_code"] == "1002001"
    (letter,) = store.dead_letters(system="feishu_hire")
    assert letter.error_code == "connector-permanent" and letter.error["vendor_message"] == "系统错误"


# ---------------------------------------------------------------- the token and the envelope, answer by answer


def _client(answers: list[tuple[int, dict[str, Any], dict[str, str]]]) -> tuple[HttpClient, list[tuple[str, str]]]:
    """A Feishu client over a mock transport: the token endpoint always answers a new token, API calls
    get ``answers`` in turn. ``sent`` records each request's path and Authorization as it was sent."""
    sent: list[tuple[str, str]] = []
    tokens = iter(range(1, 10))

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append((request.url.path, request.headers.get("authorization", "")))
        if request.url.path.endswith("/tenant_access_token/internal"):
            return httpx.Response(200, json={"code": 0, "msg": "ok", "tenant_access_token": f"t-{next(tokens)}",
                                             "expire": 7200})
        status, body, headers = answers.pop(0)
        return httpx.Response(status, json=body, headers=headers)

    connector = FeishuHire(dict(SETTINGS))
    client = HttpClient(connector.settings["base_url"], auth=connector.authenticator(), envelope=connector.envelope,
                        retry=RetryPolicy(max_attempts=3, backoff_base=0.01), system="feishu_hire",
                        transport=httpx.MockTransport(handle), sleep=lambda seconds: None)
    return client, sent


STALE = {"code": 99991663, "msg": "Invalid access token for authorization. Please make a request with token attached."}
OK = {"code": 0, "msg": "success", "data": {"items": [], "has_more": False}}


@pytest.mark.parametrize("status", [200, 400, 401])
def test_a_stale_token_code_refreshes_the_token_whatever_the_http_status(status: int) -> None:
    client, sent = _client([(status, STALE, {}), (200, OK, {})])
    assert client.get_json("/hire/v1/talents") == OK
    assert [auth for path, auth in sent if "hire" in path] == ["Bearer t-1", "Bearer t-2"]


def test_a_token_refused_twice_is_an_auth_error_naming_the_code() -> None:
    client, _ = _client([(200, STALE, {}), (200, STALE, {})])
    with pytest.raises(AuthError) as caught:
        client.get("/hire/v1/talents")
    assert caught.value.context["vendor_code"] == "99991663"


def test_another_code_mentioning_the_digits_does_not_refresh_the_token() -> None:
    answer = {"code": 1002002, "msg": "参数错误: talent 99991663 not found"}
    client, sent = _client([(400, answer, {})])
    with pytest.raises(PermanentConnectorError):
        client.get("/hire/v1/talents")
    assert sum(path.endswith("/internal") for path, _ in sent) == 1


@pytest.mark.parametrize("status", [429, 400])  # 400: the throttling answer of older APIs
def test_code_99991400_is_throttling_retried_after_the_reset_header(status: int) -> None:
    throttled = {"code": 99991400, "msg": "request trigger frequency limit"}
    client, sent = _client([(status, throttled, {"x-ogw-ratelimit-reset": "2"}), (200, OK, {})])
    assert client.get_json("/hire/v1/talents") == OK
    with pytest.raises(RateLimitedError) as caught:  # and when it persists, a typed rate-limit error
        _client([(status, throttled, {"x-ogw-ratelimit-reset": "2"})] * 3)[0].get("/hire/v1/talents")
    assert (caught.value.retry_after, caught.value.context["vendor_code"]) == (2.0, "99991400")


def test_the_feishu_token_preset_refreshes_on_the_documented_token_codes_only() -> None:
    auth = AppTokenAuth.feishu("cli_x", "secret")
    assert auth._refresh_codes == {"99991661", "99991663", "99991664", "99991668"}


# ---------------------------------------------------------------- records → canonical entities


def test_every_stream_lands_as_valid_canonical_entities_with_the_raw_record_kept(store: Store) -> None:
    for stem in ("talents", "applications", "interview_records", "offers"):
        report, _ = replay_sync(store, stem, stem)
        assert report.counters.failed == 0, store.dead_letters(system="feishu_hire")
    talent = stored(store, "candidate", fid(1, 2))
    assert (talent.name, talent.phones, talent.emails) == ("测试候选人二", ["+14155550102"], ["test.candidate2@example.com"])
    assert talent.remote_data["basic_info"]["mobile_code"] == "1" and "_hub" not in talent.remote_data

    statuses = {n: stored(store, "application", fid(2, n)) for n in range(1, 6)}
    assert {n: a.status for n, a in statuses.items()} == {
        1: ApplicationStatus.SCREENING, 2: ApplicationStatus.INTERVIEWING, 3: ApplicationStatus.SECOND_INTERVIEW,
        4: ApplicationStatus.REJECTED, 5: ApplicationStatus.OFFER}
    assert (statuses[4].stage, statuses[4].status_raw) == ("面试", "terminated:1")
    assert statuses[2].candidate.id == talent.id  # the application's talent is the synced candidate
    assert statuses[2].remote_data["stage"]["zh_name"] == "面试"  # the fetched application, as Feishu sent it

    evaluation = stored(store, "assessment", fid(6, 1))
    assert evaluation.application.id == statuses[2].id and evaluation.recommendation.level is RecommendationLevel.YES
    assert (evaluation.overall.value, str(evaluation.overall.normalized)) == ("85", "85.00")
    assert [(d.label, d.score.value, str(d.score.normalized)) for d in evaluation.dimensions] == [
        ("沟通能力", "4", "80.00"), ("专业技能", "5", "100.00")]
    assert set(evaluation.remote_data) == {"interview", "interview_record"}
    assert "interview_record_list" not in evaluation.remote_data["interview"]
    pending = stored(store, "assessment", fid(6, 4))
    assert pending.recommendation is None and pending.overall is None  # arranged, not evaluated yet

    sent, approving = stored(store, "offer", fid(4, 1)), stored(store, "offer", fid(4, 2))
    assert (sent.status, approving.status) == (OfferStatus.SENT, OfferStatus.PENDING_APPROVAL)
    assert (str(sent.compensation.base.amount), sent.compensation.base.currency) == ("30000", "CNY")
    assert sent.compensation.period is PayPeriod.MONTHLY and json.loads(sent.salary_raw)["total_annual_cash"] == "450000"
    assert approving.compensation is None and sent.application.id == statuses[5].id


def test_an_application_without_an_offer_yields_no_offer(store: Store) -> None:
    report, _ = replay_sync(store, "offers", "offers")
    assert report.counters.records == 2  # 5 applications listed, 2 with an offer
    assert store.find("feishu_hire", fid(2, 1), "offer") is None


def test_an_offer_whose_status_feishu_does_not_document_is_a_dead_letter_not_a_guess(store: Store) -> None:
    report, _ = replay_sync(store, "malformed", "offers")
    assert (report.counters.created, report.counters.failed) == (1, 1)
    (letter,) = store.dead_letters(system="feishu_hire")
    assert letter.record_ref == fid(4, 2) and "42" in json.dumps(letter.error, ensure_ascii=False)


@pytest.mark.parametrize(("record", "key"), [
    ({"active_status": 1, "stage": {"zh_name": "复试"}}, "stage:复试"),
    ({"active_status": 2, "termination_type": 22, "stage": {"zh_name": "面试"}}, "terminated:22"),
    ({"active_status": 1}, "stage:"),
])
def test_the_status_key_reads_termination_before_the_stage(record: dict[str, Any], key: str) -> None:
    assert application_status_key(record) == key


def test_a_salary_plan_without_a_currency_is_kept_as_text_only() -> None:
    salary = offer_salary({"salary_plan": {"basic_salary": "30000"}}, "monthly")
    assert salary == {"text": '{"basic_salary":"30000"}'}
    assert offer_salary({"salary_plan": {}}, "monthly") is None
