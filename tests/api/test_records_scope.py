"""Every role against the read API, with records inside and outside its scope: lists (counted by
paging one record a page), gets, filters that would reveal an out-of-scope record, and the 403 of a
kind the role may not read — on SQLite, and the list and scope on PostgreSQL too."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from hub.core.store.schema import metadata
from tests.api.conftest import HubServer
from tests.api.records_seed import RND, SALES, seed
from tests.store.conftest import pg_url  # noqa: F401 — the session fixture: a fresh, migrated schema

KINDS = {"candidates": "C", "jobs": "J", "applications": "A", "assessments": "S", "feedback": "F", "offers": "O",
         "employees": "E"}

#: role, scope → what each readable kind lists (by seed key); kinds not listed answer 403.
ROLES: list[tuple[str, dict[str, Any], dict[str, set[str]]]] = [
    ("hr_admin", {}, {"candidates": {"C1", "C2"}, "jobs": {"J1", "J2"}, "applications": {"A1", "A2"},
                      "assessments": {"S1", "S2"}, "feedback": {"F1", "F2"}, "offers": {"O1"}, "employees": {"E1"}}),
    ("department_head", {"departments": [SALES]},
     {"applications": {"A1"}, "assessments": {"S1"}, "feedback": {"F1"}, "offers": set()}),
    ("department_head", {"departments": [RND]},
     {"applications": {"A2"}, "assessments": {"S2"}, "feedback": {"F2"}, "offers": {"O1"}}),
    ("interviewer", {"interviewer": "张伟"}, {"candidates": {"C1"}, "assessments": {"S1"}}),
    ("system", {"kinds": ["job", "offer"]}, {"jobs": {"J1", "J2"}, "offers": {"O1"}}),
    ("personal", {"subject": "C1"}, {"assessments": {"S1"}, "feedback": {"F1"}}),
]


def all_pages(server: HubServer, token: str, path: str, *, limit: int, between: Callable[[], None] = lambda: None,
              **params: Any) -> list[str]:
    """The ids of every page of ``path``, following ``next_cursor``; ``between`` runs between pages."""
    seen: list[str] = []
    cursor = None
    with server.client(token) as client:
        while True:
            answer = client.get(path, params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})})
            assert answer.status_code == 200, answer.text
            page = answer.json()
            assert len(page["items"]) <= limit
            seen += [item["id"] for item in page["items"]]
            if (cursor := page["next_cursor"]) is None:
                return seen
            between()


def _token(server: HubServer, ids: dict[str, str], role: str, scope: dict[str, Any]) -> str:
    scope = {**scope, "subject": ids[scope["subject"]]} if "subject" in scope else scope
    return server.token(role, **scope)


def check_lists(server: HubServer, ids: dict[str, str]) -> None:
    """Each role lists exactly its scope (paging one by one), and is refused the kinds it may not read."""
    for role, scope, lists in ROLES:
        token = _token(server, ids, role, scope)
        for plural in KINDS:
            if plural not in lists:
                with server.client(token) as client:
                    answer = client.get(f"/v1/{plural}")
                assert (answer.status_code, answer.json()["code"]) == (403, "forbidden"), (role, plural)
                continue
            seen = all_pages(server, token, f"/v1/{plural}", limit=1)
            assert sorted(seen) == sorted(ids[key] for key in lists[plural]), (role, scope, plural)


def test_each_role_lists_exactly_its_scope(hub_server: HubServer) -> None:
    check_lists(hub_server, seed(hub_server.store))


@pytest.mark.parametrize(("role", "scope", "lists"), ROLES, ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(ROLES)])
def test_out_of_scope_get_is_the_404_of_a_missing_record(hub_server: HubServer, role: str, scope: dict[str, Any],
                                                         lists: dict[str, set[str]]) -> None:
    ids = seed(hub_server.store)
    with hub_server.client(_token(hub_server, ids, role, scope)) as client:
        missing = client.get("/v1/jobs/no-such-id" if "jobs" in lists else "/v1/assessments/no-such-id")
        assert missing.status_code == 404
        for plural, keys in lists.items():
            for key, entity_id in ids.items():
                if not key.startswith(KINDS[plural]):
                    continue
                answer = client.get(f"/v1/{plural}/{entity_id}")
                if key in keys:
                    assert answer.status_code == 200 and answer.json()["id"] == entity_id
                else:
                    assert (answer.status_code, answer.content) == (404, missing.content), (role, plural, key)


def test_a_filter_reveals_nothing_outside_the_scope(hub_server: HubServer) -> None:
    ids = seed(hub_server.store)
    sales = hub_server.token("department_head", departments=[SALES])
    zhang = hub_server.token("interviewer", interviewer="张伟")
    with hub_server.client(sales) as client:
        for params in ({"department": RND}, {"job": ids["J2"]}, {"status": "hired"}, {"system": "ats", "job": ids["J2"]}):
            answer = client.get("/v1/applications", params=params)
            assert answer.json() == {"items": [], "next_cursor": None}, params
    with hub_server.client(zhang) as client:
        assert client.get("/v1/candidates", params={"system": "ats"}).json()["items"] == [
            {"id": ids["C1"], "external_ids": {"ats": "C1"}, "name": "**", "emails": "[*****************.com]",
             "phones": "[**********8000]", "national_id": "**************002X", "tags": []}]


@pytest.fixture
def pg_database(pg_url: str) -> Iterator[str]:  # noqa: F811 - the imported session fixture
    """The session's PostgreSQL schema, emptied before and after (its key checks too: the server's ring is new)."""
    engine = sa.create_engine(pg_url)

    def empty() -> None:
        with engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {', '.join(t.name for t in metadata.sorted_tables)} RESTART IDENTITY CASCADE"))

    empty()
    yield pg_url
    empty()
    engine.dispose()


def test_lists_and_scope_on_postgresql(hub_server_factory: Any, pg_database: str) -> None:
    server = hub_server_factory(database_url=pg_database)
    check_lists(server, seed(server.store))
