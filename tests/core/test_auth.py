"""Authenticators through HttpClient against the real local server: tokens, refresh, signing, secrecy."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qsl
import logging
from urllib.parse import parse_qs

import httpx
import pytest

from hub.core.auth import AppTokenAuth, BasicAuth, BearerTokenAuth, HmacSigningAuth, OAuth2ClientCredentials
from hub.core.errors import AuthError, TransientConnectorError
from hub.core.http import HttpClient, RetryPolicy
from tests.support import FakeClock
from tests.support.fault_server import Fault, FaultServer

CLIENT_SECRET = "gh-client-secret-5f4e3d"
APP_SECRET = "ding-app-secret-a1b2c3"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def secured(fault_server) -> FaultServer:
    fault_server.require_token = True
    return fault_server


def client_for(server: FaultServer, clock: FakeClock, auth) -> HttpClient:
    return HttpClient(server.base_url, auth=auth, retry=RetryPolicy(max_attempts=3), timeout=2.0,
                      sleep=clock.sleep, clock=clock.time, wall_clock=clock.time)


def oauth(server: FaultServer, clock: FakeClock, **kwargs) -> OAuth2ClientCredentials:
    return OAuth2ClientCredentials(server.url("/token"), "client-1", CLIENT_SECRET,
                                   extra={"sub": "4711"}, clock=clock.time, **kwargs)


# ---------------------------------------------------------------- OAuth2 client credentials


def test_client_credentials_token_request_and_caching(secured, clock):
    with client_for(secured, clock, oauth(secured, clock)) as client:
        client.get("/anything")
        client.get("/anything")
    [token_request] = secured.requests_to("/token")
    assert token_request.method == "POST"
    assert token_request.headers["authorization"] == "Basic " + base64.b64encode(
        f"client-1:{CLIENT_SECRET}".encode()).decode()
    assert parse_qs(token_request.body.decode()) == {"grant_type": ["client_credentials"], "sub": ["4711"]}
    assert [r.headers["authorization"] for r in secured.requests_to("/anything")] == ["Bearer tok-1"] * 2


def test_client_credentials_secret_in_body_when_asked(secured, clock):
    with client_for(secured, clock, oauth(secured, clock, client_auth="body", scope="harvest:jobs:list")) as client:
        client.get("/anything")
    form = parse_qs(secured.requests_to("/token")[0].body.decode())
    assert form["client_secret"] == [CLIENT_SECRET] and form["scope"] == ["harvest:jobs:list"]


def test_token_is_refreshed_before_expiry_minus_skew(secured, clock):
    secured.token_ttl = 3600
    with client_for(secured, clock, oauth(secured, clock, skew=60)) as client:
        client.get("/anything")
        clock.advance(3500)
        client.get("/anything")
        assert len(secured.requests_to("/token")) == 1
        clock.advance(60)  # now inside the skew window
        client.get("/anything")
    assert len(secured.requests_to("/token")) == 2
    assert secured.requests_to("/anything")[-1].headers["authorization"] == "Bearer tok-2"


def test_expires_at_iso_string_greenhouse_shape(secured, clock):
    body = json.dumps({"token_type": "Bearer", "access_token": "tok-gh", "expires_at": "2023-11-14T23:13:20Z"})
    secured.inject("/token", Fault.http(200, body=body, headers={"Content-Type": "application/json"}))
    secured.tokens.append("tok-gh")
    auth = oauth(secured, clock)  # the fake clock starts at 2023-11-14T22:13:20Z: one hour left
    with client_for(secured, clock, auth) as client:
        client.get("/anything")
        clock.advance(3600 - 61)
        client.get("/anything")
        assert len(secured.requests_to("/token")) == 1
        clock.advance(2)
        client.get("/anything")
    assert len(secured.requests_to("/token")) == 2


def test_401_refreshes_once_then_succeeds(secured, clock):
    secured.inject("/records", Fault.http(401))
    with client_for(secured, clock, oauth(secured, clock)) as client:
        assert len(client.get_json("/records")) == 2
    assert len(secured.requests_to("/token")) == 2
    assert [r.headers["authorization"] for r in secured.requests_to("/records")] == ["Bearer tok-1", "Bearer tok-2"]
    assert clock.sleeps == []


def test_vendor_side_expiry_is_recovered(secured, clock):
    with client_for(secured, clock, oauth(secured, clock)) as client:
        client.get("/anything")
        secured.revoke_tokens()
        client.get("/anything")
    assert [r.headers["authorization"] for r in secured.requests_to("/anything")] == [
        "Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


def test_second_401_is_auth_error_without_secrets(secured, clock, caplog):
    caplog.set_level(logging.DEBUG)
    secured.inject("/records", Fault.http(401, body=f"bad token {CLIENT_SECRET}"), Fault.http(401, body="tok-2 bad"))
    with client_for(secured, clock, oauth(secured, clock)) as client, pytest.raises(AuthError) as info:
        client.get("/records")
    assert info.value.status == 401
    assert len(secured.requests_to("/token")) == 2 and len(secured.requests_to("/records")) == 2
    for text in (str(info.value), str(info.value.to_dict()), caplog.text):
        assert CLIENT_SECRET not in text and "tok-2" not in text


def test_403_is_auth_error_without_refresh(secured, clock):
    secured.inject("/records", Fault.http(403))
    with client_for(secured, clock, oauth(secured, clock)) as client, pytest.raises(AuthError):
        client.get("/records")
    assert len(secured.requests_to("/token")) == 1


def test_refused_token_request_is_auth_error_with_redacted_body(secured, clock, caplog):
    caplog.set_level(logging.DEBUG)
    body = json.dumps({"error": "invalid_client", "client_secret": CLIENT_SECRET, "hint": f"got {CLIENT_SECRET}"})
    secured.inject("/token", Fault.http(400, body=body))
    with client_for(secured, clock, oauth(secured, clock)) as client, pytest.raises(AuthError) as info:
        client.get("/anything")
    assert info.value.status == 400 and "invalid_client" in info.value.body
    assert "token request POST" in str(info.value)
    assert CLIENT_SECRET not in str(info.value.to_dict()) and CLIENT_SECRET not in caplog.text
    assert secured.requests_to("/anything") == []


def test_token_endpoint_outage_is_retried(secured, clock):
    secured.inject("/token", Fault.http(503), Fault.dropped())
    with client_for(secured, clock, oauth(secured, clock)) as client:
        assert client.get("/anything").status_code == 200
    assert len(secured.requests_to("/token")) == 3 and len(clock.sleeps) == 2


def test_token_endpoint_outage_exhausts_as_transient(secured, clock):
    secured.inject("/token", *[Fault.http(500)] * 3)
    with client_for(secured, clock, oauth(secured, clock)) as client, pytest.raises(TransientConnectorError) as info:
        client.get("/anything")
    assert info.value.context["attempts"] == 3


@pytest.mark.parametrize("hint", [{"Retry-After": "7"}, {"X-RateLimit-Reset": "7"}], ids=["retry-after", "reset"])
def test_a_throttled_token_request_waits_as_the_vendor_says(secured, clock, hint):
    secured.inject("/token", Fault.http(429, headers=hint))
    with client_for(secured, clock, oauth(secured, clock)) as client:
        assert client.get("/anything").status_code == 200
    assert len(secured.requests_to("/token")) == 2 and clock.sleeps == [7.0]  # not a ~0.1 s jittered retry


def test_a_token_endpoint_5xx_with_a_wait_hint_is_throttling(secured, clock):
    secured.inject("/token", Fault.http(503, retry_after="3"))
    with client_for(secured, clock, oauth(secured, clock)) as client:
        assert client.get("/anything").status_code == 200
    assert clock.sleeps == [3.0]


# ---------------------------------------------------------------- app tokens (DingTalk, Feishu)


def test_dingtalk_token_goes_in_query(secured, clock, caplog):
    caplog.set_level(logging.DEBUG)
    auth = AppTokenAuth.dingtalk("ding-key", APP_SECRET, token_url=secured.url("/token"), clock=clock.time)
    with client_for(secured, clock, auth) as client:
        client.get("/user/get", params={"userid": "7"})
    [token_request] = secured.requests_to("/token")
    assert token_request.method == "GET"
    assert token_request.query == {"appkey": ["ding-key"], "appsecret": [APP_SECRET]}
    assert secured.requests_to("/user/get")[0].query == {"userid": ["7"], "access_token": ["tok-1"]}
    assert APP_SECRET not in caplog.text and "tok-1" not in caplog.text  # httpx's own log is redacted


def test_dingtalk_error_with_http_200_is_auth_error(secured, clock):
    body = json.dumps({"errcode": 40089, "errmsg": f"invalid appsecret {APP_SECRET}"})
    secured.inject("/token", Fault.http(200, body=body))
    auth = AppTokenAuth.dingtalk("ding-key", APP_SECRET, token_url=secured.url("/token"), clock=clock.time)
    with client_for(secured, clock, auth) as client, pytest.raises(AuthError) as info:
        client.get("/user/get")
    assert "40089" in info.value.body and APP_SECRET not in info.value.body
    assert "appsecret=***" in str(info.value)


def test_feishu_tenant_access_token(secured, clock):
    body = json.dumps({"code": 0, "msg": "ok", "tenant_access_token": "t-abc", "expire": 7200})
    secured.inject("/token", Fault.http(200, body=body), Fault.http(200, body=body))
    secured.tokens.append("t-abc")
    auth = AppTokenAuth.feishu("cli_a1", APP_SECRET, token_url=secured.url("/token"), clock=clock.time)
    with client_for(secured, clock, auth) as client:
        client.get("/open-apis/hire/v1/applications")
        clock.advance(7200 - 59)
        client.get("/open-apis/hire/v1/applications")
    first_token_request = secured.requests_to("/token")[0]
    assert json.loads(first_token_request.body) == {"app_id": "cli_a1", "app_secret": APP_SECRET}
    assert secured.requests_to("/open-apis/hire/v1/applications")[0].headers["authorization"] == "Bearer t-abc"
    assert len(secured.requests_to("/token")) == 2
    assert auth.secrets == (APP_SECRET, "t-abc")


def test_app_token_from_a_form_body(secured, clock):
    """Beisen's POST /OAuth/Token takes its credentials as form fields under its own names."""
    body = json.dumps({"access_token": "t-form", "token_type": "bearer", "expires_in": 7200})
    secured.inject("/token", Fault.http(200, body=body))
    secured.tokens.append("t-form")
    form = {"grant_type": "client_credentials", "tenant_id": "100000", "app_id": "app-1", "secret": APP_SECRET}
    auth = AppTokenAuth(secured.url("/token"), form=form, clock=clock.time)
    with client_for(secured, clock, auth) as client:
        client.get("/TenantBaseExternal/api/v5/anything")
    sent = secured.requests_to("/token")[0]
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(sent.body.decode())) == form
    assert auth.secrets == (APP_SECRET, "t-form")


