"""``GET /v1/lookup`` against a real ``hub serve``: a person's phone, national ID or email (normalized
as the record path stores them) or a system's id finds the records the token may see, and nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import HubServer
from tests.api.records_seed import SALES, seed


@pytest.fixture
def world(hub_server: HubServer) -> tuple[HubServer, dict[str, str]]:
    return hub_server, seed(hub_server.store)


def _found(server: HubServer, token: str, **params: Any) -> list[str]:
    with server.client(token) as client:
        answer = client.get("/v1/lookup", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.json()["next_cursor"] is None
    return [item["id"] for item in answer.json()["items"]]


def test_pii_queries_are_normalized_as_records_are(world: tuple[HubServer, dict[str, str]]) -> None:
    server, ids = world
    token = server.token("hr_admin")
    for params in ({"phone": "+8613800138000"}, {"phone": "138 0013 8000"}, {"phone": "+86-138-0013-8000"},
                   {"email": "Wang.Fang@EXAMPLE.com"}, {"national_id": "110105 19491231 002x"}):
        assert _found(server, token, **params) == [ids["C1"]], params
    assert _found(server, token, phone="13900139001") == []


def test_external_id_finds_any_readable_kind(world: tuple[HubServer, dict[str, str]]) -> None:
    server, ids = world
    assert _found(server, server.token("hr_admin"), system="ats", external_id="A1") == [ids["A1"]]
    assert _found(server, server.token("system", kinds=["job"]), system="ats", external_id="A1") == []
    assert _found(server, server.token("hr_admin"), system="other", external_id="A1") == []


def test_out_of_scope_records_are_not_found(world: tuple[HubServer, dict[str, str]]) -> None:
    server, ids = world
    zhang = server.token("interviewer", interviewer="张伟")
    assert _found(server, zhang, phone="13800138000") == [ids["C1"]]  # interviewed by 张伟
    assert _found(server, zhang, phone="13900139000") == []  # C2: out of scope, same answer as nobody
    assert _found(server, zhang, system="ats", external_id="S2") == []
    sales = server.token("department_head", departments=[SALES])
    assert _found(server, sales, phone="13800138000") == []  # candidates are not a department head's kind
    assert _found(server, sales, system="ats", external_id="A1") == [ids["A1"]]
    assert _found(server, sales, system="ats", external_id="A2") == []
    me = server.token("personal", subject=ids["C2"])
    assert _found(server, me, system="ats", external_id="F2") == [ids["F2"]]
    assert _found(server, me, system="ats", external_id="F1") == []


def test_pii_read_lookup_is_audited_and_masked_otherwise(world: tuple[HubServer, dict[str, str]]) -> None:
    server, ids = world
    with server.client(server.token("hr_admin")) as client:
        masked = client.get("/v1/lookup", params={"email": "li.na@example.com"}).json()["items"]
    assert masked[0]["name"] == "**" and "li.na" not in str(masked) and server.store.audit_entries() == []
    with server.client(server.token("hr_admin", name="hr-case", pii_read=True)) as client:
        plain = client.get("/v1/lookup", params={"email": "li.na@example.com"}).json()["items"]
    assert plain[0]["name"] == "李娜"
    assert [(e["actor"], e["action"], e["entity_id"]) for e in server.store.audit_entries()] == [
        ("token:hr-case", "read_pii", ids["C2"])]


def test_bad_lookups_are_400_without_echoing_the_value(hub_server: HubServer) -> None:
    with hub_server.client(hub_server.token("hr_admin")) as client:
        for params in ({}, {"phone": "13800138000", "email": "a@b.cn"}, {"system": "ats"}, {"external_id": "1"},
                       {"phone": "12345"}, {"national_id": "110105194912310021"}, {"email": "not-an-email"},
                       {"name": "王芳"}):
            answer = client.get("/v1/lookup", params=params)
            assert answer.status_code == 400 and answer.json()["code"] == "bad-request", (params, answer.text)
            for value in params.values():
                assert len(value) < 6 or value not in answer.text, params
