"""The scrubbing VCR: a conversation recorded against a real local server keeps no credential.

A plugin author records a cassette once against the vendor (``HUB_RECORD_CASSETTES=1``); what is
written must already be scrubbed, because a secret that reaches a file reaches git. The server here
answers as a token endpoint does (an access token, a refresh token, a session cookie), and the client
sends what connectors send (a bearer token, an API key in the query, a client secret in the form).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from hub.testing import scrubbing_vcr, secret_findings

SECRETS = ("at-1b0c9e7d55aa41f2", "rt-77f1d2a9c3e84b60", "session=5c2f9a1e", "bearer-0d4e8c2b", "key-9a8b7c6d",
           "client-secret-3e2d1c0b")


class TokenEndpoint(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 — the name http.server calls
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps({"token_type": "Bearer", "access_token": SECRETS[0], "refresh_token": SECRETS[1],
                           "expires_in": 3600}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", SECRETS[2])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet: the test reads the cassette, not the server's log."""


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), TokenEndpoint)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    thread.join()


def test_a_recorded_conversation_is_written_scrubbed_and_replays(server: str, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def call() -> httpx.Response:
        with httpx.Client() as client:
            return client.post(f"{server}/token", params={"api_key": SECRETS[4], "sub": "4080"},
                               headers={"Authorization": f"Bearer {SECRETS[3]}"},
                               data={"grant_type": "client_credentials", "client_secret": SECRETS[5]})

    monkeypatch.setenv("HUB_RECORD_CASSETTES", "1")
    with scrubbing_vcr(tmp_path).use_cassette("token.yaml"):
        assert call().json()["access_token"] == SECRETS[0]  # the live answer reaches the caller whole
    written = (tmp_path / "token.yaml").read_text(encoding="utf-8")
    assert not [secret for secret in SECRETS if secret in written]
    assert secret_findings(tmp_path / "token.yaml", SECRETS) == []
    assert "sub=4080" in written and "client_credentials" in written  # only credentials are scrubbed

    monkeypatch.delenv("HUB_RECORD_CASSETTES")
    with scrubbing_vcr(tmp_path).use_cassette("token.yaml") as cassette:
        replayed = call().json()
    assert cassette.all_played and replayed["access_token"] == "<REDACTED>" and replayed["expires_in"] == 3600
