"""PII is never in the database in plaintext; tokens are bound to their row and field."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.core.crypto import KeyRing
from hub.core.errors import DecryptionError, KeyRingMismatchError
from hub.core.store import Store
from hub.core.store import schema as t
from hub.core.store.schema import metadata
from tests.store.conftest import assessment, candidate, national_id


def _load(store: Store, count: int = 60) -> list[str]:
    with store.transaction() as tx:
        ids = store.upsert_many(tx, "beisen", [candidate(n) for n in range(count)]).ids
        store.upsert_many(tx, "beisen", [assessment(n) for n in range(count)])
        store.add_dead_letter(tx, system="beisen", record_ref="c999", error={"code": "x"}, payload={"id": national_id(999)})
    return ids


def _secrets(count: int = 60) -> list[str]:
    values = [national_id(999)]
    for n in range(count):
        c = candidate(n)
        values += [c.national_id, c.phones[0], c.phones[0][3:], c.emails[0], c.name, *c.remote_data.values()]
    return values


def _database_text(store: Store, db_url: str) -> str:
    if store.engine.dialect.name == "sqlite":
        store.close()  # checkpoint the WAL so the main file is what we read
        path = Path(db_url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*")).decode("utf-8", "replace")
    with store.engine.connect() as conn:
        return "\n".join(
            row[0] for table in metadata.sorted_tables for row in conn.execute(sa.text(f"SELECT t::text FROM {table.name} t"))
        )


def test_no_loaded_pii_in_plaintext_anywhere(store, db_url):
    _load(store)
    text = _database_text(store, db_url)
    assert "v1.k1." in text  # the scan does read the stored rows
    leaked = [value for value in _secrets() if value in text]
    assert leaked == []


def test_stored_rows_hold_tokens_not_values(store):
    [entity_id] = _load(store, 1)[:1]
    with store.engine.connect() as conn:
        pii = json.loads(conn.execute(sa.select(t.entities.c.pii).where(t.entities.c.id == entity_id)).scalar_one())
    assert set(pii) == {"name", "national_id", "phones", "emails", "remote_data"}
    assert all(token.startswith("v1.k1.") for token in pii.values())


def _pii(store: Store, entity_id: str) -> dict[str, str]:
    with store.engine.connect() as conn:
        return json.loads(conn.execute(sa.select(t.entities.c.pii).where(t.entities.c.id == entity_id)).scalar_one())


def _set_pii(store: Store, entity_id: str, pii: dict[str, str]) -> None:
    with store.transaction() as tx:
        tx.execute(t.entities.update().where(t.entities.c.id == entity_id).values(pii=json.dumps(pii)))


def test_tampered_ciphertext_is_rejected(store):
    entity_id = _load(store, 1)[0]
    pii = _pii(store, entity_id)
    token = pii["national_id"]
    head, body = token.rsplit(".", 1)
    raw = bytearray(__import__("base64").urlsafe_b64decode(body))
    raw[20] ^= 0x01
    pii["national_id"] = f"{head}.{__import__('base64').urlsafe_b64encode(bytes(raw)).decode()}"
    _set_pii(store, entity_id, pii)
    with pytest.raises(DecryptionError, match="national_id"):
        store.get("candidate", entity_id)


def test_token_moved_to_another_row_is_rejected(store):
    first, second = _load(store, 2)[:2]
    pii = _pii(store, second)
    pii["national_id"] = _pii(store, first)["national_id"]
    _set_pii(store, second, pii)
    with pytest.raises(DecryptionError):
        store.get("candidate", second)


def test_token_moved_to_another_field_is_rejected(store):
    entity_id = _load(store, 1)[0]
    pii = _pii(store, entity_id)
    pii["name"] = pii["national_id"]
    _set_pii(store, entity_id, pii)
    with pytest.raises(DecryptionError, match="name"):
        store.get("candidate", entity_id)


def test_wrong_or_missing_key_is_refused_when_the_store_opens(store, db_url):
    _load(store, 1)
    with pytest.raises(KeyRingMismatchError, match="keys index, k1 differ from the keys the data was written with"):
        Store.open(db_url, KeyRing.generate("k1"))
    with pytest.raises(KeyRingMismatchError, match="keys k1 are not in the ring") as missing:
        Store.open(db_url, KeyRing.generate("k9"))
    assert "HUB_KEYS" in str(missing.value)


def test_a_token_under_another_key_still_fails_on_its_own(store):
    """Key checks guard the door; a single tampered or foreign token is still caught where it is read."""
    entity_id = _load(store, 1)[0]
    foreign = KeyRing.generate("k1").encrypt("x", aad=("candidate", entity_id, "name"))
    with store.transaction() as tx:
        tx.execute(sa.update(t.entities).where(t.entities.c.id == entity_id).values(pii=json.dumps({"name": foreign})))
    with pytest.raises(DecryptionError, match="key material"):
        store.get("candidate", entity_id)


def test_refetching_later_is_not_a_change(store):
    _load(store, 3)
    later = [candidate(n).model_copy(update={"provenance": candidate(n).provenance.model_copy(
        update={"fetched_at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC)})}) for n in range(3)]
    with store.transaction() as tx:
        assert store.upsert_many(tx, "beisen", later).unchanged == 3
