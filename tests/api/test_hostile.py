"""Hostile input gets a 4xx in the one error shape, never a 500 — on every endpoint the OpenAPI
document lists (so an endpoint added later is covered without touching this file)."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import uvicorn

from hub.api.app import create_app, openapi_document
from tests.api.conftest import free_port

#: Values a client should never send: NUL, non-UTF-8, numbers no column holds, injections, floods.
HOSTILE_VALUES = ["", "\x00", "a\x00b", "9" * 400, "-99999999999999999999", "1e309", "NaN", "-1", "0",
                  "' OR 1=1 --", "../../etc/passwd", "x" * 4000, "[]{}", "😀" * 50, "２０", "true", " "]
#: The same, raw in the URL: percent-encoded bytes that are not UTF-8.
RAW_HOSTILE = ["%FF%FE", "%C0%80", "%00"]
HOSTILE_BODIES = [b"\xff\xfe\x00", b"[]", b"1", b"null", b'{"a":', b"1" * 3000, b'{"a": ' + b"9" * 3000 + b"}",
                  b'{"' + b"k" * 200 + b'": {}}', b"[" * 33 + b"]" * 33, b'"[[[["', b'"\\"[[', b"]]]]"]
HOSTILE_AUTHORIZATION = ["Bearer", "Bearer " + "x" * 8000, "Basic dXNlcjpwYXNz", "bearer hub_ x",
                         "Bearer hub_" + "A" * 43]


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in openapi_document()["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def fill(path: str, value: str = "x") -> str:
    return re.sub(r"\{[^}]+\}", value, path)


@pytest.fixture
def server(hub_server_factory):
    return hub_server_factory(config={"service": {"rate_limit_per_minute": 100_000, "long_poll_max_seconds": 0.5,
                                                  "stream_max_seconds": 0.5}})


def refused_cleanly(response: httpx.Response) -> bool:
    """A 4xx in the one error shape, or a success: anything but a server error."""
    if response.status_code >= 500:
        return False
    return response.status_code < 400 or {"code", "reason"} <= set(response.json())


def test_hostile_parameters_on_every_endpoint_get_4xx_never_500(server) -> None:
    failures = []
    with server.client(server.token("hr_admin", pii_read=True)) as client:
        for method, path, operation in operations():
            params = [param for param in operation.get("parameters", ()) if param["in"] in ("query", "path")]
            unknown = client.request(method, fill(path), params={"no_such_parameter": "1"})
            if unknown.status_code != 400 and unknown.status_code != 404:
                failures.append((method, path, "unknown parameter", unknown.status_code))
            for param in params:
                for value in HOSTILE_VALUES:
                    if param["in"] == "path":
                        answer = client.request(method, fill(path, quote(value, safe="")))
                    else:
                        answer = client.request(method, fill(path), params={param["name"]: value})
                    if not refused_cleanly(answer):
                        failures.append((method, path, param["name"], value[:20], answer.status_code))
                for raw in RAW_HOSTILE:
                    url = fill(path, raw) if param["in"] == "path" else f"{fill(path)}?{param['name']}={raw}"
                    if not refused_cleanly(answer := client.request(method, url)):
                        failures.append((method, path, param["name"], raw, answer.status_code))
            for body in HOSTILE_BODIES:  # every request's body is read (and capped) before routing
                answer = client.request(method, fill(path), content=body, headers={"content-type": "application/json"})
                if not refused_cleanly(answer):
                    failures.append((method, path, "body", body[:20], answer.status_code))
    assert failures == []
    assert "internal-error" not in server.output()


def test_a_nul_or_an_unknown_parameter_is_a_400_that_echoes_nothing(server) -> None:
    with server.client(server.token("hr_admin")) as client:
        unknown = client.get("/v1/token", params={"13800138000": "x"})
        nul = client.get("/v1/health", params={"x": "\x00"})
    assert (unknown.status_code, unknown.json()["code"]) == (400, "bad-request")
    assert "13800138000" not in unknown.text
    assert nul.status_code == 400


def test_hostile_authorization_headers_get_401(server) -> None:
    with server.client() as client:
        for value in HOSTILE_AUTHORIZATION:
            answer = client.get("/v1/token", headers={"Authorization": value})
            assert (answer.status_code, answer.json()["code"]) == (401, "unauthenticated"), value[:20]
        latin = client.get("/v1/token", headers={"Authorization": "Bearer h\xfcb".encode("latin-1")})
    assert latin.status_code == 401
    assert "internal-error" not in server.output()


def test_an_unexpected_error_is_a_500_that_tells_and_logs_nothing_of_it(caplog) -> None:
    """A defect (here a route that raises with a phone number in its message) reaches the last resort."""
    app = create_app(None)

    @app.get("/test/broken")
    def broken() -> None:
        raise ValueError("no row for 13800138000")

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        with caplog.at_level(logging.ERROR):
            answer = httpx.get(f"http://127.0.0.1:{port}/test/broken")
    finally:
        server.should_exit = True
        thread.join(10)
    assert (answer.status_code, answer.json()["code"]) == (500, "internal-error")
    assert "13800138000" not in answer.text and "Traceback" not in answer.text
    assert "internal-error on GET /test/broken: ValueError" in caplog.text
    assert "13800138000" not in caplog.text
