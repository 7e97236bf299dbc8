"""OAuth2RefreshToken (hub.core.auth): the refresh-token grant whose refresh tokens rotate (Gusto).

The vendor is a small in-process token server (httpx.MockTransport) that issues ``at-N`` access tokens
and ``rt-N`` refresh tokens, refuses a spent refresh token and answers 401 to a revoked access token.
"""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from hub.core.auth import OAuth2RefreshToken
from hub.core.errors import AuthError, ConfigError
from hub.core.http import HttpClient, RetryPolicy
from tests.support import FakeClock

CLIENT_SECRET = "client-secret-9c8b7a"


class RotatingVendor:
    """Issues ``at-N``/``rt-N``; a refresh token works once; an access token listed in ``revoked`` gets 401."""

    def __init__(self) -> None:
        self.issued = 0
        self.valid_refresh = {"rt-0"}
        self.revoked: set[str] = set()
        self.token_bodies: list[dict[str, str]] = []
        self.seen_tokens: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            body = json.loads(request.content)
            self.token_bodies.append(body)
            if body.get("refresh_token") not in self.valid_refresh:
                return httpx.Response(401, json={"error": "invalid_grant", "error_description": "refresh token revoked"})
            self.valid_refresh.discard(body["refresh_token"])
            self.issued += 1
            self.valid_refresh.add(f"rt-{self.issued}")
            return httpx.Response(200, json={"access_token": f"at-{self.issued}", "token_type": "bearer",
                                             "expires_in": 7200, "refresh_token": f"rt-{self.issued}",
                                             "created_at": "2024-06-01T09:00:00.000-07:00"})
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        self.seen_tokens.append(token)
        if token in self.revoked or not token.startswith("at-"):
            return httpx.Response(401, json={"errors": [{"error_key": "invalid_token", "message": "expired"}]})
        return httpx.Response(200, json=[{"ok": True}])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _client(vendor: RotatingVendor, auth: OAuth2RefreshToken, clock: FakeClock) -> HttpClient:
    return HttpClient("https://api.example.test", auth=auth, retry=RetryPolicy(max_attempts=2), timeout=2.0,
                      transport=httpx.MockTransport(vendor), sleep=clock.sleep, clock=clock.time,
                      wall_clock=clock.time)


def _auth(clock: FakeClock, kept: list[str], **kwargs) -> OAuth2RefreshToken:
    return OAuth2RefreshToken("https://api.example.test/oauth/token", "client-1", CLIENT_SECRET, "rt-0",
                              on_rotate=kept.append, clock=clock.time, **kwargs)


def test_the_token_is_fetched_once_and_the_rotated_refresh_token_handed_over(clock: FakeClock) -> None:
    vendor, kept = RotatingVendor(), []
    auth = _auth(clock, kept)
    with _client(vendor, auth, clock) as client:
        client.get("/v1/employees")
        client.get("/v1/employees")
    assert vendor.token_bodies == [{"client_id": "client-1", "client_secret": CLIENT_SECRET,
                                    "grant_type": "refresh_token", "refresh_token": "rt-0"}]
    assert vendor.seen_tokens == ["at-1", "at-1"] and kept == ["rt-1"] and auth.refresh_token == "rt-1"


def test_a_401_refreshes_once_with_the_newest_refresh_token(clock: FakeClock) -> None:
    vendor, kept = RotatingVendor(), []
    with _client(vendor, _auth(clock, kept), clock) as client:
        client.get("/v1/employees")
        vendor.revoked.add("at-1")
        client.get("/v1/employees")
    assert [body["refresh_token"] for body in vendor.token_bodies] == ["rt-0", "rt-1"]  # never the spent one
    assert vendor.seen_tokens == ["at-1", "at-1", "at-2"] and kept == ["rt-1", "rt-2"]


def test_an_expired_token_is_refreshed_before_it_is_sent(clock: FakeClock) -> None:
    vendor, kept = RotatingVendor(), []
    with _client(vendor, _auth(clock, kept), clock) as client:
        client.get("/v1/employees")
        clock.advance(7200)
        client.get("/v1/employees")
    assert vendor.seen_tokens == ["at-1", "at-2"] and kept == ["rt-1", "rt-2"]


def test_a_refused_refresh_is_an_auth_error_that_names_no_token(clock: FakeClock, caplog) -> None:
    vendor, kept = RotatingVendor(), []
    vendor.valid_refresh.clear()  # the refresh token was spent elsewhere
    caplog.set_level(logging.DEBUG)
    with _client(vendor, _auth(clock, kept), clock) as client, pytest.raises(AuthError) as refused:
        client.get("/v1/employees")
    assert kept == [] and refused.value.status == 401
    for text in (str(refused.value), json.dumps(refused.value.to_dict()), caplog.text):
        assert CLIENT_SECRET not in text and "rt-0" not in text


def test_every_refresh_token_seen_is_a_secret_and_the_form_body_is_rfc_6749s(clock: FakeClock) -> None:
    vendor, kept = RotatingVendor(), []
    auth = _auth(clock, kept)
    with _client(vendor, auth, clock) as client:
        client.get("/v1/employees")
    assert {"rt-0", "rt-1", "at-1", CLIENT_SECRET} <= set(auth.secrets)
    form = OAuth2RefreshToken("https://t.example.test/token", "c", "s", "r", body="form",
                              redirect_uri="https://app.example.test/cb")._token_request()  # noqa: SLF001
    assert form.headers["content-type"] == "application/x-www-form-urlencoded"
    assert b"redirect_uri=https%3A%2F%2Fapp.example.test%2Fcb" in form.content
    with pytest.raises(ConfigError):
        OAuth2RefreshToken("https://t.example.test/token", "c", "s", "r", body="xml")
