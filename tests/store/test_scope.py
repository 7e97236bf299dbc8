"""``hub.core.store.scope.visible`` on SQLite and PostgreSQL: exactly the records each role's grant
may see, in one SQL condition, over a seeded hiring world (tests/api/records_seed.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.core.access import Grant, Role
from hub.core.store import Store
from hub.core.store import schema as t
from hub.core.store.scope import department_of, job_of, json_text, visible
from tests.api.records_seed import RND, SALES, seed


@pytest.fixture
def world(store: Store) -> tuple[Store, dict[str, str]]:
    """The ``store`` fixture (a SQLite file, then PostgreSQL) holding the seeded world."""
    return store, seed(store)


def _seen(store: Store, grant: Grant) -> set[str]:
    with store.reading() as conn:
        return set(conn.execute(sa.select(t.entities.c.id).where(visible(grant))).scalars())


def _names(ids: dict[str, str], *keys: str) -> set[str]:
    return {ids[key] for key in keys}


def test_each_role_sees_exactly_its_scope(world: tuple[Store, dict[str, str]]) -> None:
    store, ids = world
    cases = {
        Grant("1", "admin", Role.HR_ADMIN): set(ids),
        Grant("2", "sales", Role.DEPARTMENT_HEAD, departments=frozenset({SALES})): {"A1", "S1", "F1"},
        Grant("3", "rnd", Role.DEPARTMENT_HEAD, departments=frozenset({RND})): {"A2", "S2", "F2", "O1"},
        Grant("4", "both", Role.DEPARTMENT_HEAD, departments=frozenset({SALES, RND})): {"A1", "S1", "F1", "A2", "S2", "F2", "O1"},
        Grant("5", "zhang", Role.INTERVIEWER, interviewer="张伟"): {"S1", "C1"},
        Grant("6", "nobody", Role.INTERVIEWER, interviewer="无人"): set(),
        Grant("7", "feed", Role.SYSTEM, kinds=frozenset({"job", "offer"})): {"J1", "J2", "O1"},
        Grant("8", "me", Role.PERSONAL, subject=ids["C1"]): {"S1", "F1"},
    }
    for grant, expected in cases.items():
        assert _seen(store, grant) == _names(ids, *expected), grant.name


def test_department_and_job_of_each_kind(world: tuple[Store, dict[str, str]]) -> None:
    store, ids = world
    e = t.entities
    with store.reading() as conn:
        rows = {i: (department, job) for i, department, job in conn.execute(sa.select(e.c.id, department_of(e), job_of(e)))}
    by_key = {key: rows[entity_id] for key, entity_id in ids.items()}
    assert by_key["S1"] == (SALES, ids["J1"])  # through its application
    assert by_key["S2"] == (RND, ids["J2"])  # its own job
    assert by_key["O1"] == (RND, ids["J2"]) and by_key["F1"] == (SALES, ids["J1"])
    assert by_key["E1"][0] == SALES and by_key["C1"] == (None, None)


def test_json_text_paths_are_part_of_the_statement_cache_key(world: tuple[Store, dict[str, str]]) -> None:
    """Two statements that differ only in a JSON path must not share a compiled form (SQLAlchemy's cache)."""
    store, ids = world
    e = t.entities
    with store.reading() as conn:
        for path, expected in (("status", {"J1": "open", "J2": "closed"}), ("title", {"J1": "销售经理", "J2": "后端工程师"})):
            found = dict(conn.execute(sa.select(e.c.id, json_text(e.c.data, path)).where(e.c.kind == "job")).all())
            assert found == {ids[key]: value for key, value in expected.items()}, path
