"""The read API against a real ``hub serve``: lists of every kind, each filter, cursor pages while
writes go on, ETags, PII masked or read (audited) with pii:read, and malformed requests refused."""

from __future__ import annotations

from typing import Any

import pytest

from hub.core.models import Application, Candidate
from tests.api.conftest import HubServer
from tests.api.records_seed import PEOPLE, RND, SALES, seed
from tests.api.test_records_scope import all_pages, pg_database  # noqa: F401 - a fixture
from tests.store.conftest import pg_url  # noqa: F401 - the session fixture pg_database empties


@pytest.fixture
def world(hub_server: HubServer) -> tuple[HubServer, dict[str, str]]:
    return hub_server, seed(hub_server.store)


def _ids(server: HubServer, token: str, path: str, **params: Any) -> list[str]:
    with server.client(token) as client:
        answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["items"]]


def test_every_kind_is_listed_with_pii_masked_and_no_audit(world: tuple[HubServer, dict[str, str]]) -> None:
    server, ids = world
    token = server.token("hr_admin")
    expected = {"candidates": {"C1", "C2"}, "jobs": {"J1", "J2"}, "applications": {"A1", "A2"},
                "assessments": {"S1", "S2"}, "feedback": {"F1", "F2"}, "offers": {"O1"}, "employees": {"E1"},
                "departments": set()}
    with server.client(token) as client:
        for plural, keys in expected.items():
            answer = client.get(f"/v1/{plural}")
            assert answer.status_code == 200, answer.text
            assert {item["id"] for item in answer.json()["items"]} == {ids[key] for key in keys}, plural
            assert answer.json()["next_cursor"] is None
            for person in PEOPLE.values():
                for value in (person["name"], *person["phones"], *person["emails"]):
                    assert value not in answer.text
        c1 = client.get(f"/v1/candidates/{ids['C1']}").json()
    assert c1["name"] == "**" and c1["phones"].endswith("8000]") and c1["external_ids"] == {"ats": "C1"}
    assert server.store.audit_entries() == []


def test_pii_read_shows_plaintext_and_audits_every_record_returned(world: tuple[HubServer, dict[str, str]]) -> None:
    server, ids = world
    token = server.token("hr_admin", name="payroll", pii_read=True)
    with server.client(token) as client:
        listed = client.get("/v1/candidates", params={"limit": 1}).json()
        one = client.get(f"/v1/assessments/{ids['S1']}").json()
    assert listed["items"][0]["phones"] == PEOPLE["C1"]["phones"] and listed["next_cursor"]
    assert one["comments"] == "沟通清晰"
    reads = [(e["actor"], e["action"], e["entity_id"], e["detail"]["kind"]) for e in server.store.audit_entries()]
    # the page's one record and the assessment: not C2, which the page did not return
    assert reads == [("token:payroll", "read_pii", ids["C1"], "candidate"),
                     ("token:payroll", "read_pii", ids["S1"], "assessment")]


def test_each_filter(world: tuple[HubServer, dict[str, str]]) -> None:
    server, ids = world
    token = server.token("hr_admin")
    cases = [
        ("/v1/applications", {"job": ids["J1"]}, {"A1"}),
        ("/v1/assessments", {"job": ids["J1"]}, {"S1"}),  # through its application
        ("/v1/assessments", {"job": ids["J2"]}, {"S2"}),  # its own job
        ("/v1/feedback", {"job": ids["J2"]}, {"F2"}),
        ("/v1/offers", {"job": ids["J1"]}, set()),
        ("/v1/applications", {"department": SALES}, {"A1"}),
        ("/v1/offers", {"department": RND}, {"O1"}),
        ("/v1/jobs", {"department": RND}, {"J2"}),
        ("/v1/employees", {"department": SALES}, {"E1"}),
        ("/v1/applications", {"status": "hired"}, {"A2"}),
        ("/v1/jobs", {"status": "open"}, {"J1"}),
        ("/v1/offers", {"status": "sent"}, {"O1"}),
        ("/v1/employees", {"status": "active"}, {"E1"}),
        ("/v1/candidates", {"system": "ats"}, {"C1", "C2"}),
        ("/v1/candidates", {"system": "hris"}, set()),
        ("/v1/applications", {"job": ids["J2"], "status": "interviewing"}, set()),
    ]
    for path, params, expected in cases:
        assert set(_ids(server, token, path, **params)) == {ids[key] for key in expected}, (path, params)