# ---------------------------------------------------------------- static credentials and signing


def test_basic_auth_api_key_as_user(fault_server, clock):
    with client_for(fault_server, clock, BasicAuth("bamboo-key", "x")) as client:
        client.get("/anything")
    assert fault_server.requests[0].headers["authorization"] == "Basic " + base64.b64encode(b"bamboo-key:x").decode()


def test_bearer_token_in_custom_header(fault_server, clock):
    with client_for(fault_server, clock, BearerTokenAuth("k-1", header="X-Api-Key", prefix="")) as client:
        client.get("/anything")
    assert fault_server.requests[0].headers["x-api-key"] == "k-1"


def test_hmac_signing_is_verifiable_and_fresh_per_attempt(fault_server, clock):
    nonces = iter(["n-1", "n-2"])
    auth = HmacSigningAuth("key-1", "sign-secret", clock=clock.time, nonce=lambda: next(nonces))
    fault_server.inject("/orders", Fault.http(500))
    with client_for(fault_server, clock, auth) as client:
        client.post("/orders?x=1", json={"a": 1})
    signatures = set()
    for sent in fault_server.requests_to("/orders"):
        h = sent.headers
        canonical = b"\n".join([b"POST", b"/orders?x=1", h["x-timestamp"].encode(), h["x-nonce"].encode(), sent.body])
        assert h["x-signature"] == hmac.new(b"sign-secret", canonical, hashlib.sha256).hexdigest()
        assert h["x-key-id"] == "key-1"
        signatures.add(h["x-signature"])
    assert len(signatures) == 2  # retried request was signed again with a new nonce


def test_hmac_signing_configurable_parts_and_base64():
    auth = HmacSigningAuth("k", "s", parts=("timestamp", "body_sha256"), separator="|", encoding="base64",
                           signature_header="Sign", key_id_header=None, nonce_header=None,
                           timestamp_ms=True, clock=lambda: 1.5, nonce=lambda: "unused")
    request = httpx.Request("POST", "https://h/p", content=b"{}")
    next(auth.sync_auth_flow(request))
    expected = hmac.new(b"s", b"1500|" + hashlib.sha256(b"{}").hexdigest().encode(), hashlib.sha256).digest()
    assert request.headers["Sign"] == base64.b64encode(expected).decode()
    assert "X-Key-Id" not in request.headers and "X-Nonce" not in request.headers
