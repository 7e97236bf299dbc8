"""The Alembic migrations create exactly the tables in hub.core.store.schema, and carry stored data forward."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hub.core.crypto import KeyRing, normalize_for_index
from hub.core.errors import StoreError
from hub.core.models import Candidate
from hub.core.store import Store
from hub.core.store import schema as t
from hub.core.store.schema import metadata, new_id
from tests.store.conftest import PG_URL, candidate


def test_migrated_schema_matches_the_tables(store):
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    assert store.current_revision() == "0010"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A database with no tables yet: a SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    request.getfixturevalue("pg_url")  # skips (or fails under CI) without a server
    schema = f"hub_old_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def _write_as_revision_0002(store: Store, person: Candidate) -> str:
    """Store ``person`` the way revision 0002 did: its blind indexes as full HMAC-SHA256 hex."""
    codec, entity_id, now = store.codec, new_id(), Store.now()
    prepared = codec.prepare(person, "beisen")
    content = codec.split(prepared)
    with store.transaction() as tx:
        tx.execute(t.entities.insert().values(
            id=entity_id, kind="candidate", version=1, content_hash=codec.hash_of(prepared), data=content.data_json(),
            provenance=content.provenance_json(), pii=codec.encrypt_pii("candidate", entity_id, content.pii_json()),
            erased=False, created_at=now, updated_at=now,
        ))  # fmt: skip
        tx.execute(t.external_ids.insert().values(
            system="beisen", kind="candidate", external_id=person.external_ids["beisen"], entity_id=entity_id,
            content_hash=codec.hash_of(prepared),
        ))  # fmt: skip
        for name in ("national_id", "phones", "emails"):
            value = getattr(person, name)
            for item in value if isinstance(value, list) else [value]:
                full = hmac.digest(store.keyring.field_key(f"index/{name}"), normalize_for_index(name, item).encode(), "sha256")
                tx.execute(sa.text("INSERT INTO blind_index (entity_id, field, hmac, kind) VALUES (:e, :f, :h, 'candidate')"),
                           {"e": entity_id, "f": name, "h": full.hex()})  # fmt: skip
    return entity_id


def test_upgrade_to_64_bit_blind_indexes_keeps_every_person_findable(empty_db_url: str, keyring: KeyRing) -> None:
    store = Store.open(empty_db_url, keyring)
    store.upgrade("0002")
    person = candidate(7)
    old_id = _write_as_revision_0002(store, person)

    store.upgrade()

    with store.engine.connect() as conn:
        stored = sorted(conn.execute(sa.select(t.blind_index.c.field, t.blind_index.c.hmac)).all())
    assert stored == sorted([
        ("emails", keyring.blind_index("emails", person.emails[0])),
        ("national_id", keyring.blind_index("national_id", person.national_id)),
        ("phones", keyring.blind_index("phones", person.phones[0])),
    ])  # fmt: skip
    same_person = candidate(7, system="moka")
    with store.transaction() as tx:
        result = store.upsert_many(tx, "moka", [same_person])
    assert (result.merged, result.ids) == (1, [old_id])
    store.close()


def test_downgrade_refuses_to_drop_the_64_bit_indexes(store: Store) -> None:
    from alembic import command

    with store.transaction() as tx:
        store.upsert_many(tx, "beisen", [candidate(1)])
    with pytest.raises(StoreError, match="restore a backup"), store.transaction() as tx:
        command.downgrade(store._alembic(tx), "0002")
    assert store.current_revision() == "0010"


def test_upgrade_copies_each_deleted_marker_onto_its_external_ids(empty_db_url: str, keyring: KeyRing) -> None:
    """Revision 0004 fills ``external_ids.entity_deleted`` for entities deleted before it, so their next
    upsert still un-deletes them instead of passing as unchanged."""
    store = Store.open(empty_db_url, keyring)
    store.upgrade("0003")
    codec, now = store.codec, Store.now()
    ids = {}
    with store.transaction() as tx:  # rows as revision 0003 wrote them: no entity_deleted column
        for n, deleted_at in ((1, None), (2, now)):
            prepared = codec.prepare(candidate(n), "beisen")
            content, ids[n] = codec.split(prepared), new_id()
            tx.execute(t.entities.insert().values(
                id=ids[n], kind="candidate", version=1, content_hash=codec.hash_of(prepared), data=content.data_json(),
                provenance=content.provenance_json(), pii=codec.encrypt_pii("candidate", ids[n], content.pii_json()),
                erased=False, created_at=now, updated_at=now, deleted_at=deleted_at,
            ))  # fmt: skip
            tx.execute(sa.text("INSERT INTO external_ids (system, kind, external_id, entity_id, content_hash)"
                               " VALUES ('beisen', 'candidate', :x, :e, :h)"),
                       {"x": f"c{n}", "e": ids[n], "h": codec.hash_of(prepared)})  # fmt: skip

    store.upgrade()

    with store.engine.connect() as conn:
        flags = dict(conn.execute(sa.select(t.external_ids.c.external_id, t.external_ids.c.entity_deleted)).all())
    assert {x: bool(flag) for x, flag in flags.items()} == {"c1": False, "c2": True}
    with store.transaction() as tx:
        result = store.upsert_many(tx, "beisen", [candidate(1), candidate(2)])
    assert (result.unchanged, result.updated) == (1, 1) and store.deleted_at("candidate", ids[2]) is None
    store.close()
