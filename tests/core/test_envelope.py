"""The answer envelope against a real local server: a failing code in the body fails the call, typed.

Feishu, Moka, Beisen and DingTalk answer HTTP 200 to calls that failed; the code in the body is the verdict.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.core.auth import BearerTokenAuth
from hub.core.connector import Category, RestConnector
from hub.core.envelope import Envelope
from hub.core.errors import AuthError, PermanentConnectorError, RateLimitedError, TransientConnectorError
from hub.core.http import HttpClient, RetryPolicy
from hub.core.paginators import CursorPaginator
from tests.support import FakeClock
from tests.support.fault_server import Fault, FaultServer

FEISHU = Envelope(throttled=(99991400,), transient=(1002,), auth=(99991663,))
TOKEN = "t-test-token-not-real"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def client(server: FaultServer, clock: FakeClock, envelope: Envelope | None = FEISHU, **kwargs) -> HttpClient:
    return HttpClient(server.base_url, system="feishu_hire", envelope=envelope, sleep=clock.sleep, clock=clock.time,
                      wall_clock=clock.time, retry=RetryPolicy(max_attempts=3, max_elapsed_seconds=60), **kwargs)


def answer(code, msg: str = "", status: int = 200, **kwargs) -> Fault:
    return Fault.http(status, body=json.dumps({"code": code, "msg": msg, "data": {}}, ensure_ascii=False), **kwargs)


def test_a_code_that_worked_returns_the_answer(fault_server, clock):
    fault_server.inject("/x", answer(0, "success"))
    with client(fault_server, clock) as http:
        assert http.get_json("/x") == {"code": 0, "msg": "success", "data": {}}


def test_a_failing_code_on_http_200_is_a_permanent_error_with_the_vendors_code(fault_server, clock):
    fault_server.inject("/x", answer(1002001, "没有权限 no permission"))
    with client(fault_server, clock) as http, pytest.raises(PermanentConnectorError) as failed:
        http.get("/x")
    assert type(failed.value) is PermanentConnectorError
    assert failed.value.context["vendor_code"] == "1002001" and failed.value.status == 200
    assert "feishu_hire code 1002001: 没有权限 no permission" in str(failed.value)
    assert len(fault_server.requests_to("/x")) == 1  # not retried: the vendor's final word


def test_a_throttled_code_is_retried_after_the_vendors_wait(fault_server, clock):
    fault_server.inject("/x", answer(99991400, "request trigger frequency limit", retry_after="7"), answer(0))
    with client(fault_server, clock) as http:
        assert http.get_json("/x")["code"] == 0
    assert clock.sleeps == [7.0]


def test_a_throttled_code_that_never_clears_is_a_rate_limited_error(fault_server, clock):
    fault_server.inject("/x", *[answer(99991400, "limit", status=429, retry_after="1")] * 3)
    with client(fault_server, clock) as http, pytest.raises(RateLimitedError) as failed:
        http.get("/x")
    assert failed.value.context["vendor_code"] == "99991400" and failed.value.retry_after == 1.0


def test_a_transient_code_is_retried(fault_server, clock):
    fault_server.inject("/x", answer(1002, "internal error"), answer(0))
    with client(fault_server, clock) as http:
        assert http.get_json("/x")["code"] == 0
    assert len(fault_server.requests_to("/x")) == 2


def test_an_auth_code_is_an_auth_error_and_the_token_is_not_in_it(fault_server, clock):
    fault_server.inject("/x", answer(99991663, f"Invalid access token {TOKEN}", status=400))
    with client(fault_server, clock, auth=BearerTokenAuth(TOKEN)) as http, pytest.raises(AuthError) as failed:
        http.get("/x")
    assert failed.value.context["vendor_code"] == "99991663"
    assert TOKEN not in str(failed.value) and TOKEN not in repr(failed.value.context)


def test_an_error_status_with_an_unnamed_code_is_judged_by_the_status(fault_server, clock):
    fault_server.inject("/x", answer(230002, "bad request", status=400))
    fault_server.inject("/y", answer(230003, "busy", status=503), answer(0))
    with client(fault_server, clock) as http:
        with pytest.raises(PermanentConnectorError) as failed:
            http.get("/x")
        assert failed.value.context["vendor_code"] == "230002" and failed.value.status == 400
        assert http.get_json("/y")["code"] == 0  # a 5xx is retried whatever its code


def test_string_codes_are_the_same_codes():
    beisen = Envelope(code="code", message="message", ok=("200",))
    assert beisen.failure({"code": 200, "message": "ok"}) is None
    assert beisen.failure({"code": "417", "message": "时间窗超过90天"}) == ("417", "时间窗超过90天")


def test_a_body_without_the_code_is_not_judged(fault_server, clock):
    fault_server.inject("/x", Fault.http(200, body="not json"), Fault.http(200, body='["a list"]'))
    with client(fault_server, clock) as http:
        assert http.get("/x").text == "not json"
        assert http.get_json("/x") == ["a list"]


def test_pages_are_read_through_the_envelope(fault_server, clock):
    """A failing code on the second page stops the pass there: no empty page is taken for the end."""
    first = {"code": 0, "msg": "success", "data": {"items": [{"id": 1}], "has_more": True, "page_token": "p2"}}
    fault_server.inject("/list", Fault.http(200, body=json.dumps(first)), answer(1002001, "no permission"))
    paginator = CursorPaginator(cursor_path="data.page_token", cursor_param="page_token", has_more_path="data.has_more")
    with client(fault_server, clock) as http:
        pages = http.paginate("/list", paginator, records_path="data.items")
        assert next(pages).records == [{"id": 1}]
        with pytest.raises(PermanentConnectorError, match="code 1002001"):
            next(pages)


def test_no_envelope_leaves_a_200_alone(fault_server, clock):
    fault_server.inject("/x", answer(1002001, "no permission"))
    with client(fault_server, clock, envelope=None) as http:
        assert http.get_json("/x")["code"] == 1002001


@given(code=st.one_of(st.integers(-5, 5), st.sampled_from(["0", "200", "417", "x"])),
       ok=st.lists(st.one_of(st.integers(-5, 5), st.sampled_from(["0", "200"])), max_size=3))
def test_a_body_fails_exactly_when_its_code_is_not_an_ok_one(code, ok):
    envelope = Envelope(ok=ok)
    assert (envelope.failure({"code": code, "msg": "m"}) is None) == (str(code) in {str(c) for c in ok})


def test_a_connector_declares_its_envelope_once_for_every_request(fault_server):
    class Vendor(RestConnector):
        name, category, envelope = "vendor", Category.HR_SUITES, Envelope(code="errcode", message="errmsg")

    fault_server.inject("/x", Fault.http(200, body='{"errcode": 40014, "errmsg": "invalid access_token"}'))
    with Vendor({"base_url": fault_server.base_url}).client() as http, pytest.raises(PermanentConnectorError) as failed:
        http.get("/x")
    assert failed.value.context["vendor_code"] == "40014"
