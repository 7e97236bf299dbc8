"""Kingdee 云星空: what the standard suite does not cover — the ValidateUser session (one login for a
pass, a new one when the session is lost, a refused login), the third-party app's signed headers,
answer envelopes as typed errors with Kingdee's MsgCode, and the parsers of the rows (property tests).

Request bodies are matched against the recorded ones (all calls share three URLs), with the password
scrubbed as the cassettes hold it; every call after the login must carry the session cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr
from hypothesis import given
from hypothesis import strategies as st

from hub.core.errors import AuthError, ConfigError, PermanentConnectorError
from hub.core.store import Store
from hub.core.sync import sync
from hub.testing.cassettes import json_bodies_vcr as matching_bodies
from plugins.erp.kingdee import Kingdee, fold_posts, rows_to_records
from plugins.erp.kingdee_auth import LOGIN, SESSION_COOKIE, SignedHeadersAuth, api_secret

REPO = Path(__file__).resolve().parents[3]
CASSETTES = REPO / "tests" / "cassettes" / "erp" / "kingdee"
PASSWORD = "test-secret-not-real"
SETTINGS = {"base_url": "https://erp.example.com/k3cloud/", "acct_id": "65f0c0ffee0001",
            "username": "hub-integration", "password": PASSWORD, "page_size": 2, "org_number": "100"}
XOR_KEY = "0054f397c6234378b09ca7d3e5debce7"


def _session(live: Any, recorded: Any) -> None:
    """Every call but the login carries a Cookie (scrubbed before matching; its value is checked in
    :func:`test_the_session_is_the_cookie_validateuser_gave`)."""
    if not live.path.endswith(LOGIN):
        assert live.headers.get("Cookie"), "a call without the session cookie"


def json_bodies_vcr(folder: Path) -> vcr.VCR:
    """The testing kit's body-matching VCR, also checking that every call carries the session cookie."""
    recorder = matching_bodies(folder)
    recorder.register_matcher("session", _session)
    recorder.match_on = (*recorder.match_on, "session")
    return recorder


def _sync(store: Store, cassette: str, stream: str, settings: dict[str, Any] = SETTINGS) -> Any:
    with json_bodies_vcr(CASSETTES).use_cassette(f"{cassette}.yaml", allow_playback_repeats=False) as played:
        report = sync(Kingdee(dict(settings)), store, streams=[stream], prefetch=False)
    return report, played


# ---------------------------------------------------------------- the session


def test_one_login_serves_every_page_of_a_pass(store: Store) -> None:
    report, played = _sync(store, "employees", "employees")
    assert report.status == "succeeded" and played.all_played
    assert [r.path.endswith(LOGIN) for r in played.requests].count(True) == 1
    folded = store.get("employee", store.find("kingdee", "100003", "employee"))
    assert folded.title == "软件工程师" and folded.department == "BM0101"  # the main 任岗 of two
    assert store.get("employee", store.find("kingdee", "100004", "employee")).employment_status == "terminated"


def test_the_session_is_the_cookie_validateuser_gave() -> None:
    kingdee = Kingdee(dict(SETTINGS))
    seen: list[str] = []
    with json_bodies_vcr(CASSETTES).use_cassette("posts.yaml"), kingdee.client() as client:
        client._client.event_hooks["request"].append(lambda request: seen.append(request.headers.get("Cookie", "")))
        list(kingdee.pages(client, kingdee.stream("posts"), kingdee.first_request(kingdee.stream("posts"), since=None)))
    assert seen[0] == "" and set(seen[1:]) == {f"{SESSION_COOKIE}=<REDACTED>"}  # the body's KDSVCSessionId


def test_a_lost_session_is_logged_into_again_and_the_call_sent_once_more(store: Store) -> None:
    report, played = _sync(store, "session_lost", "posts")
    assert report.status == "succeeded" and played.all_played, report.streams[0].error
    assert store.find("kingdee", "202", "job") is not None


