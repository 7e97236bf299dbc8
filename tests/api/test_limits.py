"""The service's limits against a real ``hub serve``: body size, JSON depth, requests per token."""

from __future__ import annotations

import json

import pytest

LIMITS = {"service": {"max_body_bytes": 4096, "max_json_depth": 8, "rate_limit_per_minute": 5}}


@pytest.fixture
def limited(hub_server_factory):
    return hub_server_factory(config=LIMITS)


def nested(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


def test_a_body_over_the_cap_is_refused_by_its_length_or_by_its_count_when_chunked(limited) -> None:
    with limited.client() as client:
        declared = client.post("/v1/health", content=b"x" * 5000)
        chunked = client.post("/v1/health", content=iter([b"x" * 1000] * 6))
        within = client.post("/v1/health", content=b"x" * 4000)
    assert (declared.status_code, declared.json()["code"]) == (413, "payload-too-large")
    assert (chunked.status_code, chunked.json()["code"]) == (413, "payload-too-large")
    assert within.status_code == 405  # read whole and handed on: the route takes no POST


def test_a_body_nested_deeper_than_the_cap_is_refused_before_it_is_parsed(limited) -> None:
    with limited.client() as client:
        deep = client.post("/v1/health", content=nested(9), headers={"content-type": "application/json"})
        flat = client.post("/v1/health", content=nested(8), headers={"content-type": "application/json"})
        quoted = client.post("/v1/health", content=json.dumps({"a": "[" * 100}).encode())
        scalar = client.post("/v1/health", content=json.dumps("[" * 100).encode())
    assert (deep.status_code, deep.json()["code"]) == (400, "bad-request")
    assert flat.status_code == quoted.status_code == scalar.status_code == 405


def test_a_token_that_spends_its_requests_a_minute_gets_429_with_retry_after_and_others_go_on(limited) -> None:
    busy, other = limited.token("hr_admin"), limited.token("hr_admin")
    with limited.client(busy) as client:
        answers = [client.get("/v1/token") for _ in range(6)]
    assert [answer.status_code for answer in answers] == [200] * 5 + [429]
    assert answers[-1].json()["code"] == "too-many-requests"
    assert 1 <= int(answers[-1].headers["retry-after"]) <= 12
    with limited.client(other) as client:
        assert client.get("/v1/token").status_code == 200


def test_a_client_sending_bad_tokens_runs_out_of_401_answers_but_its_valid_tokens_go_on(limited) -> None:
    with limited.client("hub_guess") as client:
        answers = [client.get("/v1/token").status_code for _ in range(6)]
    assert answers == [401] * 5 + [429]
    with limited.client(limited.token("hr_admin")) as client:
        assert client.get("/v1/token").status_code == 200
