"""Fixtures: the same store suite on a SQLite file and on the real PostgreSQL server.

PostgreSQL runs in a fresh schema per test session (dropped afterwards); tables are emptied between
tests. Without a reachable server the PostgreSQL half is skipped with the reason — except under
CI=true, where it fails.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from hub.core.crypto import KeyRing
from hub.core.models import ZERO_TO_100, Assessment, Candidate, DimensionScore, Provenance, Ref, Score
from hub.core.store import Store
from hub.core.store.database import Database
from hub.core.store.schema import metadata

PG_URL = os.environ.get("HUB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FETCHED = dt.datetime(2024, 6, 1, 8, 0, tzinfo=dt.UTC)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def national_id(n: int) -> str:
    """A made-up resident ID number with a valid GB 11643 checksum."""
    body = f"3201021985{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS)) % 11]


def candidate(n: int, system: str = "beisen", **changes: object) -> Candidate:
    fields: dict[str, object] = {
        "external_ids": {system: f"c{n}"},
        "provenance": Provenance(system=system, fetched_at=FETCHED),
        "name": f"王{n}芳",
        "national_id": national_id(n),
        "phones": [f"+86139{n:08d}"],
        "emails": [f"wang.fang{n}@example.cn"],
        "remote_data": {"bank_card": f"62220212{n:011d}", "salary": f"{31000 + n * 7}.50"},
        "tags": ["java"],
    }
    fields.update(changes)
    return Candidate(**fields)


def assessment(n: int, system: str = "beisen") -> Assessment:
    return Assessment(
        external_ids={system: f"a{n}"},
        provenance=Provenance(system=system, fetched_at=FETCHED),
        vendor=system,
        candidate=Ref(system=system, external_id=f"c{n}"),
        overall=Score(value=str(60 + n % 40), scale=ZERO_TO_100),
        dimensions=[
            DimensionScore(key=k, label=k, score=Score(value=str(50 + i), scale=ZERO_TO_100))
            for i, k in enumerate(("communication", "logic", "learning", "teamwork", "stress", "motivation"))
        ],
    )


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A URL whose search_path is a fresh schema, migrated once; the schema is dropped at the end."""
    engine = sa.create_engine(PG_URL)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server"
        engine.dispose()
        reason = f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: PostgreSQL is required)")
        pytest.skip(reason)
    schema = f"hub_test_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    Database.open(url).upgrade()  # the schema only: each test's store records its own ring's key checks
    yield url
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def keyring() -> KeyRing:
    return KeyRing.generate("k1")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.db'}"
        return
    url = request.getfixturevalue("pg_url")
    yield url
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        names = ", ".join(table.name for table in metadata.sorted_tables)
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def store(db_url: str, keyring: KeyRing) -> Iterator[Store]:
    store = Store.open(db_url, keyring)
    store.upgrade()
    yield store
    store.close()