def test_a_session_lost_again_after_a_new_login_is_an_auth_error_with_kingdees_code(store: Store) -> None:
    report, played = _sync(store, "session_lost_again", "posts")
    assert report.status == "failed" and played.all_played
    error = report.streams[0].error
    assert "code 1" in str(error) and "会话信息已丢失" in str(error)


def test_a_refused_login_names_the_reason_and_never_the_password() -> None:
    kingdee = Kingdee(dict(SETTINGS))
    with json_bodies_vcr(CASSETTES).use_cassette("login_refused.yaml"), kingdee.client() as client:
        with pytest.raises(AuthError) as refused:
            client.post("/Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.ExecuteBillQuery.common.kdsvc", json={})
    assert "LoginResultType 0" in str(refused.value) and "用户名或密码错误" in str(refused.value)
    assert PASSWORD not in str(refused.value) and PASSWORD not in repr(refused.value.context)


def test_a_refused_query_is_a_typed_error_naming_kingdees_field_and_code(store: Store) -> None:
    kingdee = Kingdee(dict(SETTINGS))
    query = kingdee.first_request(kingdee.stream("posts"), since=None)
    with json_bodies_vcr(CASSETTES).use_cassette("query_refused.yaml"), kingdee.client() as client:
        with pytest.raises(PermanentConnectorError) as refused:
            list(kingdee.pages(client, kingdee.stream("posts"), query))
    assert not isinstance(refused.value, AuthError)
    assert refused.value.context["vendor_code"] == "0"
    assert refused.value.context["vendor_message"] == "FDept.FNumber: 字段FDept.FNumber不存在"


