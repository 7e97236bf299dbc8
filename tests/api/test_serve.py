"""``hub serve`` as a user starts it: a real uvicorn process answering on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess

from hub.api.app import openapi_document
from tests.conftest import HUB


def test_the_server_answers_and_refuses_without_a_token_in_one_error_shape(hub_server) -> None:
    with hub_server.client() as client:
        assert client.get("/v1/health").json()["status"] == "ok"
        missing = client.get("/v1/no-such-endpoint")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not-found"


def test_serve_openapi_prints_the_document_without_a_store(tmp_path) -> None:
    done = subprocess.run([str(HUB), "serve", "--openapi"], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert json.loads(done.stdout) == json.loads(json.dumps(openapi_document()))
    assert not (tmp_path / "hub.db").exists()


def test_a_token_authenticates_until_it_is_revoked(hub_server) -> None:
    token = hub_server.token("system", kinds=["offer"], name="payroll")
    assert hub_server.store.api_tokens.authenticate(token).readable_kinds == {"offer"}
    hub_server.store.api_tokens.revoke("payroll")
    assert hub_server.store.api_tokens.authenticate(token) is None