def test_updated_range_and_deleted(world: tuple[HubServer, dict[str, str]]) -> None:
    server, ids = world
    store = server.store
    mark = store.now()
    with store.transaction() as tx:
        store.upsert_many(tx, "ats", [Application(external_ids={"ats": "A1"}, candidate={"id": ids["C1"]},
                                                  job={"id": ids["J1"]}, status="offer")])
    token = server.token("hr_admin")
    since, before = {"updated_since": mark.isoformat()}, {"updated_before": mark.isoformat()}
    assert _ids(server, token, "/v1/applications", **since) == [ids["A1"]]
    assert _ids(server, token, "/v1/applications", **before) == [ids["A2"]]
    with store.transaction() as tx:
        store.mark_deleted(tx, "ats", "application", ["A2"])
    assert _ids(server, token, "/v1/applications") == [ids["A1"]]
    assert _ids(server, token, "/v1/applications", deleted="true") == [ids["A2"]]
    with server.client(token) as client:  # a deleted record is still read by its id
        assert client.get(f"/v1/applications/{ids['A2']}").status_code == 200


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_pages_while_writes_go_on_lose_and_repeat_nothing(hub_server_factory: Any, request: pytest.FixtureRequest,
                                                          database: str) -> None:
    hub_server = hub_server_factory(database_url=request.getfixturevalue("pg_database") if database == "postgresql" else None)
    store = hub_server.store

    def write(names: range, tag: str) -> None:
        with store.transaction() as tx:
            store.upsert_many(tx, "ats", [Candidate(external_ids={"ats": f"p{n}"}, tags=[tag]) for n in names])

    write(range(30), "v1")
    before = set(_ids(hub_server, hub_server.token("hr_admin"), "/v1/candidates", limit=500))
    seen: list[str] = []
    edits = iter([range(0, 30, 3), range(1, 30, 2), range(30, 34), range(10, 20)])  # updates behind and ahead, new ones

    def between_pages() -> None:
        if (names := next(edits, None)) is not None:
            write(names, f"v{len(seen)}")

    seen = all_pages(hub_server, hub_server.token("hr_admin"), "/v1/candidates", limit=4, between=between_pages)
    assert len(seen) == len(set(seen)), "a record was returned twice"
    assert before <= set(seen), "a record that existed throughout was lost"


def test_etag_and_304(world: tuple[HubServer, dict[str, str]]) -> None:
    server, ids = world
    with server.client(server.token("hr_admin")) as client:
        first = client.get(f"/v1/jobs/{ids['J1']}")
        etag = first.headers["etag"]
        again = client.get(f"/v1/jobs/{ids['J1']}", headers={"If-None-Match": etag})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
        page = client.get("/v1/jobs")
        assert client.get("/v1/jobs", headers={"If-None-Match": page.headers["etag"]}).status_code == 304
        with server.store.transaction() as tx:
            server.store.upsert_many(tx, "ats", [server.store.get("job", ids["J1"]).model_copy(update={"title": "销售总监"})])
        changed = client.get(f"/v1/jobs/{ids['J1']}", headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.json()["title"] == "销售总监" and changed.headers["etag"] != etag
        assert client.get("/v1/jobs", headers={"If-None-Match": page.headers["etag"]}).status_code == 200


def test_malformed_requests_are_400(hub_server: HubServer) -> None:
    cases = [
        ("/v1/candidates", {"cursor": "bm90LWEtY3Vyc29y"}, "not a cursor"),
        ("/v1/candidates", {"cursor": "%%%"}, "not a cursor"),
        ("/v1/candidates", {"limit": 100000}, "limit is at most 500"),
        ("/v1/candidates", {"staus": "hired"}, "1 unknown query parameter(s); this endpoint takes: cursor, deleted"),
        ("/v1/candidates", {"job": "x"}, "do not apply to candidate"),
        ("/v1/candidates/some-id", {"pretty": "1"}, "1 unknown query parameter(s); this endpoint takes: none"),
    ]
    with hub_server.client(hub_server.token("hr_admin")) as client:
        for path, params, reason in cases:
            answer = client.get(path, params=params)
            assert answer.status_code == 400 and answer.json()["code"] == "bad-request", (params, answer.text)
            assert reason in answer.json()["reason"], params
        for params in ({"updated_since": "0.5"}, {"updated_before": "2026-12-01T08:00:00"}, {"limit": 0}, {"deleted": "maybe"}):
            answer = client.get("/v1/jobs", params=params)  # the types the OpenAPI document declares
            assert (answer.status_code, answer.json()["code"]) == (422, "invalid-request"), params