@pytest.mark.parametrize(("settings", "reason"), [
    ({"password": None}, "needs password"),
    ({"page_size": 5000}, "page_size"),
    ({"password": None, "app_id": "224466", "app_secret": "x"}, "app_id must be"),
])
def test_settings_kingdee_cannot_work_with_are_refused(settings: dict[str, Any], reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        Kingdee({**SETTINGS, **settings}).authenticator()


# ---------------------------------------------------------------- the third-party app's signed headers


def _hex_b64(key: str, message: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest().encode()).decode()


def test_signed_headers_are_the_sdks_for_the_exact_path_and_are_made_afresh() -> None:
    encoded = base64.b64encode(bytes(range(24))).decode()
    app_id = f"224466_{encoded}"
    kingdee = Kingdee({**SETTINGS, "password": None, "app_id": app_id, "app_secret": "test-secret-not-real",
                       "org_num": "100"})
    auth = kingdee.authenticator()
    assert isinstance(auth, SignedHeadersAuth)
    url = "https://erp.example.com/k3cloud/Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.Save.common.kdsvc"
    headers = next(auth.auth_flow(httpx.Request("POST", url))).headers
    timestamp, nonce = headers["x-api-timestamp"], headers["x-api-nonce"]
    secret = base64.b64encode(bytes(b ^ k for b, k in zip(range(24), XOR_KEY.encode(), strict=False))).decode()
    signed = ("POST\n%2Fk3cloud%2FKingdee.BOS.WebApi.ServicesStub.DynamicFormService.Save.common.kdsvc\n\n"
              f"x-api-nonce:{nonce}\nx-api-timestamp:{timestamp}\n")
    assert headers["X-Api-Signature"] == _hex_b64(secret, signed)
    app_data = "65f0c0ffee0001,hub-integration,2052,100"
    assert base64.b64decode(headers["X-Kd-Appdata"]).decode() == app_data
    assert headers["X-Kd-Signature"] == _hex_b64("test-secret-not-real", app_id + app_data)
    assert (headers["X-Api-ClientID"], headers["X-Api-Auth-Version"], headers["x-api-signheaders"]) == (
        "224466", "2.0", "x-api-timestamp,x-api-nonce")
    again = next(auth.auth_flow(httpx.Request("POST", url))).headers
    assert again["x-api-nonce"] != nonce and len(timestamp) == 13  # milliseconds, a new nonce each call
    assert secret in auth.secrets and "test-secret-not-real" in auth.secrets


def test_the_api_secret_is_the_app_ids_tail_unmasked() -> None:
    tail = base64.b64encode(bytes(24)).decode()
    assert base64.b64decode(api_secret(tail, XOR_KEY)) == XOR_KEY.encode()[:24]
    with pytest.raises(ConfigError):
        api_secret("not base64!", XOR_KEY)


# ---------------------------------------------------------------- the row parsers (properties)

_values = st.one_of(st.none(), st.integers(), st.text(max_size=8), st.booleans())
_keys = st.lists(st.from_regex(r"F[A-Za-z]{1,6}(\.F[A-Za-z]{1,6})?", fullmatch=True), min_size=1, max_size=6,
                 unique=True)


@given(_keys, st.data())
def test_every_value_of_a_row_lands_under_its_field_key(keys: list[str], data: st.DataObject) -> None:
    rows = data.draw(st.lists(st.lists(_values, min_size=len(keys), max_size=len(keys)), max_size=4))
    records = rows_to_records(tuple(keys), rows)
    assert len(records) == len(rows)
    for record, row in zip(records, rows, strict=True):
        for key, value in zip(keys, row, strict=True):
            head, _, tail = key.partition(".")
            held = record.get(key, record.get(head, {}).get(tail) if tail and isinstance(record.get(head), dict)
                              else record.get(head))
            assert held == value


@given(st.lists(st.tuples(st.integers(1, 5), st.booleans()), max_size=12))
def test_folding_keeps_one_record_per_employee_the_main_post_where_there_is_one(rows: list[tuple[int, bool]]) -> None:
    records = [{"FID": fid, "FIsFirstPost": main, "row": n} for n, (fid, main) in enumerate(rows)]
    folded = fold_posts(records)
    assert [r["FID"] for r in folded] == list(dict.fromkeys(fid for fid, _ in rows))
    for record in folded:
        mine = [r for r in records if r["FID"] == record["FID"]]
        wanted = next((r for r in mine if r["FIsFirstPost"]), mine[0])
        assert record is wanted


def test_a_fixed_filter_is_anded_with_the_cursor_and_field_keys_are_a_setting() -> None:
    kingdee = Kingdee({**SETTINGS, "filters": {"employees": "FForbidStatus = 'A'"},
                       "field_keys": {"employees": "FID, FName ,FModifyDate"}})
    query = kingdee.first_request(kingdee.stream("employees"), since="2024-06-05T09:30:00").json["data"]
    assert query["FilterString"] == "(FForbidStatus = 'A') AND (FModifyDate >= '2024-06-05T09:30:00')"
    assert (query["FieldKeys"], query["OrderString"]) == ("FID,FName,FModifyDate", "FModifyDate ASC,FID ASC")
    assert kingdee.page_records(kingdee.stream("employees"), [[7, "测试员工7", "2024-06-05T09:30:00"]]) == [
        {"FID": 7, "FName": "测试员工7", "FModifyDate": "2024-06-05T09:30:00"}]
    with pytest.raises(ConfigError, match="names no field"):
        Kingdee({**SETTINGS, "field_keys": {"posts": " , "}}).field_keys(Kingdee.stream("posts"))


_json = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=6)),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                     max_leaves=12)


@given(_json)
def test_any_answer_is_judged_without_raising(body: Any) -> None:
    failure = Kingdee.envelope.failure(body)
    assert failure is None or isinstance(failure[0], str)


@given(st.lists(st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=6)), min_size=2, max_size=4), max_size=5))
def test_rows_are_never_read_as_a_failure(rows: list[list[Any]]) -> None:
    assert Kingdee.envelope.failure(rows) is None
